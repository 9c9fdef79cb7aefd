"""Input serializers parse; output serializers describe. No business rules here."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.choices import ResolvedAnswer, Satisfaction
from dispatch.models import Assignment, ExtensionRequest, Summons, SummonsDepartment
from dispatch.services.common import (
    INSTRUCTIONS_MAX_CHARS,
    MOVE_REASON_MAX_CHARS,
    NOTE_MAX_CHARS,
    REASON_MAX_CHARS,
    TEXT_MAX_CHARS,
)
from governance.api import IdField
from governance.parsing import ApiDateTimeField
from governance.text import FreeTextSerializerField
from intake.choices import HandlingMode
from intake.models import Case


class AssignmentOut(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    case_code = serializers.CharField(source="case.code", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "case", "case_code", "department", "department_name", "mode", "role", "lead", "status",
                  "instructions", "part", "assigned_at", "ack_due_at", "due_at", "original_due_at",
                  "acknowledged_at", "acknowledged_late", "reported_at", "report", "reported_late", "overdue_at",
                  "redo_count", "extension_count", "operating_mode", "policy_snapshot", "supervising_leader",
                  "progress_every_working_days", "spent_working_minutes"]


class CaseOut(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "code", "title", "status", "handling_mode", "center", "due_at", "closed_at", "resolved"]


class ExtensionOut(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = ["id", "assignment", "reason", "requested_due_at", "status", "decided_by", "decided_at",
                  "decision_note", "old_due_at", "new_due_at"]


class SummonsDepartmentOut(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = SummonsDepartment
        fields = ["id", "department", "department_name", "acknowledged_at", "reported_in_at", "reported_in_person",
                  "minutes_late", "escalated_at"]


class SummonsOut(serializers.ModelSerializer):
    departments = SummonsDepartmentOut(many=True, read_only=True)
    remaining_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Summons
        fields = ["id", "center", "case", "reason", "status", "requested_by", "requested_at", "decided_by",
                  "decided_at", "report_in_minutes", "report_in_due_at", "remaining_seconds", "departments"]

    def get_remaining_seconds(self, obj: Summons) -> int | None:
        if obj.report_in_due_at is None:
            return None
        return int((obj.report_in_due_at - timezone.now()).total_seconds())


class DispatchIn(serializers.Serializer):
    mode = serializers.ChoiceField(choices=[m for m in HandlingMode.values if m != HandlingMode.SELF])
    lead_department = IdField(error_messages={"required": _("请选择承办（牵头）部门。"),
                                              "null": _("请选择承办（牵头）部门。")})
    co_departments = serializers.ListField(child=IdField(), required=False, default=list)
    instructions = FreeTextSerializerField(label=_("交办意见"), required=False, default="", max_length=INSTRUCTIONS_MAX_CHARS)
    parts = serializers.DictField(child=FreeTextSerializerField(label=_("分工说明"), allow_blank=True, max_length=INSTRUCTIONS_MAX_CHARS), required=False, default=dict,
                                  help_text="部门 id → 分工说明")
    supervising_leader = IdField(required=False, allow_null=True, default=None)
    progress_every_working_days = serializers.IntegerField(required=False, allow_null=True, default=None,
                                                           min_value=1)


class TextIn(serializers.Serializer):
    text = FreeTextSerializerField(label=_("内容"), max_length=TEXT_MAX_CHARS)


class ReportBackIn(serializers.Serializer):
    text = FreeTextSerializerField(label=_("内容"), max_length=TEXT_MAX_CHARS)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ReasonIn(serializers.Serializer):
    reason = FreeTextSerializerField(label=_("理由"), max_length=REASON_MAX_CHARS)


class NoteIn(serializers.Serializer):
    note = FreeTextSerializerField(label=_("说明"), required=False, default="", max_length=NOTE_MAX_CHARS)


class ExtensionIn(serializers.Serializer):
    reason = FreeTextSerializerField(label=_("理由"), max_length=REASON_MAX_CHARS)
    requested_due_at = ApiDateTimeField()


class RuleDeclineIn(serializers.Serializer):
    accept = serializers.BooleanField()
    department = IdField(required=False, allow_null=True, default=None)
    note = FreeTextSerializerField(label=_("说明"), required=False, default="", max_length=NOTE_MAX_CHARS)


class SuperviseIn(serializers.Serializer):
    leader = IdField()
    every_working_days = serializers.IntegerField(min_value=1)
    note = FreeTextSerializerField(label=_("说明"), required=False, default="", max_length=NOTE_MAX_CHARS)


class ReassignIn(serializers.Serializer):
    department = IdField()
    reason = FreeTextSerializerField(label=_("理由"), max_length=REASON_MAX_CHARS)


class DecideIn(serializers.Serializer):
    approve = serializers.BooleanField()
    note = FreeTextSerializerField(label=_("说明"), required=False, default="", max_length=NOTE_MAX_CHARS)
    new_due_at = ApiDateTimeField(required=False, allow_null=True, default=None)


class VerifyIn(serializers.Serializer):
    passed = serializers.BooleanField()
    notes = FreeTextSerializerField(label=_("核查说明"), required=False, default="", max_length=NOTE_MAX_CHARS)


class RevisitIn(serializers.Serializer):
    resolved = serializers.ChoiceField(choices=ResolvedAnswer.choices)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    notes = FreeTextSerializerField(label=_("回访记录"), required=False, default="", max_length=NOTE_MAX_CHARS)


class NotesIn(serializers.Serializer):
    notes = FreeTextSerializerField(label=_("解释内容"), max_length=NOTE_MAX_CHARS)


class MoveIn(serializers.Serializer):
    to_center = IdField()
    reason = FreeTextSerializerField(label=_("理由"), max_length=MOVE_REASON_MAX_CHARS)


class SummonsIn(serializers.Serializer):
    reason = FreeTextSerializerField(label=_("召集事由"), max_length=REASON_MAX_CHARS)
    departments = serializers.ListField(child=IdField(), min_length=1)
    case = IdField(required=False, allow_null=True, default=None)


class ReportInIn(serializers.Serializer):
    person = IdField(required=False, allow_null=True, default=None)
