"""领导通 over the API: the same services, the same one text field as the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from command.models import Follow, Instruction, InstructionDepartment
from command.services.leaders import (
    ANSWER_MAX_CHARS,
    DEFAULT_ANSWER_WORKING_DAYS,
    INSTRUCTION_MAX_CHARS,
    MAX_ANSWER_WORKING_DAYS,
)
from dispatch.models import Assignment
from dispatch.services.common import MAX_PROGRESS_EVERY_WORKING_DAYS, NOTE_MAX_CHARS
from governance.text import FreeTextSerializerField


class FollowOut(serializers.ModelSerializer):
    code = serializers.CharField(source="case.code", read_only=True)
    title = serializers.CharField(source="case.title", read_only=True)
    status = serializers.CharField(source="case.status", read_only=True)

    class Meta:
        model = Follow
        fields = ["case", "code", "title", "status", "created_at"]


class FollowingOut(serializers.Serializer):
    case = serializers.IntegerField()
    following = serializers.BooleanField()


class InstructIn(serializers.Serializer):
    text = FreeTextSerializerField(label=_("批示内容"), max_length=INSTRUCTION_MAX_CHARS)
    answer_limit_working_days = serializers.IntegerField(min_value=1, max_value=MAX_ANSWER_WORKING_DAYS,
                                                         default=DEFAULT_ANSWER_WORKING_DAYS)


class AnswerIn(serializers.Serializer):
    answer = FreeTextSerializerField(label=_("答复内容"), max_length=ANSWER_MAX_CHARS)


class InstructionDepartmentOut(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = InstructionDepartment
        fields = ["department", "department_name", "answered_at", "answered_by", "answer", "answered_late",
                  "overdue_at"]


class InstructionOut(serializers.ModelSerializer):
    departments = InstructionDepartmentOut(many=True, read_only=True)
    leader_name = serializers.SerializerMethodField()

    class Meta:
        model = Instruction
        fields = ["id", "case", "letter", "leader", "leader_name", "text", "issued_at", "answer_limit_working_days",
                  "answer_due_at", "departments"]

    def get_leader_name(self, obj: Instruction) -> str:
        return obj.leader.get_full_name() or obj.leader.get_username()


class LeaderSuperviseIn(serializers.Serializer):
    every_working_days = serializers.IntegerField(min_value=1, max_value=MAX_PROGRESS_EVERY_WORKING_DAYS, default=2)
    note = FreeTextSerializerField(label=_("督办意见"), required=False, default="", max_length=NOTE_MAX_CHARS)


class SupervisedOut(serializers.ModelSerializer):
    """The assignment the leader now supervises."""

    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "case", "department", "department_name", "status", "supervising_leader",
                  "progress_every_working_days", "due_at"]
