from django.urls import path

from command.api import leaders_views, views

app_name = "command-api"

urlpatterns = [
    path("urgent-reports/", views.UrgentReportListView.as_view(), name="urgent-reports"),
    path("urgent-reports/<int:pk>/", views.UrgentReportDetailView.as_view(), name="urgent-report"),
    path("urgent-reports/<int:pk>/follow-ups/", views.UrgentReportFollowUpView.as_view(), name="urgent-follow-up"),
    path("follows/", leaders_views.FollowListView.as_view(), name="follows"),
    path("cases/<int:pk>/follow/", leaders_views.FollowView.as_view(), name="follow"),
    path("cases/<int:pk>/unfollow/", leaders_views.UnfollowView.as_view(), name="unfollow"),
    path("cases/<int:pk>/instructions/", leaders_views.CaseInstructView.as_view(), name="case-instruct"),
    path("cases/<int:pk>/supervise/", leaders_views.CaseSuperviseView.as_view(), name="case-supervise"),
    path("letters/<int:pk>/instructions/", leaders_views.LetterInstructView.as_view(), name="letter-instruct"),
    path("instructions/", leaders_views.InstructionListView.as_view(), name="instructions"),
    path("instructions/<int:pk>/", leaders_views.InstructionDetailView.as_view(), name="instruction"),
    path("instructions/<int:pk>/answer/", leaders_views.InstructionAnswerView.as_view(), name="instruction-answer"),
]
