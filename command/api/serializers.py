"""Serializers of the 情况报告 API: reads (a report with its entries) and the two writes (首报,
续报/终报), whose validated data are the keyword arguments of the services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from command.models import UrgentReport, UrgentReportEntry
from command.services import urgent as svc
from governance.api import IdField
from governance.parsing import ApiDateTimeField
from governance.people import display_name
from governance.text import FreeTextSerializerField


class _PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return display_name(user)


class UrgentEntrySerializer(serializers.ModelSerializer):
    reported_by = _PersonSerializer(read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = UrgentReportEntry
        fields = ["sequence", "kind", "label", "what_happened", "casualties", "measures", "next_steps",
                  "reported_by", "reported_at", "due_at", "late"]


class UrgentReportSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    center = serializers.CharField(source="center.name", read_only=True)
    to_center = serializers.CharField(source="to_center.name", read_only=True)
    case = serializers.CharField(source="case.code", read_only=True, allow_null=True, default=None)
    opened_by = _PersonSerializer(read_only=True)
    entries = UrgentEntrySerializer(many=True, read_only=True)

    class Meta:
        model = UrgentReport
        fields = ["id", "reference", "center", "to_center", "case", "title", "occurred_at", "place",
                  "interval_minutes", "status", "opened_by", "opened_at", "next_due_at", "late_since",
                  "escalated_at", "closed_at", "entries"]


class _FactsSerializer(serializers.Serializer):
    what_happened = FreeTextSerializerField(label=_("事件情况"), max_length=svc.FACTS_MAX_CHARS)
    casualties = FreeTextSerializerField(label=_("伤亡及影响范围"), max_length=svc.FACTS_MAX_CHARS, required=False)
    measures = FreeTextSerializerField(label=_("已采取的措施"), max_length=svc.FACTS_MAX_CHARS, required=False)
    next_steps = FreeTextSerializerField(label=_("下一步工作"), max_length=svc.FACTS_MAX_CHARS, required=False)


class UrgentReportFileSerializer(_FactsSerializer):
    title = FreeTextSerializerField(label=_("事件名称"), max_length=svc.TITLE_MAX_CHARS)
    occurred_at = ApiDateTimeField()
    place = FreeTextSerializerField(label=_("发生地点"), max_length=svc.PLACE_MAX_CHARS)
    interval_minutes = serializers.IntegerField(min_value=svc.MIN_INTERVAL_MINUTES,
                                                max_value=svc.MAX_INTERVAL_MINUTES,
                                                default=svc.DEFAULT_INTERVAL_MINUTES)
    case = IdField(required=False, allow_null=True, help_text="事项编号（id），从事项报送时填写")



class UrgentFollowUpSerializer(_FactsSerializer):
    final = serializers.BooleanField(default=False, help_text="终报：事件已结束，不再续报")
