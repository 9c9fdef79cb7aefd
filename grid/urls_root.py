"""The grid's one address at the site root: its service worker, whose scope must cover the grid
pages and the sign-out (included from governance/urls.py by name)."""

from django.urls import path

from grid.views import offline

urlpatterns = [
    path("sw.js", offline.service_worker, name="grid-sw"),
]
