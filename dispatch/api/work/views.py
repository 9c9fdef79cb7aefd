"""Dispatch's work API in one style: a view per action whose `post` fetches and authorises (404 when
not yours), validates an input serializer, calls one service and answers an output serializer."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import services as svc
from dispatch.api.work import serializers as s
from dispatch.choices import BOARD_LIVE_STATUSES
from dispatch.models import Assignment, ExtensionRequest
from dispatch.selectors import work as sel
from dispatch.selectors.supervision import assignments_supervised_by, supervising_leaders
from governance import selectors as org_selectors
from governance.api import RESULT, Action, action_view, by_actor, validated
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.models import Center, Department
from governance.parsing import db_id
from governance.roles import MAY_HANDLE_ASSIGNMENTS, MAY_LEAD_SUPERVISION, MAY_SUPERVISE_WORK, may
from governance.scope import reads_center_territory
from intake.choices import EventSource

API = EventSource.API


def _department(center_id: int, pk: int | None) -> Department | None:
    if pk is None:
        return None
    dept = Department.objects.filter(center_id=center_id, pk=pk, active=True).first()
    if dept is None:
        raise ApplicationError(gettext("部门不存在或已停用。"), code="invalid_department", field="department")
    return dept


def _center(pk: int) -> Center:
    center = Center.objects.filter(pk=pk, active=True).first()
    if center is None:
        raise ApplicationError(gettext("中心不存在。"), code="invalid_center", field="to_center")
    return center


def _user(pk: int | None) -> Any:
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ApplicationError(gettext("人员不存在。"), code="invalid_user")
    return user


TAGS = ["dispatch-work"]


def _extension_for_actor(*, actor: Any, pk: int) -> ExtensionRequest:
    if not may(actor, MAY_SUPERVISE_WORK):
        raise NotFoundError()
    extension = ExtensionRequest.objects.select_related("assignment__case", "assignment__department").filter(
        pk=pk).first()
    if extension is None:
        raise NotFoundError()
    return extension


# Every action is one view: fetch and authorise (404 when not yours), validate the input serializer,
# call one service, answer the output serializer; all but two (a list answered, no target in the URL)
# are declared (governance.api.Action).


WorkAction = functools.partial(Action, tags=tuple(TAGS))


CASE = by_actor(sel.case_get_for_work)
ASSIGNMENT = by_actor(sel.assignment_get_for_actor)
SUMMONS = by_actor(sel.summons_get_for_actor)
SUMMONS_DEPARTMENT = by_actor(sel.summons_department_get_for_actor)
EXTENSION = by_actor(_extension_for_actor)


def _exclusion_propose(actor: Any, case: Any, data: dict[str, Any]) -> Any:
    key = data.pop("duplicate_of").strip()
    original = sel.case_get_for_work_by_key(actor=actor, key=key) if key else None
    return svc.case_exclusion_propose(actor=actor, case=case, duplicate_of=original, source=API, **data)


# --- matters -------------------------------------------------------------------------------------
class CaseDispatchView(APIView):
    @extend_schema(summary="派单", request=s.DispatchIn, responses={201: s.AssignmentOut(many=True)}, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        case = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.DispatchIn, request.data)
        lead = _department(case.center_id, data["lead_department"])
        co = [_department(case.center_id, dept) for dept in data["co_departments"]]
        created = svc.case_dispatch(
            actor=request.user, case=case, mode=data["mode"], lead_department=lead, co_departments=co,
            instructions=data["instructions"], parts={db_id(k): v for k, v in data["parts"].items() if db_id(k)},
            supervising_leader=_user(data["supervising_leader"]),
            progress_every_working_days=data["progress_every_working_days"], source=API)
        return Response(s.AssignmentOut(created, many=True).data, status=201)


CaseVerifyView = action_view(WorkAction(
    "现场核查", CASE, s.VerifyIn, s.CaseOut,
    lambda actor, case, d: svc.case_verify(actor=actor, case=case, passed=d["passed"], notes=d["notes"], source=API)))
CaseRevisitView = action_view(WorkAction(
    "回访", CASE, s.RevisitIn, s.CaseOut, lambda actor, case, d: svc.case_revisit(actor=actor, case=case, source=API, **d)))
CaseRevisitAttemptView = action_view(WorkAction(
    "回访未联系上（记录一次）", CASE, s.RevisitAttemptIn, s.RevisitAttemptOut,
    lambda actor, case, d: svc.revisit_attempt_record(actor=actor, case=case, source=API, **d),
    answer=RESULT, created=True))
CaseExclusionView = action_view(WorkAction(
    "不参评：重复件，或诉求不合理（待指挥长确认）", CASE, s.ExclusionIn, s.ExclusionOut, _exclusion_propose,
    answer=RESULT, created=True))
CaseExclusionDecideView = action_view(WorkAction(
    "指挥长确认不参评（诉求不合理）", CASE, s.ExclusionDecideIn, s.ExclusionOut,
    lambda actor, case, d: svc.case_exclusion_decide(actor=actor, case=case, source=API, **d), answer=RESULT))
CaseCloseView = action_view(WorkAction(
    "办结", CASE, s.NoteIn, s.CaseOut,
    lambda actor, case, d: svc.case_close(actor=actor, case=case, note=d["note"], source=API), answer=RESULT))
CaseExplanationCallView = action_view(WorkAction(
    "解释回访", CASE, s.NotesIn, s.CaseOut,
    lambda actor, case, d: svc.case_record_explanation_call(actor=actor, case=case, notes=d["notes"], source=API)))
CaseMoveView = action_view(WorkAction(
    "上提或下交", CASE, s.MoveIn, s.CaseOut,
    lambda actor, case, d: svc.case_move_center(actor=actor, case=case, to_center=_center(d["to_center"]),
                                                reason=d["reason"], source=API), answer=RESULT))


# --- assignments -----------------------------------------------------------------------------------
class AssignmentListView(ListAPIView):
    """Department people: their department's assignments. Center staff: the center's open assignments."""

    serializer_class = s.AssignmentOut
    queryset = Assignment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        user = self.request.user
        if reads_center_territory(user=user):
            center = org_selectors.center_for_user(user=user)
            # The center's live assignments in deadline order, as the board reads them (its index).
            return (Assignment.objects.filter(center=center, status__in=BOARD_LIVE_STATUSES)
                    .select_related("case", "department").order_by("due_at", "pk"))
        if may(user, MAY_HANDLE_ASSIGNMENTS):
            return sel.assignments_for_department_user(user=user, open_only=False)
        raise PermissionDeniedError()


class SupervisedAssignmentListView(ListAPIView):
    """我督办的事项: the assignments naming the signed-in leader as supervising leader."""

    serializer_class = s.AssignmentOut
    queryset = Assignment.objects.none()

    @extend_schema(summary="我督办的事项", tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        if not may(self.request.user, MAY_LEAD_SUPERVISION):
            raise PermissionDeniedError(gettext("只有指挥长、副指挥长和领导有督办事项。"))
        return assignments_supervised_by(user=self.request.user)


class SupervisingLeaderListView(ListAPIView):
    """Who may be named supervising leader of a matter held at the user's center (派单、督办时选择)."""

    serializer_class = s.LeaderOut
    queryset = Assignment.objects.none()

    @extend_schema(summary="可选督办领导", tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return get_user_model().objects.none()
        if not may(self.request.user, MAY_SUPERVISE_WORK):
            raise PermissionDeniedError(gettext("只有中心工作人员可以查看可选督办领导。"))
        center = org_selectors.center_for_user(user=self.request.user)
        if center is None:
            raise NotFoundError(gettext("未配置中心。"))
        return supervising_leaders(center=center)


class AssignmentDetailView(RetrieveAPIView):
    serializer_class = s.AssignmentOut

    def get_object(self):
        return sel.assignment_get_for_actor(actor=self.request.user, pk=self.kwargs["pk"])


AcknowledgeView = action_view(WorkAction(
    "签收（指定承办人）", ASSIGNMENT, s.AcknowledgeIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_acknowledge(actor=actor, assignment=obj, handler=_user(d["handler"]),
                                                     source=API), answer=RESULT))
ProgressView = action_view(WorkAction(
    "报告进度", ASSIGNMENT, s.TextIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_report_progress(actor=actor, assignment=obj, text=d["text"], source=API)))
ReportBackView = action_view(WorkAction(
    "反馈办理结果", ASSIGNMENT, s.ReportBackIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_report_back(actor=actor, assignment=obj, text=d["text"], files=d["files"],
                                                     source=API)))
ExtensionRequestView = action_view(WorkAction(
    "申请延期", ASSIGNMENT, s.ExtensionIn, s.ExtensionOut,
    lambda actor, obj, d: svc.assignment_request_extension(actor=actor, assignment=obj, reason=d["reason"],
                                                           requested_due_at=d["requested_due_at"], source=API),
    answer=RESULT))
DeclineView = action_view(WorkAction(
    "申请退回（非本单位职责）", ASSIGNMENT, s.ReasonIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_decline(actor=actor, assignment=obj, reason=d["reason"], source=API),
    answer=RESULT))
RuleDeclineView = action_view(WorkAction(
    "裁定退回", ASSIGNMENT, s.RuleDeclineIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_rule_decline(
        actor=actor, assignment=obj, accept=d["accept"], department=_department(obj.center_id, d["department"]),
        note=d["note"], source=API), answer=RESULT))
ReworkView = action_view(WorkAction(
    "退回重办", ASSIGNMENT, s.ReasonIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_return_for_rework(actor=actor, assignment=obj, reason=d["reason"], source=API),
    answer=RESULT))
RemindView = action_view(WorkAction(
    "催办", ASSIGNMENT, s.NoteIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_remind(actor=actor, assignment=obj, note=d["note"], source=API)))
SuperviseView = action_view(WorkAction(
    "督办", ASSIGNMENT, s.SuperviseIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_supervise(
        actor=actor, assignment=obj, leader=_user(d["leader"]), every_working_days=d["every_working_days"],
        note=d["note"], source=API), answer=RESULT))
ReassignView = action_view(WorkAction(
    "改派", ASSIGNMENT, s.ReassignIn, s.AssignmentOut,
    lambda actor, obj, d: svc.assignment_reassign(actor=actor, assignment=obj, reason=d["reason"],
                                                  department=_department(obj.center_id, d["department"]), source=API),
    answer=RESULT))
ExtensionDecideView = action_view(WorkAction(
    "审批延期", EXTENSION, s.DecideIn, s.ExtensionOut,
    lambda actor, obj, d: svc.extension_decide(actor=actor, extension=obj, approve=d["approve"], note=d["note"],
                                               new_due_at=d["new_due_at"], source=API), answer=RESULT))


# --- summons ---------------------------------------------------------------------------------------
class SummonsCreateView(APIView):
    @extend_schema(summary="申请召集（吹哨）", request=s.SummonsIn, responses={201: s.SummonsOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = validated(s.SummonsIn, request.data)
        center = org_selectors.center_for_user(user=request.user)
        case = sel.case_get_for_work(actor=request.user, pk=data["case"]) if data["case"] else None
        summons = svc.summons_request(
            actor=request.user, center=center, case=case, reason=data["reason"], source=API,
            departments=[_department(center.pk, pk) for pk in data["departments"]])
        return Response(s.SummonsOut(summons).data, status=201)


class SummonsDetailView(RetrieveAPIView):
    serializer_class = s.SummonsOut

    def get_object(self):
        return sel.summons_get_for_actor(actor=self.request.user, pk=self.kwargs["pk"])


SummonsApproveView = action_view(WorkAction(
    "批准召集", SUMMONS, s.NoteIn, s.SummonsOut,
    lambda actor, obj, d: svc.summons_approve(actor=actor, summons=obj, note=d["note"], source=API), answer=RESULT))
SummonsRefuseView = action_view(WorkAction(
    "不予召集", SUMMONS, s.NoteIn, s.SummonsOut,
    lambda actor, obj, d: svc.summons_refuse(actor=actor, summons=obj, note=d["note"], source=API), answer=RESULT))
SummonsCloseView = action_view(WorkAction(
    "结束召集", SUMMONS, s.NoteIn, s.SummonsOut,
    lambda actor, obj, d: svc.summons_close(actor=actor, summons=obj, note=d["note"], source=API), answer=RESULT))
SummonsAcknowledgeView = action_view(WorkAction(
    "部门确认召集", SUMMONS_DEPARTMENT, s.NoteIn, s.SummonsDepartmentOut,
    lambda actor, obj, d: svc.summons_acknowledge(actor=actor, row=obj, source=API), answer=RESULT))
SummonsReportInView = action_view(WorkAction(
    "部门报到", SUMMONS_DEPARTMENT, s.ReportInIn, s.SummonsDepartmentOut,
    lambda actor, obj, d: svc.summons_report_in(actor=actor, row=obj, person=_user(d["person"]), code=d["code"],
                                                source=API), answer=RESULT))
