from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("status/", views.status_page, name="status"),
    path("directory/", views.directory, name="directory"),
    path("calendar/", views.calendar_page, name="calendar"),
]
