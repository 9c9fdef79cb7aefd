"""The radar: each kind of signal planted in data is raised once with the right matters; ordinary
data raises none; a second run on the same data raises nothing new."""

from __future__ import annotations

import datetime as dt

import pytest

from command.choices import AreaLevel, SignalKind, SignalStatus
from command.models import RadarRules, RiskSignal
from command.services.radar import radar_run
from command.services.signals import signal_dismiss
from command.tests.factories import applicant, ordinary_weeks, person
from dispatch.models import Assignment
from governance.tests.concurrency import at_once
from intake.models import CaseEvent

pytestmark = pytest.mark.django_db


def case_ids(signal: RiskSignal) -> set[int]:
    return set(signal.signal_cases.values_list("case_id", flat=True))


def test_ordinary_data_raises_nothing(world, now):
    ordinary_weeks(world)
    result = radar_run(center=world.center, now=now)
    assert result.raised == []
    assert not RiskSignal.objects.exists()


def test_surge_in_one_community_is_raised_once_with_its_matters(world, now):
    ordinary_weeks(world)
    surge = [world.matter(unit=i % 2, at=now - dt.timedelta(days=i % 6, hours=2), address="夜市") for i in range(8)]
    # the ninth is this week's ordinary one from `ordinary_weeks`
    result = radar_run(center=world.center, now=now)

    assert [s.kind for s in result.raised] == [SignalKind.SURGE]
    signal = result.raised[0]
    assert signal.area == world.sunshine and signal.area_level == AreaLevel.VILLAGE
    assert signal.category == world.noise
    ordinary_this_week = set(world.sunshine.children.values_list("cases__pk", flat=True)) & case_ids(signal)
    assert {c.pk for c in surge} <= case_ids(signal)
    assert signal.count == 9 == len(ordinary_this_week)
    assert signal.baseline == 1.0
    assert "阳光社区近 7 天登记“噪音”事项 9 件，过去 8 周同期平均 1.0 件" in signal.reason
    assert signal.metrics["series"][-1] == 9 and signal.metrics["series"][:-1] == [1] * 8

    again = radar_run(center=world.center, now=now + dt.timedelta(hours=1))
    assert again.raised == [] and [s.pk for s in again.refreshed] == [signal.pk]
    assert RiskSignal.objects.count() == 1


def test_dismissed_signal_is_not_raised_again_on_the_same_data(world, now):
    ordinary_weeks(world)
    for i in range(8):
        world.matter(at=now - dt.timedelta(days=i % 5, hours=2))
    signal = radar_run(center=world.center, now=now).raised[0]
    signal_dismiss(actor=world.director, signal=signal, reason="夜市已于昨日关停，经核实不再扰民。", now=now)

    assert radar_run(center=world.center, now=now + dt.timedelta(hours=2)).raised == []
    signal.refresh_from_db()
    assert signal.status == SignalStatus.DISMISSED and signal.decided_by == world.director


def test_same_weekday_rule_with_a_one_day_window(world, now):
    RadarRules.objects.create(center=world.center, surge_window_days=1, surge_min_count=4, surge_ratio=3)
    for week in range(1, 9):  # one 邻里 matter on each of the last eight Wednesdays
        world.matter(category=world.neighbours, at=now - dt.timedelta(weeks=week, hours=1))
    today = [world.matter(category=world.neighbours, at=now - dt.timedelta(minutes=10 * i)) for i in range(4)]
    signal = radar_run(center=world.center, now=now).raised[0]
    assert case_ids(signal) == {c.pk for c in today}
    assert "今日登记“邻里”事项 4 件，过去 8 周同一星期几平均 1.0 件" in signal.reason


def test_repeat_applicant_by_id_number_is_raised_once(world, now):
    ordinary_weeks(world)
    same = person(name="李阿婆", phone="13900000009")
    other_record = person(name="李阿婆", phone="13900000009", id_number=same.id_number)  # a second party row
    cases = [world.matter(category=world.neighbours, at=now - dt.timedelta(days=d), address=f"海滨路{d}号")
             for d in (2, 11, 25)]
    applicant(cases[0], same)
    applicant(cases[1], same)
    applicant(cases[2], other_record)
    result = radar_run(center=world.center, now=now)
    assert [s.kind for s in result.raised] == [SignalKind.REPEAT_APPLICANT]
    signal = result.raised[0]
    assert case_ids(signal) == {c.pk for c in cases}
    assert "李阿婆" in signal.title and same.id_number not in signal.reason  # masked
    assert radar_run(center=world.center, now=now).raised == []


