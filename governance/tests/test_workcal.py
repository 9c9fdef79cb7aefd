"""The working calendar on real official dates (国务院办公厅 schedules for 2025 and 2026)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from governance.choices import CalendarDayKind
from governance.models import CalendarDay, CalendarYear
from governance.tests.factories import CenterFactory
from governance.workcal import WorkingCalendar

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
PERIODS = [((8, 30), (12, 0)), ((14, 30), (17, 30))]


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar(periods=PERIODS)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2025, 9, 28), True),  # Sunday, make-up working day for National Day
        (dt.date(2025, 10, 1), False),
        (dt.date(2025, 10, 8), False),  # National Day + Mid-autumn, eight days off
        (dt.date(2025, 10, 9), True),
        (dt.date(2025, 10, 11), True),  # Saturday, make-up working day
        (dt.date(2025, 10, 12), False),
        (dt.date(2026, 2, 14), True),  # Saturday before Spring Festival, working
        (dt.date(2026, 2, 28), True),  # Saturday after Spring Festival, working
        (dt.date(2026, 2, 17), False),  # 春节
        (dt.date(2026, 11, 23), True),  # an ordinary Monday
        (dt.date(2026, 11, 22), False),  # an ordinary Sunday
    ],
)
def test_is_working_day_follows_official_calendar(cal, day, working):
    assert cal.is_working_day(day) is working


def test_day_names_are_chinese(cal):
    assert cal.day_name(dt.date(2025, 10, 1)) == "国庆节"
    assert cal.day_name(dt.date(2026, 2, 14)) == "春节调休上班"
    assert cal.day_name(dt.date(2026, 11, 23)) == ""


def test_seven_working_days_over_national_day(cal):
    """SCENARIOS story 4: registered 2025-09-30 16:50, due by the end of 2025-10-16."""
    due = cal.working_days_deadline(at(2025, 9, 30, 16, 50), 7)
    assert due == at(2025, 10, 16, 23, 59, 59)
    assert cal.add_working_days(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)


def test_add_working_days_zero_and_negative(cal):
    assert cal.add_working_days(dt.date(2025, 10, 3), 0) == dt.date(2025, 10, 3)
    with pytest.raises(ValueError):
        cal.add_working_days(dt.date(2025, 10, 3), -1)


def test_working_hours_skip_lunch_nights_and_holidays(cal):
    # 11:00 + 2h: one hour before lunch, one after (14:30 -> 15:30)
    assert cal.add_working_hours(at(2025, 9, 29, 11, 0), 2) == at(2025, 9, 29, 15, 30)
    # 17:00 on the last day before the holiday + 2h -> into the first day after it
    assert cal.add_working_hours(at(2025, 9, 30, 17, 0), 2) == at(2025, 10, 9, 10, 0)
    # starting on a holiday counts from the next working morning
    assert cal.add_working_hours(at(2025, 10, 3, 10, 0), 1.5) == at(2025, 10, 9, 10, 0)


def test_working_time_between(cal):
    assert cal.working_time_between(at(2025, 9, 30, 16, 30), at(2025, 10, 9, 9, 30)) == dt.timedelta(hours=2)
    assert cal.working_time_between(at(2025, 10, 9, 9, 30), at(2025, 9, 30, 16, 30)) == -dt.timedelta(hours=2)
    # a whole ordinary working day is 6.5 hours with the default periods
    assert cal.working_time_between(at(2026, 11, 23, 0, 0), at(2026, 11, 24, 0, 0)) == dt.timedelta(hours=6.5)


def test_year_without_official_data_uses_weekends_and_does_not_crash(cal):
    assert not cal.year_is_known(2027)
    assert cal.missing_years([2026, 2027]) == [2027]
    assert cal.is_working_day(dt.date(2027, 1, 4))  # Monday
    assert not cal.is_working_day(dt.date(2027, 1, 2))  # Saturday
    # Friday 2027-01-08 + 3 working days -> Wednesday 2027-01-13
    assert cal.add_working_days(dt.date(2027, 1, 8), 3) == dt.date(2027, 1, 13)
    assert cal.add_working_hours(at(2027, 1, 8, 17, 0), 1) == at(2027, 1, 11, 9, 0)


def test_entered_days_win_over_the_package_and_fill_a_missing_year():
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind=CalendarDayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=dt.date(2027, 1, 9), kind=CalendarDayKind.WORKDAY, name="调休上班")
    CalendarDay.objects.create(date=dt.date(2026, 11, 23), kind=CalendarDayKind.HOLIDAY, name="台风停工")
    cal = WorkingCalendar(periods=PERIODS)
    assert not cal.is_working_day(dt.date(2027, 1, 1))
    assert cal.is_working_day(dt.date(2027, 1, 9))
    assert not cal.is_working_day(dt.date(2026, 11, 23))
    assert cal.day_name(dt.date(2026, 11, 23)) == "台风停工"
    # entering any national day of a year counts as having started it; CalendarYear marks it complete
    assert cal.year_is_known(2027)
    CalendarYear.objects.create(year=2028, source="国办发明电〔2027〕1号")
    assert WorkingCalendar(periods=PERIODS).year_is_known(2028)


def test_local_day_off_applies_to_its_center_and_the_centers_below():
    district = CenterFactory(level="district")
    town = CenterFactory(level="town", parent=district, district=district)
    other = CenterFactory(level="district")
    CalendarDay.objects.create(date=dt.date(2026, 11, 24), kind=CalendarDayKind.HOLIDAY, name="台风停工",
                               center=district)
    assert not WorkingCalendar(center=district, periods=PERIODS).is_working_day(dt.date(2026, 11, 24))
    assert not WorkingCalendar(center=town, periods=PERIODS).is_working_day(dt.date(2026, 11, 24))
    assert WorkingCalendar(center=other, periods=PERIODS).is_working_day(dt.date(2026, 11, 24))
    assert WorkingCalendar(periods=PERIODS).is_working_day(dt.date(2026, 11, 24))


def test_naive_datetimes_are_refused(cal):
    with pytest.raises(ValueError):
        cal.add_working_hours(dt.datetime(2025, 10, 9, 9, 0), 1)


def test_calendar_reads_overrides_once(django_assert_num_queries):
    """Registration counts its queries: a deadline costs the one read of the override table;
    the table of entered years is read only when the missing-year warning asks."""
    with django_assert_num_queries(1):
        cal = WorkingCalendar(periods=PERIODS)
    with django_assert_num_queries(0):
        cal.working_days_deadline(at(2025, 9, 30, 16, 50), 15)
        cal.add_working_hours(at(2025, 9, 30, 16, 50), 20)
    with django_assert_num_queries(1):
        assert cal.missing_years([2027, 2028]) == [2027, 2028]
    with django_assert_num_queries(0):
        assert not cal.year_is_known(2029)
