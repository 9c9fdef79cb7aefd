"""Input and output shapes of the dispatch API (no business rules here)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.choices import NORMAL_REPORT_IN_MINUTES, ResponseLevel, ShiftKind
from dispatch.models import ActingGrant, DutyShift, DutySign, Mode, Notification
from dispatch.services.common import SHIFT_REASON_MAX_CHARS, WARTIME_REASON_MAX_CHARS
from governance.models import Department
from governance.parsing import ApiDateField, ApiDateTimeField
from governance.text import FreeTextSerializerField


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    short_code = serializers.CharField()


class DutyShiftSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(allow_null=True)
    person = PersonSerializer(allow_null=True)
    entered_by = PersonSerializer(allow_null=True)
    requested_by = PersonSerializer(allow_null=True)

    class Meta:
        model = DutyShift
        fields = [
            "id",
            "date",
            "kind",
            "department",
            "person",
            "reason",
            "swap_date",
            "requested_by",
            "entered_by",
            "entered_at",
        ]


class DutyDaySerializer(serializers.Serializer):
    date = ApiDateField()
    is_working_day = serializers.BooleanField()
    day_name = serializers.CharField()
    department = DepartmentRefSerializer(allow_null=True)
    scheduled_department = DepartmentRefSerializer(allow_null=True)
    director = PersonSerializer(allow_null=True)
    main_director = PersonSerializer(allow_null=True)
    deputy_director = PersonSerializer(allow_null=True)
    role = serializers.CharField(allow_null=True)
    off_day = serializers.BooleanField()
    gap = serializers.CharField(allow_null=True)
    gap_label = serializers.CharField()
    shift = DutyShiftSerializer(allow_null=True)


class OnDutySerializer(serializers.Serializer):
    duty = DutyDaySerializer()
    commanders = PersonSerializer(many=True)
    deputy_commanders = PersonSerializer(many=True)


class RosterMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    days = DutyDaySerializer(many=True)
    gaps_ahead = DutyDaySerializer(many=True)


class ShiftCreateSerializer(serializers.Serializer):
    date = ApiDateField()
    kind = serializers.ChoiceField(
        choices=[ShiftKind.MAIN_UNAVAILABLE, ShiftKind.REPLACEMENT, ShiftKind.SWAP]
    )
    reason = FreeTextSerializerField(label=_("原因"), max_length=SHIFT_REASON_MAX_CHARS)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    person = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    swap_date = ApiDateField(required=False, allow_null=True, help_text="调换（swap）时的另一日期")
    on_behalf_of = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )


class ModeSerializer(serializers.ModelSerializer):
    switched_by = PersonSerializer(allow_null=True)
    level_label = serializers.CharField(source="get_level_display", allow_null=True)

    class Meta:
        model = Mode
        fields = [
            "seq",
            "kind",
            "level",
            "level_label",
            "reason",
            "switched_by",
            "switched_at",
            "summons_report_in_minutes",
            "assignment_limit_percent",
        ]


class DeclareWartimeSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=ResponseLevel.choices)
    reason = FreeTextSerializerField(label=_("原因"), max_length=WARTIME_REASON_MAX_CHARS)
    summons_report_in_minutes = serializers.IntegerField(
        min_value=1, max_value=NORMAL_REPORT_IN_MINUTES, required=False, allow_null=True
    )
    assignment_limit_percent = serializers.IntegerField(
        min_value=1, max_value=100, required=False, allow_null=True
    )


class EndWartimeSerializer(serializers.Serializer):
    reason = FreeTextSerializerField(label=_("原因"), max_length=WARTIME_REASON_MAX_CHARS)


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "payload", "created_at", "read_at", "is_read"]


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class ActingGrantSerializer(serializers.ModelSerializer):
    """The commander's grant to act as the duty director (`dispatch.models.ActingGrant`)."""

    user = PersonSerializer()
    granted_by = PersonSerializer()
    revoked_by = PersonSerializer(allow_null=True)

    class Meta:
        model = ActingGrant
        fields = ["id", "user", "starts_at", "ends_at", "reason", "granted_by", "granted_at", "revoked_at",
                  "revoked_by"]


class ActingGrantCreateSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(),
                                              help_text="本中心的轮值主任或调度员")
    starts_at = ApiDateTimeField()
    ends_at = ApiDateTimeField()
    reason = FreeTextSerializerField(label=_("授权原因"), max_length=SHIFT_REASON_MAX_CHARS)


class SignCodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12, help_text="指挥中心大屏上当前显示的 6 位签到码（每分钟更换）")


class SignConfirmSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="到岗或离岗的人员 id")
    direction = serializers.ChoiceField(choices=["in", "out"])


class DutySignSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    minutes_late = serializers.IntegerField(read_only=True)

    class Meta:
        model = DutySign
        fields = ["id", "date", "post", "department", "department_name", "person", "role", "starts_at",
                  "signed_in_at", "in_method", "in_confirmed_by", "signed_out_at", "out_method", "out_confirmed_by",
                  "minutes_late"]