def test_repeat_subject_same_place(world, now):
    cases = [world.matter(category=world.neighbours, at=now - dt.timedelta(days=d), address="海滨路 8 号")
             for d in (1, 9, 20)]
    signal = radar_run(center=world.center, now=now).raised[0]
    assert signal.kind == SignalKind.REPEAT_SUBJECT and case_ids(signal) == {c.pk for c in cases}


def test_group_and_reopened_matters(world, now):
    group = world.matter(category=world.neighbours, at=now - dt.timedelta(days=1), is_group=True, group_size=30)
    reopened = world.matter(category=world.neighbours, at=now - dt.timedelta(days=20))
    CaseEvent.objects.create(case=reopened, type="case.reopened", occurred_at=now - dt.timedelta(days=2), data={})
    result = radar_run(center=world.center, now=now)
    kinds = {s.kind: s for s in result.raised}
    assert set(kinds) == {SignalKind.GROUP, SignalKind.REOPENED}
    assert case_ids(kinds[SignalKind.GROUP]) == {group.pk}
    assert case_ids(kinds[SignalKind.REOPENED]) == {reopened.pk}
    assert radar_run(center=world.center, now=now).raised == []


def _overdue(world, department, *, at):
    case = world.case(registered_at=at - dt.timedelta(days=10))
    return Assignment.objects.create(case=case, center=world.center, department=department, assigned_at=at,
                                     ack_due_at=at, due_at=at, original_due_at=at, overdue_at=at,
                                     policy_snapshot={})


def test_department_whose_overdue_count_climbs_week_on_week(world, now):
    for weeks_ago, count in ((2, 1), (1, 2), (0, 4)):
        for i in range(count):
            _overdue(world, world.zgj, at=now - dt.timedelta(weeks=weeks_ago, hours=2 + i))
    for weeks_ago in (2, 1, 0):  # steady: three a week, not climbing
        for i in range(3):
            _overdue(world, world.police, at=now - dt.timedelta(weeks=weeks_ago, hours=3 + i))
    result = radar_run(center=world.center, now=now)
    assert [(s.kind, s.department) for s in result.raised] == [(SignalKind.DEPARTMENT_OVERDUE, world.zgj)]
    signal = result.raised[0]
    assert signal.metrics["series"] == [1, 2, 4]
    this_week = set(Assignment.objects.filter(department=world.zgj, overdue_at__gt=now - dt.timedelta(weeks=1))
                    .values_list("case_id", flat=True))
    assert case_ids(signal) == this_week and len(this_week) == 4
    assert "1 → 2 → 4" in signal.reason
    assert radar_run(center=world.center, now=now + dt.timedelta(hours=1)).raised == []


def test_a_surge_at_one_place_is_not_raised_again_as_a_repeat_subject(world, now):
    ordinary_weeks(world)
    for i in range(8):
        world.matter(at=now - dt.timedelta(days=i % 6, hours=2), address="阳光社区夜市")
    world.matter(at=now - dt.timedelta(days=12), address="阳光社区夜市")  # last week's, same place
    assert [s.kind for s in radar_run(center=world.center, now=now).raised] == [SignalKind.SURGE]


def test_radar_task_on_demand_and_on_beat_is_idempotent(world, now, settings):
    from command import tasks

    ordinary_weeks(world)
    for i in range(8):
        world.matter(at=now - dt.timedelta(days=i % 6, hours=2))
    assert tasks.radar_run_task(center_id=world.center.pk, requested_by_id=world.director.pk) == 1
    assert tasks.radar_run_task() == 0
    assert settings.CELERY_BEAT_SCHEDULE["radar-run"]["task"] == "command.tasks.radar_run"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_radar_runs_at_once_raise_one_signal():
    """Beat and a director's "run now" at the same instant: the center's row lock serialises them."""

    import time_machine
    from django.db import connection

    from command.tests.factories import NOW, CommandWorld

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real concurrent connections")
    with time_machine.travel(NOW, tick=False):
        world = CommandWorld()
        ordinary_weeks(world)
        for i in range(8):
            world.matter(at=NOW - dt.timedelta(days=i % 6, hours=2))
    raised = at_once(lambda _n: len(radar_run(center=world.center, now=NOW).raised), 2)
    assert sorted(raised) == [0, 1]
    assert RiskSignal.objects.count() == 1
