"""API views: parse, fetch-and-authorise (404 when not yours), call one service, describe the result."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import services as svc
from dispatch.api.work import serializers as s
from dispatch.models import Assignment, ExtensionRequest
from dispatch.selectors import work as sel
from governance import selectors as org_selectors
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.models import Center, Department
from governance.roles import MAY_HANDLE_ASSIGNMENTS, MAY_SEE_DISTRICT_MATTERS, MAY_SUPERVISE_WORK, may
from intake.choices import EventSource

API = EventSource.API


def _department(center_id: int, pk: int | None) -> Department | None:
    if pk is None:
        return None
    dept = Department.objects.filter(center_id=center_id, pk=pk, active=True).first()
    if dept is None:
        raise ApplicationError(gettext("部门不存在或已停用。"), code="invalid_department", field="department")
    return dept


def _user(pk: int | None) -> Any:
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ApplicationError(gettext("人员不存在。"), code="invalid_user")
    return user


class ActionView(APIView):
    """POST one action on one object: `fetch` authorises, `perform` calls the service."""

    input: ClassVar[type[serializers.Serializer]] = s.NoteIn
    output: ClassVar[type[serializers.Serializer]] = s.AssignmentOut
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def fetch(self, request: Request, pk: int) -> Any:
        return sel.assignment_get_for_actor(actor=request.user, pk=pk)

    def perform(self, request: Request, obj: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def handle_action(self, request: Request, pk: int) -> Response:
        obj = self.fetch(request, pk)
        parsed = self.input(data=request.data)
        parsed.is_valid(raise_exception=True)
        result = self.perform(request, obj, parsed.validated_data)
        if hasattr(result, "refresh_from_db"):
            result.refresh_from_db()
        return Response(self.output(result).data)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Each action gets its own `post`, documented with its own input and output."""
        super().__init_subclass__(**kwargs)
        if "post" in cls.__dict__:
            return

        def post(self: ActionView, request: Request, pk: int) -> Response:
            return self.handle_action(request, pk)

        cls.post = extend_schema(request=cls.input, responses=cls.output, tags=["dispatch-work"])(post)


class CaseActionView(ActionView):
    output = s.CaseOut

    def fetch(self, request: Request, pk: int) -> Any:
        return sel.case_get_for_work(actor=request.user, pk=pk)


