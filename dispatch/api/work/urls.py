from django.urls import path

from dispatch.api.work import views as v

urlpatterns = [
    path("cases/<int:pk>/dispatch/", v.CaseDispatchView.as_view(), name="api-work-case-dispatch"),
    path("cases/<int:pk>/verify/", v.CaseVerifyView.as_view(), name="api-work-case-verify"),
    path("cases/<int:pk>/revisit/", v.CaseRevisitView.as_view(), name="api-work-case-revisit"),
    path("cases/<int:pk>/close/", v.CaseCloseView.as_view(), name="api-work-case-close"),
    path("cases/<int:pk>/explanation-call/", v.CaseExplanationCallView.as_view(), name="api-work-case-explanation"),
    path("cases/<int:pk>/move/", v.CaseMoveView.as_view(), name="api-work-case-move"),
    path("assignments/", v.AssignmentListView.as_view(), name="api-work-assignments"),
    path("assignments/<int:pk>/", v.AssignmentDetailView.as_view(), name="api-work-assignment"),
    path("assignments/<int:pk>/acknowledge/", v.AcknowledgeView.as_view(), name="api-work-acknowledge"),
    path("assignments/<int:pk>/progress/", v.ProgressView.as_view(), name="api-work-progress"),
    path("assignments/<int:pk>/report-back/", v.ReportBackView.as_view(), name="api-work-report-back"),
    path("assignments/<int:pk>/extension/", v.ExtensionRequestView.as_view(), name="api-work-extension"),
    path("assignments/<int:pk>/decline/", v.DeclineView.as_view(), name="api-work-decline"),
    path("assignments/<int:pk>/rule-decline/", v.RuleDeclineView.as_view(), name="api-work-rule-decline"),
    path("assignments/<int:pk>/rework/", v.ReworkView.as_view(), name="api-work-rework"),
    path("assignments/<int:pk>/remind/", v.RemindView.as_view(), name="api-work-remind"),
    path("assignments/<int:pk>/supervise/", v.SuperviseView.as_view(), name="api-work-supervise"),
    path("assignments/<int:pk>/reassign/", v.ReassignView.as_view(), name="api-work-reassign"),
    path("extensions/<int:pk>/decide/", v.ExtensionDecideView.as_view(), name="api-work-extension-decide"),
    path("summons/", v.SummonsCreateView.as_view(), name="api-work-summons-create"),
    path("summons/<int:pk>/", v.SummonsDetailView.as_view(), name="api-work-summons"),
    path("summons/<int:pk>/approve/", v.SummonsApproveView.as_view(), name="api-work-summons-approve"),
    path("summons/<int:pk>/refuse/", v.SummonsRefuseView.as_view(), name="api-work-summons-refuse"),
    path("summons/<int:pk>/close/", v.SummonsCloseView.as_view(), name="api-work-summons-close"),
    path("summons-departments/<int:pk>/acknowledge/", v.SummonsAcknowledgeView.as_view(),
         name="api-work-summons-acknowledge"),
    path("summons-departments/<int:pk>/report-in/", v.SummonsReportInView.as_view(),
         name="api-work-summons-report-in"),
]
