"""The Django admin (in Chinese) for all of the center's configuration."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import (
    CalendarDay,
    CalendarYear,
    Center,
    Department,
    Grid,
    Heartbeat,
    Profile,
    ServiceWindow,
    Stationing,
)
from governance.workcal import WorkingCalendar


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "active")
    list_select_related = ("parent",)
    list_filter = ("level", "active")
    search_fields = ("name", "code")
    raw_id_fields = ("parent", "district", "territory")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "short_code", "residency", "supplies_duty_directors", "leader_in_charge", "liaison",
                    "active")
    list_filter = ("center", "residency", "supplies_duty_directors", "is_territory", "active")
    search_fields = ("name", "short_code")
    list_select_related = ("leader_in_charge", "liaison")
    autocomplete_fields = ("leader_in_charge", "liaison")


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name_plural = _("人员资料")
    fk_name = "user"


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = (ProfileInline,)
    list_display = ("username", "last_name", "first_name", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff")


@admin.register(ServiceWindow)
class ServiceWindowAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "kind", "department", "center", "active")
    list_select_related = ("department", "center")
    list_filter = ("center", "kind", "active")
    filter_horizontal = ("staff",)


@admin.register(Stationing)
class StationingAdmin(admin.ModelAdmin):
    list_display = ("department", "weekday", "valid_from", "valid_to", "center")
    list_filter = ("center", "weekday")


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "active")
    list_filter = ("level", "active")
    search_fields = ("code", "name")
    raw_id_fields = ("parent", "town")


class MissingYearWarningMixin:
    """Warn on the calendar pages when this year or the next has no official schedule."""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        this_year = timezone.localdate().year
        for year in WorkingCalendar().missing_years([this_year, this_year + 1]):
            messages.warning(
                request,
                _("%(year)d 年的国家节假日安排尚未录入：目前按周一至周五计算工作日。请在国务院办公厅公布后录入放假和调休日期，"
                  "并在“已录入的年度安排”中登记该年份。") % {"year": year},
            )
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(MissingYearWarningMixin, admin.ModelAdmin):
    list_display = ("date", "kind", "name", "center")
    list_select_related = ("center",)
    list_filter = ("kind", "center")
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(CalendarYear)
class CalendarYearAdmin(MissingYearWarningMixin, admin.ModelAdmin):
    list_display = ("year", "source", "entered_at")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the system (timeline, audit, signals): read in the admin, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("component", "last_seen")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