# --- matters -------------------------------------------------------------------------------------
class CaseDispatchView(CaseActionView):
    input = s.DispatchIn
    output = s.AssignmentOut

    def post(self, request: Request, pk: int) -> Response:
        case = self.fetch(request, pk)
        parsed = self.input(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        lead = _department(case.center_id, data["lead_department"])
        co = [_department(case.center_id, dept) for dept in data["co_departments"]]
        created = svc.case_dispatch(
            actor=request.user, case=case, mode=data["mode"], lead_department=lead, co_departments=co,
            instructions=data["instructions"], parts={int(k): v for k, v in data["parts"].items() if str(k).isdigit()},
            supervising_leader=_user(data["supervising_leader"]),
            progress_every_working_days=data["progress_every_working_days"], source=API)
        return Response(s.AssignmentOut(created, many=True).data, status=201)

    post = extend_schema(request=s.DispatchIn, responses={201: s.AssignmentOut(many=True)},
                         tags=["dispatch-work"])(post)


class CaseVerifyView(CaseActionView):
    input = s.VerifyIn

    def perform(self, request, obj, data):
        svc.case_verify(actor=request.user, case=obj, passed=data["passed"], notes=data["notes"], source=API)
        return obj


class CaseRevisitView(CaseActionView):
    input = s.RevisitIn

    def perform(self, request, obj, data):
        svc.case_revisit(actor=request.user, case=obj, resolved=data["resolved"],
                         satisfaction=data["satisfaction"], notes=data["notes"], source=API)
        return obj


class CaseCloseView(CaseActionView):
    input = s.NoteIn

    def perform(self, request, obj, data):
        return svc.case_close(actor=request.user, case=obj, note=data["note"], source=API)


class CaseExplanationCallView(CaseActionView):
    input = s.NotesIn

    def perform(self, request, obj, data):
        svc.case_record_explanation_call(actor=request.user, case=obj, notes=data["notes"], source=API)
        return obj


class CaseMoveView(CaseActionView):
    input = s.MoveIn

    def perform(self, request, obj, data):
        to_center = Center.objects.filter(pk=data["to_center"], active=True).first()
        if to_center is None:
            raise ApplicationError(gettext("中心不存在。"), code="invalid_center", field="to_center")
        return svc.case_move_center(actor=request.user, case=obj, to_center=to_center, reason=data["reason"],
                                    source=API)


# --- assignments -----------------------------------------------------------------------------------
class AssignmentListView(ListAPIView):
    """Department people: their department's assignments. Center staff: the center's open assignments."""

    serializer_class = s.AssignmentOut
    queryset = Assignment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        user = self.request.user
        if may(user, MAY_SEE_DISTRICT_MATTERS):
            center = org_selectors.center_for_user(user=user)
            return (Assignment.objects.filter(center=center).select_related("case", "department")
                    .order_by("due_at", "pk"))
        if may(user, MAY_HANDLE_ASSIGNMENTS):
            return sel.assignments_for_department_user(user=user, open_only=False)
        raise PermissionDeniedError()


class AssignmentDetailView(RetrieveAPIView):
    serializer_class = s.AssignmentOut

    def get_object(self):
        return sel.assignment_get_for_actor(actor=self.request.user, pk=self.kwargs["pk"])


class AcknowledgeView(ActionView):
    input = s.NoteIn

    def perform(self, request, obj, data):
        return svc.assignment_acknowledge(actor=request.user, assignment=obj, source=API)


class ProgressView(ActionView):
    input = s.TextIn

    def perform(self, request, obj, data):
        svc.assignment_report_progress(actor=request.user, assignment=obj, text=data["text"], source=API)
        return obj


class ReportBackView(ActionView):
    input = s.ReportBackIn

    def perform(self, request, obj, data):
        svc.assignment_report_back(actor=request.user, assignment=obj, text=data["text"], files=data["files"],
                                   source=API)
        return obj


class ExtensionRequestView(ActionView):
    input = s.ExtensionIn
    output = s.ExtensionOut

    def perform(self, request, obj, data):
        return svc.assignment_request_extension(actor=request.user, assignment=obj, reason=data["reason"],
                                                requested_due_at=data["requested_due_at"], source=API)


class DeclineView(ActionView):
    input = s.ReasonIn

    def perform(self, request, obj, data):
        return svc.assignment_decline(actor=request.user, assignment=obj, reason=data["reason"], source=API)


class RuleDeclineView(ActionView):
    input = s.RuleDeclineIn

    def perform(self, request, obj, data):
        return svc.assignment_rule_decline(actor=request.user, assignment=obj, accept=data["accept"],
                                           department=_department(obj.center_id, data["department"]),
                                           note=data["note"], source=API)


class ReworkView(ActionView):
    input = s.ReasonIn

    def perform(self, request, obj, data):
        return svc.assignment_return_for_rework(actor=request.user, assignment=obj, reason=data["reason"],
                                                source=API)


class RemindView(ActionView):
    input = s.NoteIn

    def perform(self, request, obj, data):
        svc.assignment_remind(actor=request.user, assignment=obj, note=data["note"], source=API)
        return obj


class SuperviseView(ActionView):
    input = s.SuperviseIn

    def perform(self, request, obj, data):
        return svc.assignment_supervise(actor=request.user, assignment=obj, leader=_user(data["leader"]),
                                        every_working_days=data["every_working_days"], note=data["note"],
                                        source=API)


class ReassignView(ActionView):
    input = s.ReassignIn

    def perform(self, request, obj, data):
        return svc.assignment_reassign(actor=request.user, assignment=obj, reason=data["reason"],
                                       department=_department(obj.center_id, data["department"]), source=API)


class ExtensionDecideView(ActionView):
    input = s.DecideIn
    output = s.ExtensionOut

    def fetch(self, request, pk):
        if not may(request.user, MAY_SUPERVISE_WORK):
            raise NotFoundError()
        extension = ExtensionRequest.objects.select_related("assignment__case", "assignment__department").filter(
            pk=pk).first()
        if extension is None:
            raise NotFoundError()
        return extension

    def perform(self, request, obj, data):
        return svc.extension_decide(actor=request.user, extension=obj, approve=data["approve"], note=data["note"],
                                    new_due_at=data["new_due_at"], source=API)


# --- summons ---------------------------------------------------------------------------------------
class SummonsCreateView(APIView):
    @extend_schema(request=s.SummonsIn, responses={201: s.SummonsOut}, tags=["dispatch-work"])
    def post(self, request: Request) -> Response:
        parsed = s.SummonsIn(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
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


class SummonsActionView(ActionView):
    output = s.SummonsOut

    def fetch(self, request, pk):
        return sel.summons_get_for_actor(actor=request.user, pk=pk)


class SummonsApproveView(SummonsActionView):
    def perform(self, request, obj, data):
        return svc.summons_approve(actor=request.user, summons=obj, note=data["note"], source=API)


class SummonsRefuseView(SummonsActionView):
    def perform(self, request, obj, data):
        return svc.summons_refuse(actor=request.user, summons=obj, note=data["note"], source=API)


class SummonsCloseView(SummonsActionView):
    def perform(self, request, obj, data):
        return svc.summons_close(actor=request.user, summons=obj, note=data["note"], source=API)


class SummonsDepartmentActionView(ActionView):
    output = s.SummonsDepartmentOut

    def fetch(self, request, pk):
        return sel.summons_department_get_for_actor(actor=request.user, pk=pk)


class SummonsAcknowledgeView(SummonsDepartmentActionView):
    def perform(self, request, obj, data):
        return svc.summons_acknowledge(actor=request.user, row=obj, source=API)


class SummonsReportInView(SummonsDepartmentActionView):
    input = s.ReportInIn

    def perform(self, request, obj, data):
        return svc.summons_report_in(actor=request.user, row=obj, person=_user(data["person"]), source=API)
