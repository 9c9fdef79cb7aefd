"""Admin (in Chinese) for rosters, duty teams, overrides, command periods, modes and notifications."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch import services
from dispatch.models import (
    Assignment,
    AuditAlarm,
    CommandAssignment,
    DeadlinePolicy,
    DutyRoster,
    DutyRosterSlot,
    DutyShift,
    DutyTeam,
    EpisodeEvent,
    Mode,
    Notification,
    RoutingRule,
    Summons,
    SummonsDepartment,
    SweepRun,
    WartimeEpisode,
    WartimePlan,
    WartimePlanLeader,
    WartimePlanStandby,
    WartimePlanTeam,
    WorkReminderLetter,
)
from governance.admin import ReadOnlyAdmin
from governance.counting import CappedPaginator, RecentValuesFilter


class DutyRosterSlotInline(admin.TabularInline):
    model = DutyRosterSlot
    extra = 0
    ordering = ("position",)
    autocomplete_fields = ("department",)


@admin.register(DutyRoster)
class DutyRosterAdmin(admin.ModelAdmin):
    list_display = ("name", "center", "start_date", "end_date", "unit", "non_working_days", "active")
    list_filter = ("center", "unit", "non_working_days", "active")
    inlines = (DutyRosterSlotInline,)


@admin.register(DutyTeam)
class DutyTeamAdmin(admin.ModelAdmin):
    list_display = ("department", "main_director", "deputy_director")
    list_select_related = ("department", "main_director", "deputy_director")
    autocomplete_fields = ("department", "main_director", "deputy_director")
    search_fields = ("department__name",)


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = (
        "date",
        "center",
        "kind",
        "department",
        "person",
        "reason",
        "entered_by",
        "entered_at",
        "cancelled_at",
    )
    list_filter = ("center", "kind")
    list_select_related = ("center", "department", "person", "entered_by")
    date_hierarchy = "date"
    autocomplete_fields = ("department", "person", "requested_by")
    readonly_fields = ("entered_by", "entered_at", "cancelled_at", "cancelled_by")

    def save_model(self, request: HttpRequest, obj: DutyShift, form: object, change: bool) -> None:
        if not change:
            obj.entered_by = request.user
            obj.entered_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(CommandAssignment)
class CommandAssignmentAdmin(admin.ModelAdmin):
    list_display = ("role", "user", "center", "valid_from", "valid_to", "note")
    list_filter = ("center", "role")
    list_select_related = ("user", "center")
    autocomplete_fields = ("user",)


@admin.register(Mode)
class ModeAdmin(ReadOnlyAdmin):
    """Read-only: switches happen on the mode page, through the service and its guards."""

    list_display = (
        "center",
        "seq",
        "kind",
        "level",
        "reason",
        "switched_by",
        "switched_at",
        "summons_report_in_minutes",
        "assignment_limit_percent",
    )
    list_filter = ("center", "kind", "level")
    list_select_related = ("center", "switched_by")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a list of millions: counted up to a cap
    paginator = CappedPaginator
    list_display = (
        "created_at",
        "recipient",
        "channel",
        "kind",
        "title",
        "status",
        "attempts",
        "not_before",
        "sent_at",
        "gateway",
        "receipt",
        "receipt_reason",
        "last_error",
        "read_at",
    )
    list_filter = ("channel", "status", "receipt", RecentValuesFilter.on("gateway", _("发送网关")),
                   RecentValuesFilter.on("kind", _("类型")))
    list_select_related = ("recipient",)
    search_fields = ("title", "dedupe_key", "recipient__username", "gateway_message_id")
    # Newest first by key, and no date hierarchy (a DISTINCT over every message): after a burst of
    # 120,000 messages the list sorted them all by time (450 ms) and drew the dates (230 ms).
    ordering = ("-pk",)
    # 50 rows of 14 columns: a page of 100 took 100 ms of CPU to draw (the admin's cells cost ~70 µs each).
    list_per_page = 50
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    @admin.action(description=_("重新投递所选的失败通知"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = services.notification_retry(notification_ids=ids, now=timezone.now())
        messages.info(request, _("已重新排队投递 %(n)s 条通知。") % {"n": count})


# --- dispatch work: configuration is editable; running work is read-only here (it changes only
# through the services, so that every change lands in the matter's timeline) ----------------------


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "grid", "department", "role", "priority", "active", "center")
    list_filter = ("center", "role", "active")
    search_fields = ("category__name", "grid__name", "department__name")
    autocomplete_fields = ("department",)
    raw_id_fields = ("category", "grid")
    list_select_related = ("category", "grid", "department", "center")


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "handling_mode", "complexity", "operating_mode", "ack_amount", "ack_unit",
                    "handle_amount", "handle_unit", "active")
    list_filter = ("center", "operating_mode", "handling_mode", "complexity", "active")
    search_fields = ("name",)
    raw_id_fields = ("category",)
    list_select_related = ("category",)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    show_full_result_count = False  # a list of millions: counted up to a cap
    paginator = CappedPaginator
    list_display = ("case", "department", "mode", "role", "status", "assigned_at", "ack_due_at", "due_at",
                    "acknowledged_late", "overdue_at", "redo_count")
    list_filter = ("status", "mode", "role", "department")
    search_fields = ("case__code", "case__title", "department__name")
    list_select_related = ("case", "department")
    # The newest first by the primary key (no sort of a million assignments); no date hierarchy: its
    # years and months are a DISTINCT over the whole table on every page.
    ordering = ("-pk",)


class SummonsDepartmentInline(admin.TabularInline):
    model = SummonsDepartment
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Summons)
class SummonsAdmin(ReadOnlyAdmin):
    list_display = ("pk", "case", "status", "report_in_due_at", "center")
    list_select_related = ("case", "center")
    list_filter = ("status", "center")
    search_fields = ("case__code", "reason")
    inlines = (SummonsDepartmentInline,)


@admin.register(WorkReminderLetter)
class WorkReminderLetterAdmin(ReadOnlyAdmin):
    list_display = ("department", "month", "overdue_count", "issued_at")
    list_filter = ("month",)


@admin.register(AuditAlarm)
class AuditAlarmAdmin(ReadOnlyAdmin):
    list_display = ("kind", "missed", "raised_at", "last_seen_at", "resolved_at", "message")
    list_filter = ("kind",)


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "finished_at", "fired", "skipped", "worst_lag")
    date_hierarchy = "started_at"


class WartimePlanLeaderInline(admin.TabularInline):
    model = WartimePlanLeader
    extra = 0
    autocomplete_fields = ["user"]


class WartimePlanStandbyInline(admin.TabularInline):
    model = WartimePlanStandby
    extra = 0
    autocomplete_fields = ["person"]


class WartimePlanTeamInline(admin.TabularInline):
    model = WartimePlanTeam
    extra = 0
    autocomplete_fields = ["leader"]


@admin.register(WartimePlan)
class WartimePlanAdmin(admin.ModelAdmin):
    """The plan per response level, set in advance: the leader rota, the standby roster, the teams, the
    grids whose micro-grids it activates (seed 000 六, 002 五(一))."""

    list_display = ["name", "center", "level", "leader_shift_hours", "consultation_within_minutes"]
    list_filter = ["center", "level"]
    filter_horizontal = ["grids"]
    inlines = [WartimePlanLeaderInline, WartimePlanStandbyInline, WartimePlanTeamInline]


@admin.register(WartimeEpisode)
class WartimeEpisodeAdmin(ReadOnlyAdmin):
    list_display = ["center", "level", "started_at", "ended_at"]
    list_filter = ["center", "level"]


@admin.register(EpisodeEvent)
class EpisodeEventAdmin(ReadOnlyAdmin):
    list_display = ["episode", "type", "summary", "occurred_at"]
    list_filter = ["type"]
