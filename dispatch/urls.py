from django.urls import include, path

from dispatch.views import mode, notifications, roster

app_name = "dispatch"

urlpatterns = [
    path("roster/", roster.roster_calendar, name="roster"),
    path("roster/shifts/", roster.roster_shift_create, name="roster-shift-create"),
    path("roster/shifts/<int:shift_id>/cancel/", roster.roster_shift_cancel, name="roster-shift-cancel"),
    path("roster/swaps/", roster.roster_swap, name="roster-swap"),
    path("mode/", mode.mode_page, name="mode"),
    path("mode/wartime/", mode.mode_declare, name="mode-declare"),
    path("mode/normal/", mode.mode_end, name="mode-end"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read-all/", notifications.notification_read_all, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/read/", notifications.notification_read, name="notification-read"
    ),
    path(
        "notifications/<int:notification_id>/open/", notifications.notification_open, name="notification-open"
    ),
    path("api/", include("dispatch.api.urls")),
    path("", include("dispatch.urls_work")),
]
