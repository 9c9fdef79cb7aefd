"""The center's own clocks on the deadline engine (issue 22 items 1-3): 移送 and 派单 in minutes per
mode, 核查 and 回访 by the end of the next working day, the explanation call when an assignment goes
overdue. Each starts when its status is entered, stops when it is left, fires once."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch import services as svc
from dispatch.models import DeadlineStep, Notification
from dispatch.selectors.clocks import case_clocks
from dispatch.tests.factories import DutyRosterFactory, DutyTeamFactory
from dispatch.tests.factories_work import World, at
from governance.tests.factories import UserFactory
from intake.choices import CaseStatus, Channel, HandlingMode
from intake.selectors import cases_follow_up_due
from intake.services import case_send_to_dispatch, case_settle_on_spot
from intake.tests.test_services_case import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = World()
    # One rotation department: its main director (world.director) is on duty every day.
    DutyTeamFactory(department=world.police, main_director=world.director)
    DutyRosterFactory(center=world.center, departments=[world.police], start_date=dt.date(2025, 1, 1))
    world.clerk = UserFactory(username="clerk1", roles=["window_clerk"], profile={"center": world.center})
    return world


def sweep(now, capture):
    with capture(execute=True):
        return svc.deadline_sweep(now=now)


def timeline(case):
    return list(case.events.order_by("pk").values_list("type", flat=True))


def pending(case, subject_type):
    return list(DeadlineStep.objects.filter(subject_type=subject_type, subject_id=case.pk, fired_at__isnull=True,
                                            cancelled_at__isnull=True).order_by("due_at")
                .values_list("kind", "due_at"))


def told(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind, channel="in_app").count()


# --- 移送 (马上受理) ---------------------------------------------------------------------------------
def test_a_registered_matter_not_sent_on_is_reminded_then_escalated_once(world, django_capture_on_commit_callbacks):
    registered = at(2025, 11, 3, 9, 0)
    case = register(world.clerk, world.center, now=registered)
    assert pending(case, "case.send_on") == [("overdue", at(2025, 11, 3, 9, 30)), ("escalation", at(2025, 11, 3, 10, 0))]
    assert sweep(at(2025, 11, 3, 9, 29), django_capture_on_commit_callbacks).fired == 0
    sweep(at(2025, 11, 3, 9, 30), django_capture_on_commit_callbacks)
    assert told(world.clerk, "case.send_on.overdue") == 1
    assert told(world.director, "case.send_on.overdue") == 1
    assert told(world.commander, "case.send_on.escalated") == 0
    sweep(at(2025, 11, 3, 10, 0), django_capture_on_commit_callbacks)
    sweep(at(2025, 11, 3, 10, 5), django_capture_on_commit_callbacks)  # again: nothing more
    assert told(world.commander, "case.send_on.escalated") == 1
    assert told(world.clerk, "case.send_on.overdue") == 1
    assert timeline(case) == ["case.registered", "case.send_on_overdue", "case.send_on_escalated"]
    (clock,) = case_clocks(case_ids=[case.pk], now=at(2025, 11, 3, 10, 5))[case.pk]
    assert (clock["clock"], clock["lapsed"], clock["escalated"], clock["remaining_seconds"]) == (
        "case.send_on", True, True, -35 * 60)
    # Sent on at last: the send-on clock stops and the board's 派单 clock starts.
    case_send_to_dispatch(actor=world.clerk, case=case, now=at(2025, 11, 3, 10, 10))
    assert [c["clock"] for c in case_clocks(case_ids=[case.pk], now=at(2025, 11, 3, 10, 10))[case.pk]] == [
        "case.dispatch"]
    assert pending(case, "case.dispatch") == [("overdue", at(2025, 11, 3, 11, 10)),
                                              ("escalation", at(2025, 11, 3, 12, 10))]


def test_sent_on_in_time_nothing_fires(world, django_capture_on_commit_callbacks):
    case = register(world.clerk, world.center, now=at(2025, 11, 3, 9, 0))
    case_send_to_dispatch(actor=world.clerk, case=case, now=at(2025, 11, 3, 9, 20))
    svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER, lead_department=world.police,
                      now=at(2025, 11, 3, 9, 50))
    sweep(at(2025, 11, 3, 13, 0), django_capture_on_commit_callbacks)
    assert not [t for t in timeline(case) if t.startswith("case.") and t.endswith(("_overdue", "_escalated"))]
    assert not DeadlineStep.objects.filter(subject_id=case.pk, subject_type__startswith="case.",
                                           cancelled_at__isnull=True).exists()


def test_settled_on_the_spot_the_send_on_clock_stops_and_the_revisit_clock_starts(world):
    case = register(world.clerk, world.center, now=at(2025, 11, 7, 16, 0))  # a Friday
    case_settle_on_spot(actor=world.clerk, case=case, result="当场调解，双方签订协议。", now=at(2025, 11, 7, 16, 20))
    assert pending(case, "case.send_on") == []
    # Revisit by the end of the next working day: Monday 10 November.
    assert pending(case, "case.revisit") == [("due_reminder", at(2025, 11, 10, 14, 30)),
                                             ("overdue", dt.datetime(2025, 11, 10, 23, 59, 59, tzinfo=at(2025, 1, 1).tzinfo))]


def test_wartime_shortens_the_minutes(world, django_capture_on_commit_callbacks):
    svc.mode_declare_wartime(actor=world.commander, center=world.center, level=1, reason="台风登陆",
                             now=at(2025, 11, 3, 8, 0))
    case = register(world.clerk, world.center, now=at(2025, 11, 3, 9, 0))
    assert pending(case, "case.send_on")[0] == ("overdue", at(2025, 11, 3, 9, 10))
    case_send_to_dispatch(actor=world.clerk, case=case, now=at(2025, 11, 3, 9, 5))
    assert pending(case, "case.dispatch")[0] == ("overdue", at(2025, 11, 3, 9, 20))


def test_a_platform_matter_starts_on_the_board_clock(world, django_capture_on_commit_callbacks):
    case = register(world.clerk, world.center, channel=Channel.PLATFORM, external_ref="GD9", external_source="12345",
                    now=at(2025, 11, 3, 9, 0))
    assert case.status == CaseStatus.PENDING_DISPATCH
    assert not DeadlineStep.objects.filter(subject_type="case.send_on", subject_id=case.pk).exists()
    sweep(at(2025, 11, 3, 10, 0), django_capture_on_commit_callbacks)
    assert timeline(case)[-1] == "case.dispatch_overdue"
    assert told(world.director, "case.dispatch.overdue") == 1
    assert told(world.clerk, "case.dispatch.overdue") == 0  # the board's clock is the duty director's


# --- 核查 and 回访 ----------------------------------------------------------------------------------
def _reported(world, *, now):
    case = world.case(first_receiver=world.clerk)
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police, now=now)
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=now)
    svc.assignment_report_back(actor=world.police.liaison, assignment=assignment, text="已处理完毕。", now=now)
    case.refresh_from_db()
    return case


def test_verification_across_the_national_day_holidays(world, django_capture_on_commit_callbacks):
    # Reported back on the eve of the holidays (30 September): on site by the end of 9 October.
    case = _reported(world, now=at(2025, 9, 30, 16, 0))
    end_of_9th = dt.datetime(2025, 10, 9, 23, 59, 59, tzinfo=at(2025, 1, 1).tzinfo)
    assert pending(case, "case.verify") == [("due_reminder", at(2025, 10, 9, 14, 30)), ("overdue", end_of_9th)]
    sweep(at(2025, 10, 9, 14, 30), django_capture_on_commit_callbacks)
    assert told(world.grid_worker, "case.verify.reminder") == 1
    sweep(at(2025, 10, 10, 0, 0), django_capture_on_commit_callbacks)
    assert told(world.grid_worker, "case.verify.overdue") == 1
    assert told(world.director, "case.verify.overdue") == 1
    assert timeline(case)[-1] == "case.verification_overdue"
    # Verified late on Friday 10 October: the revisit is due by the end of Saturday 11 (a make-up day).
    svc.case_verify(actor=world.grid_worker, case=case, passed=True, now=at(2025, 10, 10, 9, 0))
    assert "case.verify" not in {c["clock"] for c in case_clocks(case_ids=[case.pk])[case.pk]}
    assert pending(case, "case.revisit")[-1] == ("overdue", dt.datetime(2025, 10, 11, 23, 59, 59,
                                                                       tzinfo=at(2025, 1, 1).tzinfo))
    sweep(at(2025, 10, 12, 0, 0), django_capture_on_commit_callbacks)
    assert told(world.clerk, "case.revisit.reminder") == 1
    assert told(world.clerk, "case.revisit.overdue") == 1
    svc.case_revisit(actor=world.clerk, case=case, resolved="yes", satisfaction="satisfied", now=at(2025, 10, 13, 9))
    assert case.pk not in case_clocks(case_ids=[case.pk])
    assert timeline(case).count("case.revisit_overdue") == 1


# --- 解释回访 ------------------------------------------------------------------------------------
def test_an_overdue_assignment_asks_the_first_receiver_to_explain(world, django_capture_on_commit_callbacks):
    case = world.case(first_receiver=world.clerk)
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police, now=at(2025, 11, 3, 9, 0))
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 11, 3, 9, 5))
    sweep(assignment.due_at, django_capture_on_commit_callbacks)
    sweep(assignment.due_at + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert told(world.clerk, "case.explanation_requested") == 1
    # The matter is in progress, yet among her follow-ups while the call is owed (and only hers).
    assert [c.pk for c in cases_follow_up_due(actor=world.clerk)] == [case.pk]
    assert cases_follow_up_due(actor=world.dispatcher) == []
    assert timeline(case).count("case.explanation_requested") == 1
    (due,) = [at_ for kind, at_ in pending(case, "case.explain")]
    # Overdue at the end of Wednesday 12 November: the call is due by the end of Thursday 13.
    assert assignment.due_at.date() == dt.date(2025, 11, 12)
    assert due == dt.datetime(2025, 11, 13, 23, 59, 59, tzinfo=at(2025, 1, 1).tzinfo)
    sweep(due, django_capture_on_commit_callbacks)
    assert timeline(case).count("case.explanation_overdue") == 1
    assert told(world.clerk, "case.explain.overdue") == 1
    # The call made at last stops the clock (the lapse stays on the timeline).
    svc.case_record_explanation_call(actor=world.clerk, case=case, notes="已向申请人说明原因。", now=due + dt.timedelta(hours=9))
    assert case.pk not in case_clocks(case_ids=[case.pk])
    assert cases_follow_up_due(actor=world.clerk) == []


def test_a_matter_overdue_with_two_departments_in_two_batches_is_explained_once(world,
                                                                                  django_capture_on_commit_callbacks):
    """Joint handling, both departments overdue at once, swept one step per batch: the second batch
    sees the clock the first one started (committed) and asks no second call."""
    case = world.case(first_receiver=world.clerk)
    lead, co = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.JOINT,
                                 lead_department=world.police, co_departments=[world.zgj], now=at(2025, 11, 3, 9, 0))
    assert lead.due_at == co.due_at
    with django_capture_on_commit_callbacks(execute=True):
        result = svc.deadline_sweep(now=lead.due_at, batch_size=1)
    assert result.batches >= 2 and result.kinds["overdue"] == 2
    assert told(world.clerk, "case.explanation_requested") == 1
    assert timeline(case).count("case.explanation_requested") == 1
    assert len(pending(case, "case.explain")) == 1


def test_the_call_made_in_time_stops_the_clock(world, django_capture_on_commit_callbacks):
    case = world.case(first_receiver=world.clerk)
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police, now=at(2025, 11, 3, 9, 0))
    sweep(assignment.due_at, django_capture_on_commit_callbacks)
    svc.case_record_explanation_call(actor=world.clerk, case=case, notes="已解释。", now=at(2025, 11, 13, 9, 0))
    sweep(at(2025, 11, 20, 9, 0), django_capture_on_commit_callbacks)
    assert "case.explanation_overdue" not in timeline(case)
