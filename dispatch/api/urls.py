from django.urls import path

from dispatch.api import views

urlpatterns = [
    path("on-duty/", views.OnDutyView.as_view(), name="api-on-duty"),
    path("roster/", views.RosterMonthView.as_view(), name="api-roster"),
    path("roster/shifts/", views.ShiftCreateView.as_view(), name="api-roster-shifts"),
    path("mode/", views.ModeCurrentView.as_view(), name="api-mode"),
    path("mode/history/", views.ModeHistoryView.as_view(), name="api-mode-history"),
    path("mode/wartime/", views.ModeDeclareView.as_view(), name="api-mode-declare"),
    path("mode/normal/", views.ModeEndView.as_view(), name="api-mode-end"),
    path("notifications/", views.NotificationListView.as_view(), name="api-notifications"),
    path(
        "notifications/read-all/", views.NotificationReadAllView.as_view(), name="api-notifications-read-all"
    ),
    path(
        "notifications/<int:notification_id>/read/",
        views.NotificationReadView.as_view(),
        name="api-notification-read",
    ),
]
