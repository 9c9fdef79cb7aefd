from django.urls import path

from review.views import assessment, dashboard, ladder, letters_from, report

app_name = "review"

urlpatterns = [
    path("assessment/", assessment.assessment_month, name="assessment"),
    path("assessment/<str:month>/publish/", assessment.assessment_publish_view, name="assessment-publish"),
    path("assessment/<str:month>/items/", assessment.assessment_items, name="assessment-items"),
    path("assessment/<str:month>/flags/<int:department_id>/<slug:kind>/", assessment.assessment_flag,
         name="assessment-flag"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/data/", dashboard.dashboard_data, name="dashboard-data"),
    path("report/", report.report_current, name="report-current"),
    path("report/<str:month>/", report.report_page, name="report"),
    path("report/<str:month>/commentary/", report.report_commentary, name="report-commentary"),
    path("report/<str:month>/export/", report.report_export, name="report-export"),
    path("report/<str:month>/export/status/", report.report_export_status, name="report-export-status"),
    path("report/<str:month>/download/<slug:kind>/", report.report_download, name="report-download"),
    path("ladder/<int:pk>/escalate/", ladder.ladder_escalate, name="ladder-escalate"),
    path("referrals/", ladder.referral_list, name="referrals"),
    path("referrals/<int:pk>/", ladder.referral_detail, name="referral"),
    path("referrals/<int:pk>/answer/", ladder.referral_answer, name="referral-answer"),
    path("letters/from/matter/<int:case_id>/", letters_from.letter_from_matter, name="letter-from-matter"),
    path("letters/from/assessment/<str:month>/<int:department_id>/", letters_from.letter_from_assessment,
         name="letter-from-assessment"),
]
