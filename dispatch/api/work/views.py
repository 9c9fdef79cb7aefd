"""Dispatch's work API in one style: a view per action whose `post` fetches and authorises (404 when
not yours), validates an input serializer, calls one service and answers an output serializer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import services as svc
from dispatch.api.work import serializers as s
from dispatch.models import Assignment, ExtensionRequest
from dispatch.selectors import work as sel
from dispatch.selectors.supervision import assignments_supervised_by, supervising_leaders
from governance import selectors as org_selectors
from governance.api import validated
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


def _output(serializer: type[serializers.Serializer], result: Any, *, status: int = 200) -> Response:
    """The object as it is after the action (re-read: the service moved it with a conditional UPDATE)."""
    if hasattr(result, "refresh_from_db"):
        result.refresh_from_db()
    return Response(serializer(result).data, status=status)


def _extension_for_actor(*, actor: Any, pk: int) -> ExtensionRequest:
    if not may(actor, MAY_SUPERVISE_WORK):
        raise NotFoundError()
    extension = ExtensionRequest.objects.select_related("assignment__case", "assignment__department").filter(
        pk=pk).first()
    if extension is None:
        raise NotFoundError()
    return extension


# Every action is one view: fetch and authorise (404 when not yours), validate the input serializer,
# call one service, answer the output serializer.

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


class CaseVerifyView(APIView):
    @extend_schema(summary="现场核查", request=s.VerifyIn, responses=s.CaseOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.VerifyIn, request.data)
        svc.case_verify(actor=request.user, case=obj, passed=data["passed"], notes=data["notes"], source=API)
        return _output(s.CaseOut, obj)


class CaseRevisitView(APIView):
    @extend_schema(summary="回访", request=s.RevisitIn, responses=s.CaseOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.RevisitIn, request.data)
        svc.case_revisit(actor=request.user, case=obj, source=API, **data)
        return _output(s.CaseOut, obj)


class CaseRevisitAttemptView(APIView):
    @extend_schema(summary="回访未联系上（记录一次）", request=s.RevisitAttemptIn, responses={201: s.RevisitAttemptOut},
                   tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.RevisitAttemptIn, request.data)
        attempt = svc.revisit_attempt_record(actor=request.user, case=obj, source=API, **data)
        return Response(s.RevisitAttemptOut(attempt).data, status=201)


class CaseExclusionView(APIView):
    @extend_schema(summary="不参评：重复件，或诉求不合理（待指挥长确认）", request=s.ExclusionIn,
                   responses={201: s.ExclusionOut}, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.ExclusionIn, request.data)
        key = data.pop("duplicate_of").strip()
        original = sel.case_get_for_work_by_key(actor=request.user, key=key) if key else None
        exclusion = svc.case_exclusion_propose(actor=request.user, case=obj, duplicate_of=original, source=API, **data)
        return Response(s.ExclusionOut(exclusion).data, status=201)


class CaseExclusionDecideView(APIView):
    @extend_schema(summary="指挥长确认不参评（诉求不合理）", request=s.ExclusionDecideIn, responses=s.ExclusionOut,
                   tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.ExclusionDecideIn, request.data)
        return _output(s.ExclusionOut, svc.case_exclusion_decide(actor=request.user, case=obj, source=API, **data))


class CaseCloseView(APIView):
    @extend_schema(summary="办结", request=s.NoteIn, responses=s.CaseOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.NoteIn, request.data)
        return _output(s.CaseOut, svc.case_close(actor=request.user, case=obj, note=data["note"], source=API))


class CaseExplanationCallView(APIView):
    @extend_schema(summary="解释回访", request=s.NotesIn, responses=s.CaseOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.NotesIn, request.data)
        svc.case_record_explanation_call(actor=request.user, case=obj, notes=data["notes"], source=API)
        return _output(s.CaseOut, obj)


class CaseMoveView(APIView):
    @extend_schema(summary="上提或下交", request=s.MoveIn, responses=s.CaseOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.case_get_for_work(actor=request.user, pk=pk)
        data = validated(s.MoveIn, request.data)
        return _output(s.CaseOut, svc.case_move_center(actor=request.user, case=obj, to_center=_center(data["to_center"]),
                                        reason=data["reason"], source=API))


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
            return (Assignment.objects.filter(center=center).select_related("case", "department")
                    .order_by("due_at", "pk"))
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


class AcknowledgeView(APIView):
    @extend_schema(summary="签收（指定承办人）", request=s.AcknowledgeIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.AcknowledgeIn, request.data)
        return _output(s.AssignmentOut, svc.assignment_acknowledge(actor=request.user, assignment=obj,
                                                                  handler=_user(data["handler"]), source=API))


class ProgressView(APIView):
    @extend_schema(summary="报告进度", request=s.TextIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.TextIn, request.data)
        svc.assignment_report_progress(actor=request.user, assignment=obj, text=data["text"], source=API)
        return _output(s.AssignmentOut, obj)


class ReportBackView(APIView):
    @extend_schema(summary="反馈办理结果", request=s.ReportBackIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.ReportBackIn, request.data)
        svc.assignment_report_back(actor=request.user, assignment=obj, text=data["text"], files=data["files"],
                                   source=API)
        return _output(s.AssignmentOut, obj)


class ExtensionRequestView(APIView):
    @extend_schema(summary="申请延期", request=s.ExtensionIn, responses=s.ExtensionOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.ExtensionIn, request.data)
        return _output(s.ExtensionOut, svc.assignment_request_extension(actor=request.user, assignment=obj, reason=data["reason"],
                                                    requested_due_at=data["requested_due_at"], source=API))


class DeclineView(APIView):
    @extend_schema(summary="申请退回（非本单位职责）", request=s.ReasonIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.ReasonIn, request.data)
        return _output(s.AssignmentOut, svc.assignment_decline(actor=request.user, assignment=obj, reason=data["reason"], source=API))


class RuleDeclineView(APIView):
    @extend_schema(summary="裁定退回", request=s.RuleDeclineIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.RuleDeclineIn, request.data)
        return _output(s.AssignmentOut, svc.assignment_rule_decline(actor=request.user, assignment=obj, accept=data["accept"],
                                               department=_department(obj.center_id, data["department"]),
                                               note=data["note"], source=API))


class ReworkView(APIView):
    @extend_schema(summary="退回重办", request=s.ReasonIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.ReasonIn, request.data)
        return _output(s.AssignmentOut, svc.assignment_return_for_rework(actor=request.user, assignment=obj, reason=data["reason"],
                                                    source=API))


class RemindView(APIView):
    @extend_schema(summary="催办", request=s.NoteIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.NoteIn, request.data)
        svc.assignment_remind(actor=request.user, assignment=obj, note=data["note"], source=API)
        return _output(s.AssignmentOut, obj)


class SuperviseView(APIView):
    @extend_schema(summary="督办", request=s.SuperviseIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.SuperviseIn, request.data)
        return _output(s.AssignmentOut, svc.assignment_supervise(actor=request.user, assignment=obj, leader=_user(data["leader"]),
                                            every_working_days=data["every_working_days"], note=data["note"],
                                            source=API))


class ReassignView(APIView):
    @extend_schema(summary="改派", request=s.ReassignIn, responses=s.AssignmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.assignment_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.ReassignIn, request.data)
        return _output(s.AssignmentOut, svc.assignment_reassign(actor=request.user, assignment=obj, reason=data["reason"],
                                           department=_department(obj.center_id, data["department"]), source=API))


class ExtensionDecideView(APIView):
    @extend_schema(summary="审批延期", request=s.DecideIn, responses=s.ExtensionOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = _extension_for_actor(actor=request.user, pk=pk)
        data = validated(s.DecideIn, request.data)
        return _output(s.ExtensionOut, svc.extension_decide(actor=request.user, extension=obj, approve=data["approve"], note=data["note"],
                                        new_due_at=data["new_due_at"], source=API))


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


class SummonsApproveView(APIView):
    @extend_schema(summary="批准召集", request=s.NoteIn, responses=s.SummonsOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.summons_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.NoteIn, request.data)
        return _output(s.SummonsOut, svc.summons_approve(actor=request.user, summons=obj, note=data["note"], source=API))


class SummonsRefuseView(APIView):
    @extend_schema(summary="不予召集", request=s.NoteIn, responses=s.SummonsOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.summons_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.NoteIn, request.data)
        return _output(s.SummonsOut, svc.summons_refuse(actor=request.user, summons=obj, note=data["note"], source=API))


class SummonsCloseView(APIView):
    @extend_schema(summary="结束召集", request=s.NoteIn, responses=s.SummonsOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.summons_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.NoteIn, request.data)
        return _output(s.SummonsOut, svc.summons_close(actor=request.user, summons=obj, note=data["note"], source=API))


class SummonsAcknowledgeView(APIView):
    @extend_schema(summary="部门确认召集", request=s.NoteIn, responses=s.SummonsDepartmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.summons_department_get_for_actor(actor=request.user, pk=pk)
        validated(s.NoteIn, request.data)
        return _output(s.SummonsDepartmentOut, svc.summons_acknowledge(actor=request.user, row=obj, source=API))


class SummonsReportInView(APIView):
    @extend_schema(summary="部门报到", request=s.ReportInIn, responses=s.SummonsDepartmentOut, tags=TAGS)
    def post(self, request: Request, pk: int) -> Response:
        obj = sel.summons_department_get_for_actor(actor=request.user, pk=pk)
        data = validated(s.ReportInIn, request.data)
        return _output(s.SummonsDepartmentOut, svc.summons_report_in(actor=request.user, row=obj, person=_user(data["person"]),
                                                                         code=data["code"], source=API))
