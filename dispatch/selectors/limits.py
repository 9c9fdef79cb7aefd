"""The year's handling limits of a center (issue 22 items 4, 6 and 7): how long after dispatch a
department may return a matter as "not ours" on its own (退单时限), how many extensions an
assignment may have and how many working days they may add in all before the commander decides,
and how many failed revisit attempts, on different days, make a matter 无法联系.
The values live with the year's assessment scheme (review's 考核办法（年度）), read through the
hook `dispatch.hooks.handling_limits`; without a scheme the defaults below apply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from dispatch import hooks
from dispatch.choices import ExtensionStatus
from dispatch.models import Assignment, ExtensionRequest
from governance.models import Center
from governance.workcal import WorkingCalendar

DEFAULT_DECLINE_WINDOW_WORKING_HOURS = Decimal(2)
DEFAULT_EXTENSION_MAX_COUNT = 2
DEFAULT_EXTENSION_MAX_WORKING_DAYS = 10
# Failed revisit attempts, each on a different day, before a revisit may end as 无法联系.
DEFAULT_REVISIT_UNREACHABLE_ATTEMPTS = 3


@dataclass(frozen=True)
class HandlingLimits:
    decline_window_working_hours: Decimal = DEFAULT_DECLINE_WINDOW_WORKING_HOURS
    extension_max_count: int = DEFAULT_EXTENSION_MAX_COUNT
    extension_max_working_days: int = DEFAULT_EXTENSION_MAX_WORKING_DAYS
    revisit_unreachable_attempts: int = DEFAULT_REVISIT_UNREACHABLE_ATTEMPTS

    def as_data(self) -> dict[str, object]:
        """The limits as copied onto a timeline event (stable keys)."""
        return {"decline_window_working_hours": str(self.decline_window_working_hours),
                "extension_max_count": self.extension_max_count,
                "extension_max_working_days": self.extension_max_working_days}


def handling_limits(*, center: Center, at: dt.datetime) -> HandlingLimits:
    """The limits in force at `center` in the (local) year of `at`."""
    return hooks.handling_limits(center=center, year=timezone.localtime(at).year)


@dataclass(frozen=True)
class ExtensionUse:
    """An extension against the year's limits: how many the assignment has had and how many working
    days they added, what this one adds, and whether together they pass a limit (then the commander
    decides, not the duty director)."""

    limits: HandlingLimits
    granted_count: int
    granted_working_days: int
    working_days: int

    @property
    def beyond_count(self) -> bool:
        return self.granted_count + 1 > self.limits.extension_max_count

    @property
    def beyond_days(self) -> bool:
        return self.granted_working_days + self.working_days > self.limits.extension_max_working_days

    @property
    def beyond(self) -> bool:
        return self.beyond_count or self.beyond_days

    def as_data(self) -> dict[str, object]:
        return {"extensions_granted": self.granted_count, "extension_days_granted": self.granted_working_days,
                "extension_days": self.working_days, **self.limits.as_data()}

    def refusal(self) -> str:
        return gettext(
            "此次延期超出年度限制（每件交办最多延期 %(max_count)s 次、累计不超过 %(max_days)s 个工作日；本件已延期 "
            "%(count)s 次、%(days)s 个工作日，本次 %(this)s 个工作日），须由指挥长或副指挥长审批。"
        ) % {"max_count": self.limits.extension_max_count, "max_days": self.limits.extension_max_working_days,
             "count": self.granted_count, "days": self.granted_working_days, "this": self.working_days}


def extension_working_days(*, calendar: WorkingCalendar, old_due_at: dt.datetime, new_due_at: dt.datetime) -> int:
    """Working days an extension adds: the working days after the old deadline's day up to the new one's."""
    return calendar.working_days_between(timezone.localtime(old_due_at).date(), timezone.localtime(new_due_at).date())


def extension_use(*, assignment: Assignment, old_due_at: dt.datetime, new_due_at: dt.datetime,
                  at: dt.datetime) -> ExtensionUse:
    """This extension (old → new deadline) against the limits in force at `at`, counting the extensions
    the assignment was granted before."""
    calendar = WorkingCalendar(center=assignment.center)
    granted = list(ExtensionRequest.objects.filter(assignment=assignment, status=ExtensionStatus.APPROVED,
                                                   new_due_at__isnull=False)
                   .values_list("old_due_at", "new_due_at"))
    return ExtensionUse(
        limits=handling_limits(center=assignment.center, at=at), granted_count=len(granted),
        granted_working_days=sum(extension_working_days(calendar=calendar, old_due_at=old, new_due_at=new)
                                 for old, new in granted),
        working_days=extension_working_days(calendar=calendar, old_due_at=old_due_at, new_due_at=new_due_at))


def decline_window_ends_at(*, assignment: Assignment) -> dt.datetime:
    """The end of the year's 退单时限: that many working hours (on the center's working calendar)
    after the assignment was made."""
    limits = handling_limits(center=assignment.center, at=assignment.assigned_at)
    return WorkingCalendar(center=assignment.center).add_working_hours(
        assignment.assigned_at, float(limits.decline_window_working_hours))
