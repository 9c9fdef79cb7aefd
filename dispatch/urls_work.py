"""URLs of dispatch work (the board, inbox, matters, assignments, summons) and its API."""

from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from dispatch import views_work as views
from governance.navigation import register
from governance.roles import Role

register(_("调度台"), "dispatch:board", {Role.DUTY_DIRECTOR, Role.DISPATCHER, Role.COMMANDER,
                                         Role.DEPUTY_COMMANDER, Role.LEADER, Role.ADMINISTRATOR}, order=20)
register(_("部门待办"), "dispatch:work-inbox", {Role.DEPARTMENT_LIAISON, Role.DEPARTMENT_HANDLER}, order=21)
register(_("待核查"), "dispatch:work-verification", {Role.GRID_WORKER, Role.DUTY_DIRECTOR, Role.DISPATCHER}, order=22)

urlpatterns = [
    path("board/", views.board, name="board"),
    path("work/inbox/", views.inbox, name="work-inbox"),
    path("work/verification/", views.verification_queue, name="work-verification"),
    path("work/cases/<int:pk>/", views.case_work, name="work-case"),
    path("work/cases/<int:pk>/dispatch/", views.case_dispatch, name="work-case-dispatch"),
    path("work/cases/<int:pk>/<slug:action>/", views.case_action, name="work-case-action"),
    path("work/assignments/<int:pk>/", views.assignment_page, name="work-assignment"),
    path("work/assignments/<int:pk>/<slug:action>/", views.assignment_action, name="work-assignment-action"),
    path("work/extensions/<int:pk>/decide/", views.extension_decide, name="work-extension-decide"),
    path("work/summons/new/", views.summons_new, name="work-summons-new"),
    path("work/summons/<int:pk>/", views.summons_page, name="work-summons"),
    path("work/summons/<int:pk>/<slug:action>/", views.summons_action, name="work-summons-action"),
    path("work/summons/departments/<int:pk>/<slug:action>/", views.summons_department_action,
         name="work-summons-department-action"),
    path("api/work/", include("dispatch.api_work.urls")),
]
