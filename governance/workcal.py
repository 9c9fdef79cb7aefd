"""The working calendar: China's official calendar with adjusted working weekends (调休).

Answers, for a center: is this a working day; the N-th working day after a date; a deadline N
working days or hours on; working time between two instants. Sources, strongest first:

1. the center's own days (local days off, e.g. a typhoon closure), `CalendarDay` with a center;
2. national days entered by an administrator (`CalendarDay` without a center): a new year's
   State Council schedule can be entered the day it is published;
3. the `chinesecalendar` package for the years it covers;
4. for any other year, Monday to Friday — and `missing_years()` tells the admin to enter it.

Build one `WorkingCalendar` per request or task: it reads the override table once (cached across
requests until a calendar day changes, see `governance.cache`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone

from governance.cache import CALENDAR, cached_read
from governance.choices import CalendarDayKind
from governance.models import CalendarDay, CalendarYear

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

# Guard against an endless search when a calendar has (wrongly) no working day for years.
_MAX_SCAN_DAYS = 3 * 366


@lru_cache(maxsize=1)
def official_years() -> frozenset[int]:
    """The years the installed `chinesecalendar` package has the State Council schedule for."""
    years = {day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays}
    return frozenset(years)


@lru_cache(maxsize=8192)
def _official_workday(day: dt.date) -> bool:
    """The State Council schedule's answer for a day of a year it covers, remembered: the package checks
    each date against the min and max of its whole table on every call (20 µs; the deadline sweep asks
    70,000 times for 1,000 steps, 1.7 of its 2.4 s)."""
    return chinese_calendar.is_workday(day)


class WorkingCalendar:
    def __init__(
        self,
        *,
        center: object | None = None,
        periods: list[tuple[tuple[int, int], tuple[int, int]]] | None = None,
        tz: dt.tzinfo | None = None,
    ) -> None:
        self.tz = tz or timezone.get_current_timezone()
        self.periods = [(dt.time(*start), dt.time(*end)) for start, end in (periods or settings.WORKING_HOURS)]
        center_ids = _center_chain_ids(center)
        national: dict[dt.date, tuple[str, str]] = {}
        local: dict[dt.date, tuple[str, str]] = {}

        def load() -> list[tuple[dt.date, str, str, int | None]]:
            rows = CalendarDay.objects.filter(center__isnull=True) | CalendarDay.objects.filter(center_id__in=center_ids)
            return list(rows.values_list("date", "kind", "name", "center_id"))

        for date, kind, name, center_id in cached_read(CALENDAR, ",".join(map(str, center_ids)), load):
            (local if center_id else national)[date] = (kind, name)
        self._overrides = {**national, **local}
        self._national_years = {date.year for date in national}
        self._entered: set[int] | None = None  # read only when asked: deadlines never need it

    # --- days -----------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        override = self._overrides.get(day)
        if override is not None:
            return override[0] == CalendarDayKind.WORKDAY
        if day.year in official_years():
            return _official_workday(day)
        return day.weekday() < 5

    def day_name(self, day: dt.date) -> str:
        """The holiday or make-up day's name, or '' for an ordinary day."""
        override = self._overrides.get(day)
        if override is not None:
            return override[1]
        if day.year in official_years():
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name:
                zh = HOLIDAY_NAMES_ZH.get(name, name)
                return zh if on_holiday else f"{zh}调休上班"
        return ""

    def year_is_known(self, year: int) -> bool:
        return year in official_years() or year in self._entered_years()

    def _entered_years(self) -> set[int]:
        """Years whose national schedule an administrator entered (any national day, or marked
        complete in CalendarYear)."""
        if self._entered is None:
            self._entered = set(CalendarYear.objects.values_list("year", flat=True)) | self._national_years
        return self._entered

    def missing_years(self, years: Iterable[int]) -> list[int]:
        return [year for year in years if not self.year_is_known(year)]

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def add_working_days(self, day: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `day` (`day` itself never counts). 0 gives `day`."""
        if days < 0:
            raise ValueError("days must not be negative")
        current, counted, scanned = day, 0, 0
        while counted < days:
            current += dt.timedelta(days=1)
            scanned += 1
            if scanned > _MAX_SCAN_DAYS + days * 7:
                raise RuntimeError("工作日历中长期没有工作日，请检查节假日设置")
            if self.is_working_day(current):
                counted += 1
        return current

    def working_days_deadline(self, start: dt.datetime, days: int) -> dt.datetime:
        """Due at the end of the `days`-th working day counted from the day after `start`."""
        due_day = self.add_working_days(self._local(start).date(), days)
        return self._at(due_day, dt.time(23, 59, 59))

    def working_days_between(self, first: dt.date, last: dt.date) -> int:
        """Working days in (first, last]: how many working days later `last` is than `first`."""
        count, day = 0, first
        while day < last:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    # --- hours ----------------------------------------------------------------------------
    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The instant `hours` of working time after `start` (time outside working hours is skipped)."""
        if hours < 0:
            raise ValueError("hours must not be negative")
        remaining = dt.timedelta(hours=hours)
        local = self._local(start)
        day = local.date()
        for _ in range(_MAX_SCAN_DAYS + int(hours) + 2):
            if self.is_working_day(day):
                for period_start, period_end in self.periods:
                    begin = max(self._at(day, period_start), local)
                    end = self._at(day, period_end)
                    if begin >= end:
                        continue
                    available = end - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)
        raise RuntimeError("工作日历中长期没有工作日，请检查节假日设置")

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time from `start` to `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.working_time_between(end, start)
        first, last = self._local(start), self._local(end)
        total = dt.timedelta(0)
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                for period_start, period_end in self.periods:
                    begin = max(self._at(day, period_start), first)
                    finish = min(self._at(day, period_end), last)
                    if finish > begin:
                        total += finish - begin
            day += dt.timedelta(days=1)
        return total

    def office_opens_after(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself when it falls in the office day of a working day (from the first working
        period's start to the last one's end: the lunch break is not a night), else the start of the
        next office day."""
        local = self._local(moment)
        opens, closes = self.periods[0][0], self.periods[-1][1]
        day = local.date()
        if self.is_working_day(day):
            if self._at(day, opens) <= local < self._at(day, closes):
                return moment
            if local < self._at(day, opens):
                return self._at(day, opens)
        return self._at(self.next_working_day(day), opens)

    # --- helpers --------------------------------------------------------------------------
    def _local(self, moment: dt.datetime) -> dt.datetime:
        if timezone.is_naive(moment):
            raise ValueError("aware datetimes only")
        return moment.astimezone(self.tz)

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.tz)


def _center_chain_ids(center: object | None) -> list[int]:
    """The center and its ancestors: a district's local day off applies to its towns too."""
    ids: list[int] = []
    while center is not None and len(ids) < 5:
        ids.append(center.pk)
        center = center.parent
    return ids
