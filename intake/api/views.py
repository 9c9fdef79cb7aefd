"""REST endpoints of intake: parse, authorise, call one service or selector, answer.

Who sees which matter is decided by `intake.selectors.cases_visible_to` (through `case_list` and
`case_get_for_actor`); missing and not-yours both answer 404. Business errors are
`ApplicationError`s, rendered by `governance.api.exception_handler` as `{"error": {...}}`.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api import RESULT, Action, action_view, validated
from governance.errors import ApplicationError, NotFoundError
from governance.models import ServiceWindow
from governance.roles import MAY_REGISTER, MAY_SEE_DISTRICT_MATTERS, may, user_roles
from governance.selectors import center_for_user
from intake import selectors
from intake.api import serializers as s
from intake.api.pagination import CappedCountPagination
from intake.choices import EventSource
from intake.models import Case, CaseParty
from intake.services import (
    case_link,
    case_register,
    case_send_to_dispatch,
    case_settle_on_spot,
    party_lookup_record,
)
from intake.services import party_full_id_view as party_full_id_view_service

# Who may register matters through the API: the window and the command-center desk.

ERRORS = {
    400: OpenApiResponse(s.IntakeErrorSerializer, description="输入有误"),
    403: OpenApiResponse(s.IntakeErrorSerializer, description="未登录或无权限"),
    404: OpenApiResponse(s.IntakeErrorSerializer, description="不存在或无权查看"),
    409: OpenApiResponse(s.IntakeErrorSerializer, description="状态已变化"),
}
TAGS = ["事项受理"]


class HasRole(permissions.BasePermission):
    """Signed-in staff with a role; what they see is then narrowed by the selectors."""

    message = "您没有查看事项的权限。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and user_roles(request.user))


class CanRegister(permissions.BasePermission):
    message = "只有窗口工作人员、调度人员可以登记事项。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may(request.user, MAY_REGISTER)


class CenterStaff(permissions.BasePermission):
    message = "只有中心工作人员可以查询当事人。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may(request.user, MAY_SEE_DISTRICT_MATTERS)


def _with_rows(case: Case) -> Case:
    """The matter with what its detail shows (parties, attachments, links, timeline)."""
    case.party_rows = selectors.case_parties(case=case)
    case.attachment_rows = selectors.case_attachments(case=case)
    case.link_rows = selectors.case_links(case=case)
    case.timeline_rows = list(selectors.case_timeline(case=case))
    return case


def _detail(request: Request, case: Case) -> dict[str, Any]:
    return s.CaseDetailSerializer(_with_rows(case), context={"request": request}).data


# The matters the signed-in staff may see, filtered, a page at a time (CappedCountPagination); POST
# registers one. (A comment, not a docstring: the schema would take a docstring as its description.)
class CaseListView(ListAPIView):
    permission_classes = [permissions.IsAuthenticated, HasRole]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = s.CaseListItemSerializer
    pagination_class = CappedCountPagination
    filter_backends: list = []

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.request.method == "POST":
            return [permissions.IsAuthenticated(), CanRegister()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Case.objects.none()
        self.query = validated(s.CaseListQuerySerializer, self.request.query_params)
        self.filters = selectors.CaseFilters(
            status=self.query.get("status", ""),
            channel=self.query.get("channel", ""),
            category=self.query.get("category"),
            town=self.query.get("town"),
            grid=self.query.get("grid"),
            date_from=self.query.get("date_from"),
            date_to=self.query.get("date_to"),
            overdue=self.query["overdue"],
            first_receiver=self.query.get("first_receiver"),
            q=self.query.get("q", "").strip(),
        )
        return selectors.case_list_queryset(actor=self.request.user, filters=self.filters)

    @extend_schema(
        summary="事项列表（筛选、分页）",
        operation_id="intake_cases_list",
        parameters=[s.CaseListQuerySerializer],
        responses={200: s.CasePageSerializer, **ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="登记事项（JSON，或 multipart 带附件）",
        request={"application/json": s.CaseRegisterSerializer, "multipart/form-data": s.CaseRegisterSerializer},
        responses={201: s.CaseDetailSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = validated(s.CaseRegisterSerializer, request.data)
        center = center_for_user(user=request.user)
        if center is None:
            raise ApplicationError(gettext("尚未配置中心。"), code="no_center")
        window = None
        if data["window"] is not None:
            window = ServiceWindow.objects.filter(pk=data["window"]).first()
            if window is None:
                raise ApplicationError(gettext("所选窗口不存在。"), code="not_found", field="window")
        case = case_register(actor=request.user, center=center,
                             matter=s.CaseRegisterSerializer.matter(data, window=window),
                             source=EventSource.API, now=timezone.now())
        # Answered from the rows just written (case_register keeps them on the matter): no read-back.
        return Response(s.CaseDetailSerializer(case, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated, HasRole]

    @extend_schema(
        summary="事项详情（按 id 或编号）",
        parameters=[OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     description="事项 id 或编号，如 QZTS-2025-000001")],
        responses={200: s.CaseDetailSerializer, **ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, key: str) -> Response:
        case = selectors.case_get_for_actor(actor=request.user, pk_or_code=key)
        return Response(_detail(request, case))


KEY_PARAMETER = OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH, description="事项 id 或编号")


def _case_key(request: Request, key: str) -> Case:
    return selectors.case_get_for_actor(actor=request.user, pk_or_code=key)


def _link(actor: Any, case: Case, data: dict[str, Any]) -> Any:
    try:
        other = selectors.case_get_for_actor(actor=actor, pk_or_code=data["other"])
    except NotFoundError:
        raise NotFoundError(gettext("要关联的事项不存在或您无权查看。"), field="other") from None
    return case_link(actor=actor, case=case, other=other, note=data["note"])


def _shown(request: Request, case: Case, result: Any) -> Case:
    return _with_rows(case)


IntakeAction = functools.partial(Action, fetch=_case_key, lookup="key", parameters=(KEY_PARAMETER,),
                                 errors=ERRORS, tags=tuple(TAGS))
CaseSettleView = action_view(IntakeAction(
    summary="当场办结（自办）",
    request={"application/json": s.SettleSerializer, "multipart/form-data": s.SettleSerializer},
    response=s.CaseDetailSerializer, answer=_shown,
    run=lambda actor, case, d: case_settle_on_spot(actor=actor, case=case, result=d["result"],
                                                   attachments=d["attachments"]),
    permission_classes=(permissions.IsAuthenticated, HasRole), parser_classes=(JSONParser, MultiPartParser, FormParser)))
CaseSendToDispatchView = action_view(IntakeAction(
    summary="转调度（窗口不能当场办结的事项）", request=s.SendToDispatchSerializer,
    response=s.CaseDetailSerializer, answer=_shown,
    run=lambda actor, case, d: case_send_to_dispatch(actor=actor, case=case, note=d["note"]),
    permission_classes=(permissions.IsAuthenticated, HasRole)))
CaseLinkView = action_view(IntakeAction(
    summary="关联此前事项（重复访等）", request=s.LinkSerializer, response=s.LinkOutSerializer, run=_link,
    answer=RESULT, created=True, permission_classes=(permissions.IsAuthenticated, CanRegister)))


class PartyLookupView(APIView):
    permission_classes = [permissions.IsAuthenticated, CenterStaff]

    @extend_schema(
        summary="按身份证号或电话查找当事人及此前事项（重复访）",
        parameters=[
            OpenApiParameter("id_number", OpenApiTypes.STR, description="公民身份号码"),
            OpenApiParameter("phone", OpenApiTypes.STR, description="联系电话"),
        ],
        responses={200: s.PartyLookupSerializer, **ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        id_number = (request.query_params.get("id_number") or "").strip()[:30]
        phone = (request.query_params.get("phone") or "").strip()[:30]
        if not id_number and not phone:
            raise ApplicationError(gettext("请提供身份证号或联系电话。"), code="required", field="id_number")
        earlier = selectors.cases_for_applicant(id_number=id_number, phone=phone, actor=request.user)
        # The person is shown only when they have a matter this user may see.
        party = selectors.party_find(id_number=id_number, phone=phone) if earlier else None
        if party is not None:
            party_lookup_record(actor=request.user, party=party, page=request.path)
        return Response(s.PartyLookupSerializer({"party": party, "earlier_cases": earlier}).data)


class PartyFullIdView(APIView):
    permission_classes = [permissions.IsAuthenticated, HasRole]

    @extend_schema(
        summary="查看完整身份证号（限授权角色，每次查看留痕）",
        parameters=[OpenApiParameter("party_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=s.FullIdRequestSerializer,
        responses={200: s.FullIdSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, party_id: int) -> Response:
        data = validated(s.FullIdRequestSerializer, request.data)
        case = selectors.case_get_for_actor(actor=request.user, pk_or_code=data["case"])
        link = CaseParty.objects.select_related("party").filter(case=case, party_id=party_id).first()
        if link is None:
            raise NotFoundError()
        number = party_full_id_view_service(actor=request.user, party=link.party, case=case,
                                            page=f"API {request.path}")
        return Response({"id_number": number})


class CategoryTreeView(APIView):
    permission_classes = [permissions.IsAuthenticated, HasRole]

    @extend_schema(summary="事项类别树（含拼音首字母）", responses={200: s.CategoryTreeSerializer(many=True), **ERRORS},
                   tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(s.CategoryTreeSerializer(selectors.categories_top_level(), many=True).data)
