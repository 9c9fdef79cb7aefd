from django.urls import path

from governance import views, views_calendar

app_name = "governance"

urlpatterns = [
    path("status/", views.status_page, name="status"),
    path("directory/", views.directory, name="directory"),
    path("calendar/", views_calendar.calendar_month, name="calendar"),
]
