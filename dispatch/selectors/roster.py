"""Who is on duty: computed from the roster rules plus the dated overrides, never stored per day.

One `_DutyResolver` loads everything a date range needs in a fixed number of queries (rosters,
their slots, overrides, duty teams, the working calendar) and then answers day by day in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q
from django.utils import timezone

from dispatch.choices import (
    CommandRole,
    DutyRole,
    GapReason,
    NonWorkingDayPolicy,
    RotationUnit,
    ShiftKind,
)
from dispatch.models import CommandAssignment, DutyRoster, DutyRosterSlot, DutyShift, DutyTeam
from governance.choices import CenterLevel
from governance.models import Center, Department
from governance.selectors import center_for_user
from governance.workcal import WorkingCalendar


@dataclass(frozen=True)
class DutyDay:
    """One day of the roster as it stands after overrides."""

    date: dt.date
    is_working_day: bool
    day_name: str
    roster: DutyRoster | None = None
    scheduled_department: Department | None = None
    department: Department | None = None
    director: AbstractBaseUser | None = None
    main_director: AbstractBaseUser | None = None
    deputy_director: AbstractBaseUser | None = None
    role: str | None = None
    shift: DutyShift | None = None
    off_day: bool = False
    gap: str | None = None

    @property
    def is_gap(self) -> bool:
        return self.gap is not None

    @property
    def gap_label(self) -> str:
        return str(GapReason(self.gap).label) if self.gap else ""

    @property
    def role_label(self) -> str:
        return str(DutyRole(self.role).label) if self.role else ""

    @property
    def is_overridden(self) -> bool:
        return self.shift is not None


@dataclass(frozen=True)
class CommandersOnDuty:
    commanders: list[AbstractBaseUser] = field(default_factory=list)
    deputies: list[AbstractBaseUser] = field(default_factory=list)


def _local_date(at: dt.datetime | dt.date) -> dt.date:
    if isinstance(at, dt.datetime):
        return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    return at


def _usable(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_active else None


class _DutyResolver:
    def __init__(self, *, center: Center, start: dt.date, end: dt.date) -> None:
        self.center = center
        slots = DutyRosterSlot.objects.select_related("department").order_by("position")
        self.rosters = list(
            DutyRoster.objects.filter(center=center, active=True, start_date__lte=end)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
            .prefetch_related(Prefetch("slots", queryset=slots))
            .order_by("-start_date", "-pk")
        )
        self.shifts = {
            shift.date: shift
            for shift in DutyShift.objects.filter(
                center=center, date__gte=start, date__lte=end, cancelled_at__isnull=True
            ).select_related("department", "person", "entered_by", "requested_by")
        }
        department_ids = {slot.department_id for roster in self.rosters for slot in roster.slots.all()}
        department_ids |= {shift.department_id for shift in self.shifts.values() if shift.department_id}
        self.teams = {
            team.department_id: team
            for team in DutyTeam.objects.filter(department_id__in=department_ids).select_related(
                "main_director", "deputy_director"
            )
        }
        self.calendar = WorkingCalendar(center=center)
        # Per roster: (date, working days in [start_date, date)) to count turns incrementally.
        self._working_counts: dict[int, tuple[dt.date, int]] = {}

    def roster_on(self, day: dt.date) -> DutyRoster | None:
        for roster in self.rosters:  # newest start first: a new roster supersedes the old one
            if roster.start_date <= day and (roster.end_date is None or roster.end_date >= day):
                return roster
        return None

    def _turn(self, roster: DutyRoster, day: dt.date) -> int:
        if roster.unit == RotationUnit.WEEK:
            return (day - roster.start_date).days // 7
        if roster.non_working_days == NonWorkingDayPolicy.COVER:
            return (day - roster.start_date).days
        last_day, count = self._working_counts.get(roster.pk, (roster.start_date, 0))
        if day < last_day:
            last_day, count = roster.start_date, 0
        while last_day < day:
            if self.calendar.is_working_day(last_day):
                count += 1
            last_day += dt.timedelta(days=1)
        self._working_counts[roster.pk] = (last_day, count)
        return count

    def resolve(self, day: dt.date) -> DutyDay:
        working = self.calendar.is_working_day(day)
        base = {"date": day, "is_working_day": working, "day_name": self.calendar.day_name(day)}
        roster = self.roster_on(day)
        shift = self.shifts.get(day)
        scheduled: Department | None = None
        gap: str | None = None
        if roster is None:
            gap = GapReason.NO_ROSTER
        else:
            base["roster"] = roster
            slots = list(roster.slots.all())
            if not slots:
                gap = GapReason.EMPTY_ROSTER
            elif roster.non_working_days == NonWorkingDayPolicy.SKIP and not working:
                if shift is None:
                    return DutyDay(**base, off_day=True)
            else:
                scheduled = slots[self._turn(roster, day) % len(slots)].department
        if shift is None:
            if scheduled is None:
                return DutyDay(**base, gap=gap)
            return self._with_team(base, scheduled, scheduled, role=DutyRole.MAIN)
        department = shift.department or scheduled
        if department is None and shift.person is None:
            return DutyDay(**base, shift=shift, gap=gap or GapReason.NO_ROSTER)
        role = {
            ShiftKind.MAIN_UNAVAILABLE: DutyRole.DEPUTY,
            ShiftKind.REPLACEMENT: DutyRole.OVERRIDE,
            ShiftKind.SWAP: DutyRole.SWAP,
        }[ShiftKind(shift.kind)]
        return self._with_team(base, scheduled, department, role=role, shift=shift)

    def _with_team(
        self,
        base: dict,
        scheduled: Department | None,
        department: Department | None,
        *,
        role: str,
        shift: DutyShift | None = None,
    ) -> DutyDay:
        team = self.teams.get(department.pk) if department is not None else None
        main = _usable(team.main_director) if team else None
        deputy = _usable(team.deputy_director) if team else None
        day = {
            **base,
            "scheduled_department": scheduled,
            "department": department,
            "main_director": main,
            "deputy_director": deputy,
            "role": role,
            "shift": shift,
        }
        if shift is not None and shift.person is not None:
            return DutyDay(**day, director=shift.person)
        if department is not None and not department.active:
            return DutyDay(**day, gap=GapReason.INACTIVE_DEPARTMENT)
        if role == DutyRole.DEPUTY:
            return DutyDay(**day, director=deputy, gap=None if deputy else GapReason.NO_DEPUTY)
        return DutyDay(**day, director=main, gap=None if main else GapReason.NO_MAIN_DIRECTOR)


def duty_days(*, center: Center, start: dt.date, end: dt.date) -> list[DutyDay]:
    """Every day from `start` to `end` (inclusive), in a fixed number of queries."""
    if end < start:
        return []
    resolver = _DutyResolver(center=center, start=start, end=end)
    days, day = [], start
    while day <= end:
        days.append(resolver.resolve(day))
        day += dt.timedelta(days=1)
    return days


def duty_day(*, center: Center, day: dt.date) -> DutyDay:
    return duty_days(center=center, start=day, end=day)[0]


def duty_director_on_duty(*, center: Center, at: dt.datetime | dt.date) -> DutyDay:
    """Who is the duty director at `at` (the local calendar day): the department's main director,
    the deputy when the main is marked unavailable, or the person of an override."""
    return duty_day(center=center, day=_local_date(at))


def duty_month(*, center: Center, year: int, month: int) -> list[DutyDay]:
    first = dt.date(year, month, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return duty_days(center=center, start=first, end=last)


def roster_gaps(*, center: Center, start: dt.date, days: int = 14) -> list[DutyDay]:
    """Days from `start` on (`days` of them) on which nobody is on duty, with the reason."""
    if days <= 0:
        return []
    return [
        day
        for day in duty_days(center=center, start=start, end=start + dt.timedelta(days=days - 1))
        if day.is_gap
    ]


def duty_shifts_upcoming(*, center: Center, start: dt.date, limit: int = 50) -> list[DutyShift]:
    return list(
        DutyShift.objects.filter(center=center, date__gte=start, cancelled_at__isnull=True)
        .select_related("department", "person", "entered_by", "requested_by")
        .order_by("date")[:limit]
    )


def commanders_on_duty(*, center: Center, at: dt.datetime | dt.date) -> CommandersOnDuty:
    """The commander(s) and deputy commanders whose period covers the local day of `at`."""
    day = _local_date(at)
    rows = (
        CommandAssignment.objects.filter(center=center, valid_from__lte=day, user__is_active=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("user")
        .order_by("role", "valid_from", "pk")
    )
    result = CommandersOnDuty()
    for row in rows:
        (result.commanders if row.role == CommandRole.COMMANDER else result.deputies).append(row.user)
    return result


def command_assignments_current(*, center: Center, on: dt.date) -> list[CommandAssignment]:
    return list(
        CommandAssignment.objects.filter(center=center)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("user")
        .order_by("role", "valid_from")
    )


def users_named(users: Iterable[AbstractBaseUser]) -> str:
    return "、".join(user.get_full_name() or user.get_username() for user in users)


def center_keeps_roster(*, user: AbstractBaseUser) -> bool:
    """Whether the user's center keeps a duty rotation (its 轮值排班 is the user's page): the district's
    command center does; a town sub-center or village station only when one was set up for it."""
    center = center_for_user(user=user)
    return center is not None and center_keeps_rotation(center=center)


def center_keeps_rotation(*, center: Center) -> bool:
    """The district's command center keeps a duty rotation; a town sub-center or a village station
    only once one is set up for it (otherwise the district's duty director is on duty for it)."""
    return center.level == CenterLevel.DISTRICT or DutyRoster.objects.filter(center=center).exists()
