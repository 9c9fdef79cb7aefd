"""Input serializers parse; output serializers describe. No business rules here."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.choices import ExclusionReason, ResolvedAnswer, RevisitMethod, RevisitOutcome, Satisfaction
from dispatch.models import (
    Assignment,
    ExtensionRequest,
    RevisitAttempt,
    RevisitExclusion,
    Summons,
    SummonsDepartment,
)
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
                  "progress_every_working_days", "spent_working_minutes", "handler"]


class LeaderOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.get_username()


class CaseOut(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "code", "title", "status", "handling_mode", "center", "due_at", "closed_at", "resolved"]


class ExtensionOut(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = ["id", "assignment", "reason", "requested_due_at", "status", "decided_by", "decided_at",
                  "decision_note", "old_due_at", "new_due_at", "needs_commander"]


class SummonsDepartmentOut(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = SummonsDepartment
        fields = ["id", "department", "department_name", "acknowledged_at", "reported_in_at", "reported_in_person",
                  "reported_in_place", "remote_at", "remote_person", "minutes_late", "escalated_at"]


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


class AcknowledgeIn(NoteIn):
    handler = IdField(required=False, allow_null=True, default=None,
                      help_text="承办人（本部门联络员或承办人的用户 id）；不填为签收人本人")


class ExtensionIn(serializers.Serializer):
    reason = FreeTextSerializerField(label=_("理由"), max_length=REASON_MAX_CHARS)
    requested_due_at = ApiDateTimeField()


class RuleDeclineIn(serializers.Serializer):
    accept = serializers.BooleanField()
    department = IdField(required=False, allow_null=True, default=None)
    note = FreeTextSerializerField(label=_("说明"), required=False, default="", max_length=NOTE_MAX_CHARS)


class SuperviseIn(serializers.Serializer):
    leader = IdField(required=False, allow_null=True, default=None,
                     help_text="督办领导（`supervising-leaders/` 之一）；为空时只有领导本人可以督办（由其本人督办）")
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
    method = serializers.ChoiceField(choices=RevisitMethod.choices, required=False, default=RevisitMethod.PHONE)
    outcome = serializers.ChoiceField(choices=RevisitOutcome.choices, required=False, default=RevisitOutcome.ANSWERED)
    # required when answered (the service says which is missing); ignored for 无法联系 and 拒绝评价
    resolved = serializers.ChoiceField(choices=ResolvedAnswer.choices, required=False, default="", allow_blank=True)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, default="",
                                           allow_blank=True)
    unreasonable = serializers.BooleanField(required=False, default=False)
    notes = FreeTextSerializerField(label=_("回访记录"), required=False, default="", max_length=NOTE_MAX_CHARS)


class RevisitAttemptIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=RevisitMethod.choices)
    notes = FreeTextSerializerField(label=_("情况"), required=False, default="", max_length=NOTE_MAX_CHARS)


class RevisitAttemptOut(serializers.ModelSerializer):
    class Meta:
        model = RevisitAttempt
        fields = ["id", "case", "method", "notes", "attempted_by", "attempted_at"]


class ExclusionIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[ExclusionReason.DUPLICATE, ExclusionReason.UNREASONABLE])
    duplicate_of = serializers.CharField(required=False, default="", allow_blank=True, max_length=40,
                                         help_text=_("所重复的事项编号（或 id），认定重复件时必填。"))
    notes = FreeTextSerializerField(label=_("说明"), required=False, default="", max_length=NOTE_MAX_CHARS)


class ExclusionDecideIn(serializers.Serializer):
    confirm = serializers.BooleanField()
    note = FreeTextSerializerField(label=_("确认意见"), required=False, default="", max_length=NOTE_MAX_CHARS)


class ExclusionOut(serializers.ModelSerializer):
    duplicate_of_code = serializers.CharField(source="duplicate_of.code", read_only=True, default=None)

    class Meta:
        model = RevisitExclusion
        fields = ["id", "case", "reason", "duplicate_of", "duplicate_of_code", "notes", "status", "proposed_by",
                  "proposed_at", "decided_by", "decided_at", "decision_note"]


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
    code = serializers.CharField(required=False, allow_blank=True, default="", max_length=12,
                                 help_text="指挥中心大屏上的签到码：部门人员本人报到时填写；不填则记为远程报到（不计报到）。")
