from django.urls import path

from intake.views import attachments, cases, window

app_name = "intake"

urlpatterns = [
    path("window/", window.window_register, name="window"),
    path("command/register/", window.command_register, name="command_register"),
    path("window/applicant/", window.applicant_lookup, name="applicant_lookup"),
    path("mine/", cases.my_cases, name="mine"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/export.xlsx", cases.case_export, name="case_export"),
    path("cases/<str:code>/", cases.case_detail, name="case_detail"),
    path("cases/<str:code>/receipt/", window.receipt, name="receipt"),
    path("cases/<str:code>/settle/", window.settle, name="settle"),
    path("cases/<str:code>/dispatch/", window.send_to_dispatch, name="send_to_dispatch"),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment"),
    path("cases/<str:code>/parties/<int:party_id>/full-id/", cases.party_full_id, name="party_full_id"),
]
