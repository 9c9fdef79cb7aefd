"""Who is on duty: rotation rules across weeks and holidays, overrides, deputies, gaps, commanders."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch import selectors
from dispatch.choices import CommandRole, DutyRole, GapReason, ShiftKind
from dispatch.models import DutyShift
from dispatch.tests.conftest import at
from dispatch.tests.factories import CommandAssignmentFactory, DutyRosterFactory, DutyTeamFactory
from governance.tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

D = dt.date


def names(days):
    return {day.date: (day.department.name if day.department else None) for day in days}


def test_daily_rotation_covering_every_day_cycles_across_weeks(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(center=rotation.center, departments=[a, b, c], start_date=D(2025, 9, 22))
    days = selectors.duty_days(center=rotation.center, start=D(2025, 9, 22), end=D(2025, 10, 2))
    expected = [a, b, c] * 4
    assert [day.department for day in days] == expected[: len(days)]
    # A holiday is covered like any day, by the main director of the day's department.
    national_day = selectors.duty_director_on_duty(center=rotation.center, at=at(2025, 10, 1))
    assert national_day.department == a  # 9 days after the start: 9 % 3 == 0
    assert national_day.director == rotation.teams[0].main_director
    assert national_day.role == DutyRole.MAIN
    assert national_day.is_working_day is False


def test_daily_rotation_skipping_non_working_days_follows_the_official_calendar(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(
        center=rotation.center, departments=[a, b, c], start_date=D(2025, 9, 22), skip_holidays=True
    )
    days = {
        d.date: d
        for d in selectors.duty_days(center=rotation.center, start=D(2025, 9, 22), end=D(2025, 10, 13))
    }
    by_name = {day: (d.department.name if d.department else None) for day, d in days.items()}
    assert by_name[D(2025, 9, 26)] == b.name  # Mon A, Tue B, Wed C, Thu A, Fri B
    assert days[D(2025, 9, 27)].off_day and by_name[D(2025, 9, 27)] is None  # Saturday off
    assert by_name[D(2025, 9, 28)] == c.name  # Sunday 9-28 is an adjusted working day
    assert by_name[D(2025, 9, 29)] == a.name
    assert by_name[D(2025, 9, 30)] == b.name
    for holiday in range(1, 9):  # 2025-10-01..08 National Day and Mid-autumn
        assert days[D(2025, 10, holiday)].off_day, holiday
        assert not days[D(2025, 10, holiday)].is_gap
    assert by_name[D(2025, 10, 9)] == c.name  # the rotation resumes where it stopped
    assert by_name[D(2025, 10, 10)] == a.name
    assert by_name[D(2025, 10, 11)] == b.name  # Saturday 10-11 is an adjusted working day
    assert days[D(2025, 10, 12)].off_day
    assert by_name[D(2025, 10, 13)] == c.name
    assert days[D(2025, 10, 1)].day_name == "国庆节"


def test_weekly_rotation_changes_department_every_seven_days(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(center=rotation.center, departments=[a, b, c], start_date=D(2025, 9, 22), weekly=True)
    by_name = names(selectors.duty_days(center=rotation.center, start=D(2025, 9, 22), end=D(2025, 10, 20)))
    assert {by_name[D(2025, 9, day)] for day in range(22, 29)} == {a.name}
    assert {by_name[D(2025, 9, 29)], by_name[D(2025, 10, 5)]} == {b.name}
    assert by_name[D(2025, 10, 6)] == c.name
    assert by_name[D(2025, 10, 12)] == c.name
    assert by_name[D(2025, 10, 13)] == a.name
    assert by_name[D(2025, 10, 20)] == b.name


def test_weekly_rotation_skipping_holidays_leaves_holidays_off_but_keeps_working_weekends(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(
        center=rotation.center,
        departments=[a, b, c],
        start_date=D(2025, 9, 22),
        weekly=True,
        skip_holidays=True,
    )
    days = {
        d.date: d
        for d in selectors.duty_days(center=rotation.center, start=D(2025, 9, 27), end=D(2025, 10, 12))
    }
    assert days[D(2025, 9, 27)].off_day
    assert days[D(2025, 9, 28)].department == a  # working Sunday belongs to that week's department
    assert days[D(2025, 10, 3)].off_day
    assert days[D(2025, 10, 11)].department == c


def test_newer_roster_supersedes_the_older_from_its_start_date(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(center=rotation.center, departments=[a, b, c], start_date=D(2025, 9, 1))
    DutyRosterFactory(center=rotation.center, departments=[c, b], start_date=D(2025, 10, 1))
    assert selectors.duty_day(center=rotation.center, day=D(2025, 9, 30)).department == c  # 29 % 3 == 2
    assert selectors.duty_day(center=rotation.center, day=D(2025, 10, 1)).department == c
    assert selectors.duty_day(center=rotation.center, day=D(2025, 10, 2)).department == b


def test_deputy_covers_when_the_main_director_is_marked_unavailable(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(center=rotation.center, departments=[a, b, c], start_date=D(2025, 9, 22))
    DutyShift.objects.create(
        center=rotation.center,
        date=D(2025, 9, 23),
        kind=ShiftKind.MAIN_UNAVAILABLE,
        department=b,
        reason="出差",
        entered_at=at(2025, 9, 20),
    )
    day = selectors.duty_director_on_duty(center=rotation.center, at=at(2025, 9, 23, 15))
    assert day.department == b
    assert day.director == rotation.teams[1].deputy_director
    assert day.role == DutyRole.DEPUTY
    assert day.is_overridden
    # The day after is back to the rule.
    assert (
        selectors.duty_day(center=rotation.center, day=D(2025, 9, 24)).director
        == rotation.teams[2].main_director
    )


def test_override_with_a_person_and_a_department_wins_over_the_rule(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(center=rotation.center, departments=[a, b], start_date=D(2025, 9, 22))
    stand_in = UserFactory()
    DutyShift.objects.create(
        center=rotation.center,
        date=D(2025, 9, 22),
        kind=ShiftKind.REPLACEMENT,
        department=c,
        person=stand_in,
        reason="临时替班",
        entered_at=at(2025, 9, 20),
    )
    day = selectors.duty_day(center=rotation.center, day=D(2025, 9, 22))
    assert (day.scheduled_department, day.department, day.director, day.role) == (
        a,
        c,
        stand_in,
        DutyRole.OVERRIDE,
    )


def test_cancelled_override_no_longer_applies(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(center=rotation.center, departments=[a, b], start_date=D(2025, 9, 22))
    DutyShift.objects.create(
        center=rotation.center,
        date=D(2025, 9, 22),
        kind=ShiftKind.REPLACEMENT,
        department=c,
        reason="替班",
        entered_at=at(2025, 9, 20),
        cancelled_at=at(2025, 9, 21),
    )
    assert selectors.duty_day(center=rotation.center, day=D(2025, 9, 22)).department == a


def test_gaps_are_flagged_with_their_reason(center):
    ok, without_main, inactive = (DepartmentFactory(duty_supplier=True, center=center) for _ in range(3))
    no_deputy = DepartmentFactory(duty_supplier=True, center=center)
    DutyTeamFactory(department=ok)
    DutyTeamFactory(department=without_main, without_main=True)
    DutyTeamFactory(department=inactive)
    DutyTeamFactory(department=no_deputy, without_deputy=True)
    inactive.active = False
    inactive.save()
    DutyRosterFactory(
        center=center, departments=[ok, without_main, inactive, no_deputy], start_date=D(2025, 10, 1)
    )
    DutyShift.objects.create(
        center=center,
        date=D(2025, 10, 4),
        kind=ShiftKind.MAIN_UNAVAILABLE,
        department=no_deputy,
        reason="病假",
        entered_at=at(2025, 9, 20),
    )
    gaps = selectors.roster_gaps(center=center, start=D(2025, 9, 29), days=14)
    by_date = {day.date: day.gap for day in gaps}
    assert by_date == {
        D(2025, 9, 29): GapReason.NO_ROSTER,
        D(2025, 9, 30): GapReason.NO_ROSTER,
        D(2025, 10, 2): GapReason.NO_MAIN_DIRECTOR,
        D(2025, 10, 3): GapReason.INACTIVE_DEPARTMENT,
        D(2025, 10, 4): GapReason.NO_DEPUTY,
        D(2025, 10, 6): GapReason.NO_MAIN_DIRECTOR,
        D(2025, 10, 7): GapReason.INACTIVE_DEPARTMENT,
        D(2025, 10, 10): GapReason.NO_MAIN_DIRECTOR,
        D(2025, 10, 11): GapReason.INACTIVE_DEPARTMENT,
    }
    assert all(day.director is None for day in gaps)
    assert selectors.duty_day(center=center, day=D(2025, 10, 8)).director is not None  # no_deputy's main


def test_inactive_main_director_is_a_gap(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(center=rotation.center, departments=[a], start_date=D(2025, 9, 22))
    main = rotation.teams[0].main_director
    main.is_active = False
    main.save()
    assert selectors.duty_day(center=rotation.center, day=D(2025, 9, 22)).gap == GapReason.NO_MAIN_DIRECTOR


def test_roster_without_departments_is_a_gap(center):
    DutyRosterFactory(center=center, departments=[], start_date=D(2025, 9, 22))
    assert selectors.duty_day(center=center, day=D(2025, 9, 22)).gap == GapReason.EMPTY_ROSTER


def test_month_is_computed_in_a_fixed_number_of_queries(rotation, django_assert_max_num_queries):
    DutyRosterFactory(
        center=rotation.center, departments=rotation.departments, start_date=D(2025, 1, 1), skip_holidays=True
    )
    for day in (3, 9, 17):
        DutyShift.objects.create(
            center=rotation.center,
            date=D(2025, 10, day),
            kind=ShiftKind.REPLACEMENT,
            person=UserFactory(),
            reason="替班",
            entered_at=at(2025, 9, 1),
        )
    with django_assert_max_num_queries(7):
        days = selectors.duty_month(center=rotation.center, year=2025, month=10)
        [(day.director, day.department, day.deputy_director) for day in days]
    assert len(days) == 31


def test_commanders_on_duty_follow_their_periods(center):
    first = CommandAssignmentFactory(center=center, valid_from=D(2025, 1, 1), valid_to=D(2025, 6, 30))
    second = CommandAssignmentFactory(center=center, valid_from=D(2025, 7, 1))
    deputy = CommandAssignmentFactory(
        center=center,
        role=CommandRole.DEPUTY_COMMANDER,
        valid_from=D(2025, 3, 1),
        user=UserFactory(roles=["deputy_commander"]),
    )
    other_center = CommandAssignmentFactory(valid_from=D(2025, 1, 1))
    february = selectors.commanders_on_duty(center=center, at=at(2025, 2, 1))
    assert (february.commanders, february.deputies) == ([first.user], [])
    june = selectors.commanders_on_duty(center=center, at=at(2025, 6, 30, 23, 59))
    assert (june.commanders, june.deputies) == ([first.user], [deputy.user])
    july = selectors.commanders_on_duty(center=center, at=at(2025, 7, 1, 0, 1))
    assert (july.commanders, july.deputies) == ([second.user], [deputy.user])
    assert other_center.user not in july.commanders


def test_on_duty_uses_the_local_day_of_the_instant(rotation):
    a, b, c = rotation.departments
    DutyRosterFactory(center=rotation.center, departments=[a, b, c], start_date=D(2025, 9, 22))
    # 2025-09-22 16:30 UTC is already 00:30 on the 23rd in Shanghai.
    late = dt.datetime(2025, 9, 22, 16, 30, tzinfo=dt.UTC)
    assert selectors.duty_director_on_duty(center=rotation.center, at=late).department == b
