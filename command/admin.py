"""Admin of the command side: the radar's rules per center (editable), and read-only views of
signals, letters, consultations and daily reports (they change only through their services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from command.choices import SignalKind
from command.models import (
    AnalysisReport,
    Consultation,
    DailyReport,
    MeetingCadence,
    RadarRules,
    RiskSignal,
    UrgentReport,
    WarningLetter,
)
from command.selectors.work import key_person_signals_seen
from governance.admin import ReadOnlyAdmin
from governance.parsing import db_id
from grid.services.keypersons import keyperson_may_view


@admin.register(RadarRules)
class RadarRulesAdmin(admin.ModelAdmin):
    list_display = ("center", "surge_window_days", "surge_baseline_weeks", "surge_min_count", "surge_ratio",
                    "repeat_days", "repeat_min_matters")


@admin.register(RiskSignal)
class RiskSignalAdmin(ReadOnlyAdmin):
    """Key-person signals follow the ledger's rules here too: hidden without the ledger's
    permission, and opening one records the view."""

    list_display = ("title", "kind", "status", "count", "raised_at", "last_seen_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("key_person",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RiskSignal]:
        rows = super().get_queryset(request)
        return rows if keyperson_may_view(request.user) else rows.exclude(kind=SignalKind.KEY_PERSON)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        signal = self.get_queryset(request).select_related("key_person").filter(
            pk=db_id(object_id)).first() if db_id(object_id) else None
        if signal is not None:
            key_person_signals_seen(actor=request.user, signals=[signal], context="admin")
        return super().change_view(request, object_id, form_url, extra_context)


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


@admin.register(MeetingCadence)
class MeetingCadenceAdmin(admin.ModelAdmin):
    """Set up through `command.services.cadence` (议事会商 → 按制度设立例行会议); here the place, the time,
    the grace before "due and not yet held" and whether it runs may be changed."""

    list_display = ("title", "center", "kind", "frequency", "first_date", "time", "chair_rule", "active")
    list_filter = ("kind", "frequency", "active")
    fields = ("center", "kind", "title", "frequency", "first_date", "chair_rule", "invitee_rules", "time", "place",
              "missed_after", "active", "created_by", "created_at")
    readonly_fields = ("center", "kind", "title", "frequency", "first_date", "chair_rule", "invitee_rules",
                       "created_by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AnalysisReport)
class AnalysisReportAdmin(ReadOnlyAdmin):
    list_display = ("title", "center", "kind", "period_start", "period_end", "status", "issued_at")
    list_filter = ("kind", "status")


@admin.register(UrgentReport)
class UrgentReportAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "center", "status", "opened_at", "next_due_at", "closed_at")
    list_filter = ("status", "year")
