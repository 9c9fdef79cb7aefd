from django.urls import path

from review.views import assessment, command, dashboard, report

app_name = "review"

urlpatterns = [
    path("assessment/", assessment.assessment_month, name="assessment"),
    path("assessment/<str:month>/publish/", assessment.assessment_publish_view, name="assessment-publish"),
    path("assessment/<str:month>/items/", assessment.assessment_items, name="assessment-items"),
    path("assessment/<str:month>/flags/<int:department_id>/<slug:kind>/", assessment.assessment_flag,
         name="assessment-flag"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/data/", dashboard.dashboard_data, name="dashboard-data"),
    path("report/<str:month>/", report.report_page, name="report"),
    path("report/<str:month>/commentary/", report.report_commentary, name="report-commentary"),
    path("report/<str:month>/export/", report.report_export, name="report-export"),
    path("report/<str:month>/export/status/", report.report_export_status, name="report-export-status"),
    path("report/<str:month>/download/<slug:kind>/", report.report_download, name="report-download"),
    path("radar/", command.radar, name="radar"),
    path("radar/run/", command.radar_run_now, name="radar-run"),
    path("radar/<int:pk>/", command.signal_detail, name="signal"),
    path("radar/<int:pk>/dismiss/", command.signal_dismiss, name="signal-dismiss"),
    path("radar/<int:pk>/agenda/", command.signal_to_agenda, name="signal-agenda"),
    path("letters/", command.letter_list, name="letters"),
    path("letters/new/", command.letter_new, name="letter-new"),
    path("letters/<int:pk>/", command.letter_detail, name="letter"),
    path("letters/<int:pk>/answer/", command.letter_answer, name="letter-answer"),
    path("consultations/", command.consultation_list, name="consultations"),
    path("consultations/new/", command.consultation_schedule, name="consultation-schedule"),
    path("consultations/<int:pk>/", command.consultation_detail, name="consultation"),
    path("consultations/<int:pk>/agenda/", command.consultation_agenda_add, name="consultation-agenda"),
    path("consultations/<int:pk>/record/", command.consultation_record, name="consultation-record"),
    path("consultations/<int:pk>/decisions/", command.consultation_decide, name="consultation-decide"),
    path("actions/", command.action_queue, name="actions"),
    path("actions/<int:pk>/done/", command.action_done, name="action-done"),
    path("daily/", command.daily_report_list, name="daily-reports"),
    path("daily/generate/", command.daily_report_generate, name="daily-report-generate"),
    path("daily/<int:pk>/", command.daily_report_detail, name="daily-report"),
    path("daily/<int:pk>/issue/", command.daily_report_issue, name="daily-report-issue"),
]
