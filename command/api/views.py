"""情况报告 over the API, in the project's one way: one class per endpoint; fetch as the actor (404
when missing or not the actor's center's), validate a serializer, call one service, answer a
serializer. Refusals are the services' errors (`not_on_duty`, `not_your_center`, ...) as JSON."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from command.api import serializers as s
from command.selectors import urgent as sel
from command.selectors.work import command_center_for_user, command_center_refusal
from command.services import urgent as svc
from governance.api import RESULT, Action, action_view, by_actor, validated
from governance.errors import NotFoundError, PermissionDeniedError
from intake.choices import EventSource
from intake.selectors import cases_visible_to


def _fetch(request: Request, pk: int):
    return sel.urgent_reports_visible(actor=request.user).select_related(
        "center", "to_center", "case", "opened_by").prefetch_related("entries__reported_by").filter(pk=pk).first()


class UrgentReportListView(APIView):
    """GET: the center's reports (its own and those its towns reported up), newest first; POST: the 首报."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="情况报告列表（本中心报送及下级报送的）", responses=s.UrgentReportSerializer(many=True),
                   tags=["情况报告"])
    def get(self, request: Request) -> Response:
        rows = (sel.urgent_reports_visible(actor=request.user).select_related("center", "to_center", "case", "opened_by")
                .prefetch_related("entries__reported_by").order_by("-opened_at", "-pk")[:100])
        return Response(s.UrgentReportSerializer(rows, many=True).data)

    @extend_schema(summary="报送情况报告（首报；值班的轮值主任、指挥长）", request=s.UrgentReportFileSerializer,
                   responses={201: s.UrgentReportSerializer}, tags=["情况报告"])
    def post(self, request: Request) -> Response:
        center = command_center_for_user(user=request.user)
        if center is None:
            raise PermissionDeniedError(svc.urgent_report_village_refusal(center)
                                        or command_center_refusal(user=request.user), code="not_your_center")
        data = validated(s.UrgentReportFileSerializer, request.data)
        case_id = data.pop("case", None)
        case = None
        if case_id is not None:
            case = cases_visible_to(user=request.user).filter(pk=case_id).first()
            if case is None:
                raise NotFoundError()
        report = svc.urgent_report_file(actor=request.user, center=center, case=case, source=EventSource.API,
                                        **data)
        return Response(s.UrgentReportSerializer(_fetch(request, report.pk)).data, status=status.HTTP_201_CREATED)


class UrgentReportDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="情况报告（含首报、续报、终报）", responses=s.UrgentReportSerializer, tags=["情况报告"])
    def get(self, request: Request, pk: int) -> Response:
        report = _fetch(request, pk)
        if report is None:
            raise NotFoundError()
        return Response(s.UrgentReportSerializer(report).data)


UrgentReportFollowUpView = action_view(Action(
    "续报或终报（final=true）", by_actor(sel.urgent_report_get_for_actor), s.UrgentFollowUpSerializer,
    s.UrgentEntrySerializer,
    lambda actor, report, d: svc.urgent_report_follow_up(actor=actor, report=report, source=EventSource.API, **d),
    answer=RESULT, created=True, tags=("情况报告",), permission_classes=(permissions.IsAuthenticated,)))
