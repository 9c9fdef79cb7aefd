"""Admin of the command side: the radar's rules per center (editable), and read-only views of
signals, letters, consultations and daily reports (they change only through their services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from review.models import Consultation, DailyReport, RadarRules, RiskSignal, WarningLetter


@admin.register(RadarRules)
class RadarRulesAdmin(admin.ModelAdmin):
    list_display = ("center", "surge_window_days", "surge_baseline_weeks", "surge_min_count", "surge_ratio",
                    "repeat_days", "repeat_min_matters")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RiskSignal)
class RiskSignalAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "status", "count", "raised_at", "last_seen_at")
    list_filter = ("kind", "status")


@admin.register(WarningLetter)
class WarningLetterAdmin(ReadOnlyAdmin):
    list_display = ("reference", "kind", "department", "subject", "status", "issued_at", "answer_due_at",
                    "answered_late")
    list_filter = ("kind", "status", "year")


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "scheduled_at", "status")


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    list_display = ("date", "center", "status", "nothing_to_report", "issued_at")
