from django.urls import path

from intake.api import views

app_name = "intake-api"

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="cases"),
    path("cases/<str:key>/", views.CaseDetailView.as_view(), name="case"),
    path("cases/<str:key>/settle/", views.CaseSettleView.as_view(), name="case-settle"),
    path("cases/<str:key>/send-to-dispatch/", views.CaseSendToDispatchView.as_view(), name="case-send-to-dispatch"),
    path("cases/<str:key>/links/", views.CaseLinkView.as_view(), name="case-links"),
    path("parties/lookup/", views.PartyLookupView.as_view(), name="party-lookup"),
    path("parties/<int:party_id>/full-id/", views.PartyFullIdView.as_view(), name="party-full-id"),
    path("categories/", views.CategoryTreeView.as_view(), name="categories"),
]
