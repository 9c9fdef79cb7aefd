"""The deadline engine: policies on the working calendar, the sweep, summons lateness, the auditor."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch import services as svc
from dispatch.choices import LimitUnit, StepKind
from dispatch.models import AuditAlarm, DeadlineStep, Notification, WorkReminderLetter
from dispatch.selectors.attendance import attendance_code
from dispatch.services.common import deadline_add
from dispatch.tests.factories import DeadlinePolicyFactory
from dispatch.tests.factories_work import World, at
from governance.workcal import WorkingCalendar
from intake.choices import HandlingMode

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def dispatch(world, *, now, department=None, **kwargs):
    case = world.case(**kwargs)
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=department or world.police, now=now)
    return case, assignment


# --- the calendar ------------------------------------------------------------------------------
def test_seven_working_days_across_the_national_day_week(world):
    # Story 4: pushed 2025-09-30 16:50; 10-01..08 off, Saturday 10-11 works: due end of 10-16.
    _, assignment = dispatch(world, now=at(2025, 9, 30, 16, 50))
    assert assignment.due_at == at(2025, 10, 16, 23, 59, 59)
    # Two working hours from 16:50 on the holiday eve: 40 minutes that day, 80 on 10-09 morning.
    assert assignment.ack_due_at == at(2025, 10, 9, 9, 50)


def test_adjusted_working_sunday_counts(world):
    # Friday 2025-09-26 + 1 working day is Sunday 2025-09-28 (调休上班).
    calendar = WorkingCalendar(center=world.center)
    assert deadline_add(calendar=calendar, start=at(2025, 9, 26, 10, 0), amount=1,
                        unit=LimitUnit.WORKING_DAYS) == at(2025, 9, 28, 23, 59, 59)


def test_complex_matter_in_a_year_without_official_data_counts_monday_to_friday(world):
    # 2027 has no State Council schedule in the package: Monday to Friday.
    _, assignment = dispatch(world, now=at(2027, 3, 5, 10, 0), complexity="complex")  # a Friday
    assert assignment.due_at == at(2027, 3, 26, 23, 59, 59)  # 15 working days = 3 weeks
    assert WorkingCalendar(center=world.center).missing_years([2027]) == [2027]


def test_urgent_matter_due_in_four_calendar_hours(world):
    _, assignment = dispatch(world, now=at(2025, 10, 3, 22, 0), complexity="urgent")
    assert assignment.due_at == at(2025, 10, 4, 2, 0)


def test_policy_per_category_and_mode_is_copied_onto_the_assignment(world):
    policy = DeadlinePolicyFactory(center=world.center, category=world.category, handling_mode="transfer",
                                   ack_amount=30, ack_unit=LimitUnit.CALENDAR_MINUTES, handle_amount=3,
                                   handle_unit=LimitUnit.CALENDAR_DAYS, reminder_lead_minutes=[60])
    _, assignment = dispatch(world, now=at(2025, 11, 3, 9, 0))
    assert assignment.policy == policy
    assert assignment.ack_due_at == at(2025, 11, 3, 9, 30)
    assert assignment.due_at == at(2025, 11, 6, 9, 0)
    policy.handle_amount = 1
    policy.save()
    assignment.refresh_from_db()
    assert assignment.policy_snapshot["handle"] == [3, "calendar_days"]
    assert assignment.due_at == at(2025, 11, 6, 9, 0)


def test_wartime_matter_takes_the_wartime_policy(world):
    DeadlinePolicyFactory(center=world.center, operating_mode="wartime", handle_amount=2,
                          handle_unit=LimitUnit.CALENDAR_HOURS)
    _, assignment = dispatch(world, now=at(2025, 11, 3, 9, 0), operating_mode="wartime")
    assert assignment.due_at == at(2025, 11, 3, 11, 0)
    assert assignment.operating_mode == "wartime"


# --- the sweep ---------------------------------------------------------------------------------
def test_sweep_fires_each_step_once_when_run_twice(world, django_capture_on_commit_callbacks):
    case, assignment = dispatch(world, now=at(2025, 11, 3, 9, 0))
    later = assignment.due_at + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = svc.deadline_sweep(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        second = svc.deadline_sweep(now=later)
    assert first.fired >= 2 and second.fired == 0 and second.skipped == 0
    overdue = Notification.objects.filter(kind="assignment.overdue", recipient=world.police.liaison,
                                          channel="in_app")
    assert overdue.count() == 1
    types = list(case.events.values_list("type", flat=True))
    assert types.count("assignment.overdue") == 1
    assert types.count("assignment.acknowledgement_overdue") == 1
    assignment.refresh_from_db()
    assert assignment.overdue_at == later


def test_sweep_catches_up_after_downtime_without_stale_reminders(world, django_capture_on_commit_callbacks):
    case, assignment = dispatch(world, now=at(2025, 11, 3, 9, 0))
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 11, 3, 9, 5))
    # Workers down for two days past the deadline: reminders are stale (skipped), overdue and the
    # escalation chain fire once.
    with django_capture_on_commit_callbacks(execute=True):
        svc.deadline_sweep(now=assignment.due_at + dt.timedelta(days=2))
    # The assignment's own steps (the accountability ladder's, review's, come after the overdue mark).
    own = DeadlineStep.objects.filter(assignment=assignment)
    assert sorted(own.filter(outcome="fired").values_list("kind", flat=True)) == [
        StepKind.ESCALATION, StepKind.ESCALATION, StepKind.OVERDUE]
    assert own.filter(outcome="skipped").count() == 2  # the two due reminders
    assert not own.filter(fired_at__isnull=True, cancelled_at__isnull=True).exists()
    # What waits: the first receiver's explanation call, and the accountability ladder's next rungs.
    waiting = DeadlineStep.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True)
    assert list(waiting.exclude(subject_type="ladder").values_list("subject_type", flat=True)) == ["case.explain"]
    escalated = Notification.objects.filter(kind="assignment.escalated", channel="in_app")
    assert escalated.filter(recipient=world.police.leader_in_charge).count() == 1
    assert escalated.filter(recipient=world.commander).count() == 1


def test_reminder_before_due(world, django_capture_on_commit_callbacks):
    _, assignment = dispatch(world, now=at(2025, 11, 3, 9, 0))
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 11, 3, 9, 5))
    with django_capture_on_commit_callbacks(execute=True):
        svc.deadline_sweep(now=assignment.due_at - dt.timedelta(hours=23))
    assert Notification.objects.filter(kind="assignment.due_reminder", channel="in_app").count() == 1
    assert not Notification.objects.filter(kind="assignment.overdue").exists()


def test_reported_assignment_is_not_marked_overdue(world, django_capture_on_commit_callbacks):
    _, assignment = dispatch(world, now=at(2025, 11, 3, 9, 0))
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 11, 3, 9, 5))
    svc.assignment_report_back(actor=world.police.liaison, assignment=assignment, text="已办",
                               now=at(2025, 11, 4, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        svc.deadline_sweep(now=assignment.due_at + dt.timedelta(days=3))
    # (the matter's 核查 clock fires: reported back, nobody verified it; the assignment's steps do not)
    assert not DeadlineStep.objects.filter(assignment=assignment, outcome="fired").exists()
    assert not Notification.objects.filter(kind__in=["assignment.overdue", "assignment.escalated"]).exists()


def test_work_letter_after_repeated_lateness_is_issued_once(world, django_capture_on_commit_callbacks):
    start = at(2025, 11, 3, 9, 0)
    for _ in range(4):
        dispatch(world, now=start)
    with django_capture_on_commit_callbacks(execute=True):
        svc.deadline_sweep(now=at(2025, 11, 20, 9, 0))
        svc.deadline_sweep(now=at(2025, 11, 21, 9, 0))
    letter = WorkReminderLetter.objects.get(department=world.police)
    assert letter.overdue_count == 3 and letter.month == dt.date(2025, 11, 1)
    assert Notification.objects.filter(kind="department.work_letter", recipient=world.police.leader_in_charge,
                                       channel="in_app").count() == 1


# --- summons -----------------------------------------------------------------------------------
def test_summons_story_two(world, django_capture_on_commit_callbacks):
    case = world.case(title="玉田村村民堵路", urgency="urgent", risk_level="high")
    with django_capture_on_commit_callbacks(execute=True):
        summons = svc.summons_request(actor=world.director, center=world.center, case=case, reason="堵路",
                                      departments=[world.police, world.zgj, world.town],
                                      now=at(2025, 11, 3, 14, 22))
        svc.summons_approve(actor=world.deputy, summons=summons, now=at(2025, 11, 3, 14, 25))
    summons.refresh_from_db()
    assert summons.report_in_due_at == at(2025, 11, 3, 14, 45) and summons.report_in_minutes == 20
    for dept in (world.police, world.zgj, world.town):
        for person in (dept.liaison, dept.leader_in_charge):
            assert Notification.objects.filter(recipient=person, kind="summons.approved", channel="in_app").exists()
    rows = {row.department_id: row for row in summons.departments.select_related("summons", "department")}
    svc.summons_acknowledge(actor=world.police.liaison, row=rows[world.police.pk], now=at(2025, 11, 3, 14, 31))
    svc.summons_report_in(actor=world.police.liaison, row=rows[world.police.pk], now=at(2025, 11, 3, 14, 38),
                          code=attendance_code(center=summons.center, at=at(2025, 11, 3, 14, 38)))
    svc.summons_report_in(actor=world.dispatcher, row=rows[world.town.pk], person=world.town.liaison,
                          now=at(2025, 11, 3, 14, 41))
    with django_capture_on_commit_callbacks(execute=True):
        svc.deadline_sweep(now=at(2025, 11, 3, 14, 45, 30))
        svc.deadline_sweep(now=at(2025, 11, 3, 14, 46, 30))
    overdue = Notification.objects.filter(kind="summons.overdue", channel="in_app")
    assert set(overdue.values_list("recipient_id", flat=True)) == {
        world.zgj.leader_in_charge.pk, world.commander.pk, world.deputy.pk}
    assert overdue.count() == 3
    late = svc.summons_report_in(actor=world.zgj.liaison, row=rows[world.zgj.pk], now=at(2025, 11, 3, 14, 52),
                                 code=attendance_code(center=summons.center, at=at(2025, 11, 3, 14, 52)))
    assert late.minutes_late == 7
    assert rows[world.police.pk].minutes_late == 0
    types = list(case.events.values_list("type", flat=True))
    assert types == ["summons.requested", "summons.approved", "summons.department_acknowledged",
                     "summons.department_reported_in", "summons.department_reported_in", "summons.overdue",
                     "summons.department_reported_in"]


def test_only_commanders_approve_summons(world):
    from governance.errors import PermissionDeniedError

    summons = svc.summons_request(actor=world.director, center=world.center, reason="x", departments=[world.police])
    for user in (world.director, world.dispatcher, world.police.liaison):
        with pytest.raises(PermissionDeniedError):
            svc.summons_approve(actor=user, summons=summons)


def test_wartime_report_in_limit_is_read_from_the_mode(world):
    from dispatch.models import Mode

    Mode.objects.create(center=world.center, seq=1, kind="wartime", level=1, reason="台风",
                        switched_at=at(2025, 11, 3, 8, 0), summons_report_in_minutes=10)
    summons = svc.summons_request(actor=world.director, center=world.center, reason="x", departments=[world.police])
    svc.summons_approve(actor=world.commander, summons=summons, now=at(2025, 11, 3, 9, 0))
    assert summons.report_in_due_at == at(2025, 11, 3, 9, 10)


# --- the auditor -------------------------------------------------------------------------------
def test_auditor_raises_and_resolves_an_alarm(world):
    _, assignment = dispatch(world, now=at(2025, 11, 3, 9, 0))
    late = assignment.ack_due_at + dt.timedelta(minutes=6)
    alarm = svc.deadline_audit(now=late)
    assert alarm is not None and alarm.missed >= 1
    assert svc.deadline_engine_checks(now=late)["时限督办"]["ok"] is False
    svc.deadline_audit(now=late)
    assert AuditAlarm.objects.filter(resolved_at__isnull=True).count() == 1
    svc.deadline_sweep(now=late)
    assert svc.deadline_audit(now=late) is None
    assert AuditAlarm.objects.get().resolved_at == late
    assert svc.deadline_engine_checks(now=late)["时限督办"]["ok"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_notify_once():
    """Two workers sweeping the same instant: each step is claimed by one of them only."""
    from django.db import connection

    from governance.tests.concurrency import at_once

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real concurrent connections")
    world = World()
    for _ in range(30):
        dispatch(world, now=at(2025, 11, 3, 9, 0))
    results = at_once(lambda _n: svc.deadline_sweep(now=at(2025, 11, 20, 9, 0), batch_size=7), 2)
    assert sum(r.fired + r.skipped for r in results) == DeadlineStep.objects.filter(fired_at__isnull=False).count()
    overdue = Notification.objects.filter(kind="assignment.overdue", channel="in_app")
    assert overdue.count() == 30
    assert overdue.values("dedupe_key").distinct().count() == 30
