from django.urls import path

from grid.api import views

app_name = "grid-api"

urlpatterns = [
    path("keypersons/", views.KeyPersonListView.as_view(), name="keypersons"),
    path("keypersons/<int:pk>/", views.KeyPersonDetailView.as_view(), name="keyperson"),
]
