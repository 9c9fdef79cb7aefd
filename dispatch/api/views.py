"""REST endpoints of the dispatch app: parse, authorise, call one service or selector, answer."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors, services
from dispatch.api import serializers as s
from dispatch.choices import ShiftKind
from dispatch.context_processors import on_duty_summary
from dispatch.models import Mode, Notification
from dispatch.selectors.duty import acting_grant_get, acting_grants_recent
from dispatch.services.attendance import duty_sign_confirm, duty_sign_in, duty_sign_out
from governance import selectors as org_selectors
from governance.api import RESULT, Action, action_view, query_flag, validated
from governance.errors import ApplicationError, NotFoundError
from governance.models import Center
from governance.parsing import year_month
from governance.roles import MAY_SIGN_IN_AT_CENTER, MAY_SWITCH_MODE, MAY_VIEW_MODE, MAY_VIEW_ROSTER, may

GAP_LOOKAHEAD_DAYS = 14


class RosterViewer(permissions.BasePermission):
    message = "您没有查看轮值排班的权限。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may(request.user, MAY_VIEW_ROSTER)


class ModeViewer(permissions.BasePermission):
    message = "您没有查看平战状态的权限。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may(request.user, MAY_VIEW_MODE)


class ModeSwitcher(permissions.BasePermission):
    message = "只有指挥长、副指挥长可以进行平战转换。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may(request.user, MAY_SWITCH_MODE)


def _center(request: Request) -> Center:
    center = org_selectors.center_for_user(user=request.user)
    if center is None:
        raise NotFoundError(gettext("未配置中心。"))
    return center


class OnDutyView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="当前值班（轮值主任、指挥长）", responses=s.OnDutySerializer, tags=["轮值"])
    def get(self, request: Request) -> Response:
        summary = on_duty_summary(center=_center(request), at=timezone.now())
        return Response(s.OnDutySerializer(summary).data)


class RosterMonthView(APIView):
    permission_classes = [permissions.IsAuthenticated, RosterViewer]

    @extend_schema(
        summary="月度轮值表",
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM，默认本月")],
        responses=s.RosterMonthSerializer,
        tags=["轮值"],
    )
    def get(self, request: Request) -> Response:
        center = _center(request)
        today = timezone.localdate()
        raw = request.query_params.get("month") or f"{today:%Y-%m}"
        parsed = year_month(raw)
        if parsed is None:
            raise ApplicationError(gettext("月份格式应为 YYYY-MM。"), code="invalid_month", field="month")
        year, month = parsed
        data = {
            "month": f"{year:04d}-{month:02d}",
            "days": selectors.duty_month(center=center, year=year, month=month),
            "gaps_ahead": selectors.roster_gaps(center=center, start=today, days=GAP_LOOKAHEAD_DAYS),
        }
        return Response(s.RosterMonthSerializer(data).data)


class ShiftCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated, RosterViewer]

    @extend_schema(
        summary="登记调班（副班代班、替班、两日调换）",
        request=s.ShiftCreateSerializer,
        responses={201: s.DutyShiftSerializer(many=True)},
        tags=["轮值"],
    )
    def post(self, request: Request) -> Response:
        center = _center(request)
        data = validated(s.ShiftCreateSerializer, request.data)
        now = timezone.now()
        if data["kind"] == ShiftKind.SWAP:
            if not data.get("swap_date"):
                raise ApplicationError(gettext("调换须填写另一日期。"), code="swap_date_required", field="swap_date")
            shifts = list(
                services.duty_swap(
                    actor=request.user,
                    center=center,
                    first=data["date"],
                    second=data["swap_date"],
                    reason=data["reason"],
                    on_behalf_of=data.get("on_behalf_of"),
                    now=now,
                )
            )
        else:
            shifts = [
                services.duty_shift_create(
                    actor=request.user,
                    center=center,
                    date=data["date"],
                    kind=data["kind"],
                    reason=data["reason"],
                    department=data.get("department"),
                    person=data.get("person"),
                    on_behalf_of=data.get("on_behalf_of"),
                    now=now,
                )
            ]
        return Response(s.DutyShiftSerializer(shifts, many=True).data, status=status.HTTP_201_CREATED)


class ActingGrantListView(APIView):
    """The commander's grants to act as the duty director at the user's center: GET lists those
    running, to come and ended in the last week (as the board); POST grants one (the commander or a
    deputy commander: `acting_grant_create`)."""

    permission_classes = [permissions.IsAuthenticated, RosterViewer]

    @extend_schema(summary="代行轮值主任授权（进行中、未开始及近一周结束的）",
                   responses=s.ActingGrantSerializer(many=True), tags=["轮值"])
    def get(self, request: Request) -> Response:
        grants = acting_grants_recent(center=_center(request), at=timezone.now())
        return Response(s.ActingGrantSerializer(grants, many=True).data)

    @extend_schema(summary="授权代行轮值主任职责（指挥长、副指挥长）", request=s.ActingGrantCreateSerializer,
                   responses={201: s.ActingGrantSerializer}, tags=["轮值"])
    def post(self, request: Request) -> Response:
        data = validated(s.ActingGrantCreateSerializer, request.data)
        grant = services.acting_grant_create(actor=request.user, center=_center(request), **data)
        return Response(s.ActingGrantSerializer(grant).data, status=status.HTTP_201_CREATED)


ActingGrantRevokeView = action_view(Action(
    "收回代行授权（指挥长、副指挥长）", lambda request, pk: acting_grant_get(center=_center(request), pk=pk), None,
    s.ActingGrantSerializer, lambda actor, grant, d: services.acting_grant_revoke(actor=actor, grant=grant),
    answer=RESULT, tags=("轮值",), permission_classes=(permissions.IsAuthenticated, RosterViewer)))


class ModeCurrentView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="当前平战状态", responses=s.ModeSerializer, tags=["平战转换"])
    def get(self, request: Request) -> Response:
        return Response(s.ModeSerializer(selectors.mode_current(center=_center(request))).data)


class ModeHistoryView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, ModeViewer]
    serializer_class = s.ModeSerializer

    @extend_schema(summary="平战转换记录", tags=["平战转换"])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Mode]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Mode.objects.none()
        return selectors.mode_history(center=_center(self.request))


class ModeDeclareView(APIView):
    permission_classes = [permissions.IsAuthenticated, ModeSwitcher]

    @extend_schema(
        summary="启动战时状态",
        request=s.DeclareWartimeSerializer,
        responses={201: s.ModeSerializer},
        tags=["平战转换"],
    )
    def post(self, request: Request) -> Response:
        data = validated(s.DeclareWartimeSerializer, request.data)
        mode = services.mode_declare_wartime(
            actor=request.user,
            center=_center(request),
            level=data["level"],
            reason=data["reason"],
            summons_report_in_minutes=data.get("summons_report_in_minutes"),
            assignment_limit_percent=data.get("assignment_limit_percent"),
            now=timezone.now(),
        )
        return Response(s.ModeSerializer(mode).data, status=status.HTTP_201_CREATED)


class ModeEndView(APIView):
    permission_classes = [permissions.IsAuthenticated, ModeSwitcher]

    @extend_schema(
        summary="结束战时状态",
        request=s.EndWartimeSerializer,
        responses={201: s.ModeSerializer},
        tags=["平战转换"],
    )
    def post(self, request: Request) -> Response:
        data = validated(s.EndWartimeSerializer, request.data)
        mode = services.mode_end_wartime(
            actor=request.user,
            center=_center(request),
            reason=data["reason"],
            now=timezone.now(),
        )
        return Response(s.ModeSerializer(mode).data, status=status.HTTP_201_CREATED)


class NotificationListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.NotificationSerializer
    filter_backends: list = []

    @extend_schema(
        summary="我的站内通知",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="只看未读")],
        tags=["通知"],
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        unread = query_flag(self.request, "unread")
        return selectors.notifications_for_user(user=self.request.user, unread_only=unread)


NotificationReadView = action_view(Action(
    "标为已读", lambda request, notification_id: notification_id, None, s.NotificationSerializer,
    lambda actor, notification_id, d: services.notification_mark_read(actor=actor, notification_id=notification_id,
                                                                       now=timezone.now()),
    answer=RESULT, tags=("通知",), lookup="notification_id", permission_classes=(permissions.IsAuthenticated,)))


class NotificationReadAllView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="全部标为已读", request=None, responses=s.MarkedReadSerializer, tags=["通知"])
    def post(self, request: Request) -> Response:
        marked = services.notification_mark_all_read(actor=request.user, now=timezone.now())
        return Response({"marked": marked})


class AttendanceUser(permissions.BasePermission):
    message = "只有值班人员、轮驻部门人员和指挥中心人员使用值班签到。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may(request.user, MAY_SIGN_IN_AT_CENTER)


class AttendanceSignInView(APIView):
    permission_classes = [permissions.IsAuthenticated, AttendanceUser]

    @extend_schema(summary="值班签到（输入大屏签到码）", request=s.SignCodeSerializer,
                   responses=s.DutySignSerializer(many=True), tags=["轮值"])
    def post(self, request: Request) -> Response:
        data = validated(s.SignCodeSerializer, request.data)
        signs = duty_sign_in(actor=request.user, center=_center(request), code=data["code"])
        return Response(s.DutySignSerializer(signs, many=True).data)


class AttendanceSignOutView(APIView):
    permission_classes = [permissions.IsAuthenticated, AttendanceUser]

    @extend_schema(summary="值班签退（输入大屏签到码）", request=s.SignCodeSerializer,
                   responses=s.DutySignSerializer(many=True), tags=["轮值"])
    def post(self, request: Request) -> Response:
        data = validated(s.SignCodeSerializer, request.data)
        signs = duty_sign_out(actor=request.user, center=_center(request), code=data["code"])
        return Response(s.DutySignSerializer(signs, many=True).data)


class AttendanceConfirmView(APIView):
    permission_classes = [permissions.IsAuthenticated, AttendanceUser]

    @extend_schema(summary="调度员确认人员到岗或离岗", request=s.SignConfirmSerializer,
                   responses=s.DutySignSerializer(many=True), tags=["轮值"])
    def post(self, request: Request) -> Response:
        data = validated(s.SignConfirmSerializer, request.data)
        person = get_user_model().objects.filter(pk=data["person"], is_active=True).first()
        if person is None:
            raise ApplicationError(gettext("人员不存在。"), code="invalid_user", field="person")
        signs = duty_sign_confirm(actor=request.user, center=_center(request), person=person,
                                  direction=data["direction"])
        return Response(s.DutySignSerializer(signs, many=True).data)
