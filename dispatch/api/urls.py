"""Dispatch's REST endpoints, all under /api/dispatch/ (the root URLconf puts every app's API under
/api/<app>/): duty roster, mode, notifications, and every action on matters, assignments and summons."""

from django.urls import path

from dispatch.api import views
from dispatch.api.work import views as v

app_name = "dispatch-api"

urlpatterns = [
    path("on-duty/", views.OnDutyView.as_view(), name="on-duty"),
    path("roster/", views.RosterMonthView.as_view(), name="roster"),
    path("roster/shifts/", views.ShiftCreateView.as_view(), name="roster-shifts"),
    path("acting-grants/", views.ActingGrantListView.as_view(), name="acting-grants"),
    path("acting-grants/<int:pk>/revoke/", views.ActingGrantRevokeView.as_view(), name="acting-grant-revoke"),
    path("attendance/sign-in/", views.AttendanceSignInView.as_view(), name="attendance-sign-in"),
    path("attendance/sign-out/", views.AttendanceSignOutView.as_view(), name="attendance-sign-out"),
    path("attendance/confirm/", views.AttendanceConfirmView.as_view(), name="attendance-confirm"),
    path("mode/", views.ModeCurrentView.as_view(), name="mode"),
    path("mode/history/", views.ModeHistoryView.as_view(), name="mode-history"),
    path("mode/wartime/", views.ModeDeclareView.as_view(), name="mode-declare"),
    path("mode/normal/", views.ModeEndView.as_view(), name="mode-end"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read-all/", views.NotificationReadAllView.as_view(), name="notifications-read-all"
    ),
    path(
        "notifications/<int:notification_id>/read/",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    # Work on matters, assignments, extensions and summons.
    path("cases/<int:pk>/dispatch/", v.CaseDispatchView.as_view(), name="case-dispatch"),
    path("cases/<int:pk>/verify/", v.CaseVerifyView.as_view(), name="case-verify"),
    path("cases/<int:pk>/revisit/", v.CaseRevisitView.as_view(), name="case-revisit"),
    path("cases/<int:pk>/revisit-attempts/", v.CaseRevisitAttemptView.as_view(), name="case-revisit-attempt"),
    path("cases/<int:pk>/exclusion/", v.CaseExclusionView.as_view(), name="case-exclusion"),
    path("cases/<int:pk>/exclusion/decide/", v.CaseExclusionDecideView.as_view(), name="case-exclusion-decide"),
    path("cases/<int:pk>/close/", v.CaseCloseView.as_view(), name="case-close"),
    path("cases/<int:pk>/explanation-call/", v.CaseExplanationCallView.as_view(), name="case-explanation"),
    path("cases/<int:pk>/move/", v.CaseMoveView.as_view(), name="case-move"),
    path("assignments/", v.AssignmentListView.as_view(), name="assignments"),
    path("assignments/supervised/", v.SupervisedAssignmentListView.as_view(), name="assignments-supervised"),
    path("supervising-leaders/", v.SupervisingLeaderListView.as_view(), name="supervising-leaders"),
    path("assignments/<int:pk>/", v.AssignmentDetailView.as_view(), name="assignment"),
    path("assignments/<int:pk>/acknowledge/", v.AcknowledgeView.as_view(), name="acknowledge"),
    path("assignments/<int:pk>/progress/", v.ProgressView.as_view(), name="progress"),
    path("assignments/<int:pk>/report-back/", v.ReportBackView.as_view(), name="report-back"),
    path("assignments/<int:pk>/extension/", v.ExtensionRequestView.as_view(), name="extension"),
    path("assignments/<int:pk>/decline/", v.DeclineView.as_view(), name="decline"),
    path("assignments/<int:pk>/rule-decline/", v.RuleDeclineView.as_view(), name="rule-decline"),
    path("assignments/<int:pk>/rework/", v.ReworkView.as_view(), name="rework"),
    path("assignments/<int:pk>/remind/", v.RemindView.as_view(), name="remind"),
    path("assignments/<int:pk>/supervise/", v.SuperviseView.as_view(), name="supervise"),
    path("assignments/<int:pk>/reassign/", v.ReassignView.as_view(), name="reassign"),
    path("extensions/<int:pk>/decide/", v.ExtensionDecideView.as_view(), name="extension-decide"),
    path("summons/", v.SummonsCreateView.as_view(), name="summons-create"),
    path("summons/<int:pk>/", v.SummonsDetailView.as_view(), name="summons"),
    path("summons/<int:pk>/approve/", v.SummonsApproveView.as_view(), name="summons-approve"),
    path("summons/<int:pk>/refuse/", v.SummonsRefuseView.as_view(), name="summons-refuse"),
    path("summons/<int:pk>/close/", v.SummonsCloseView.as_view(), name="summons-close"),
    path("summons-departments/<int:pk>/acknowledge/", v.SummonsAcknowledgeView.as_view(),
         name="summons-acknowledge"),
    path("summons-departments/<int:pk>/report-in/", v.SummonsReportInView.as_view(),
         name="summons-report-in"),
]
