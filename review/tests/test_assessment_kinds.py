"""The assessment counts by the matter's own limit (issue 22 item 11): a matter of a kind with its own
answer limit is handed to the department with that limit (when no time-limit setting of the center
matches), so 按期办结 and 超期 compare the report-back with the kind's deadline. Counted by hand across
中秋节 (2026-09-25..27) and 国庆节 (2026-10-01..07 off, 10-10 a make-up working Saturday)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from dispatch import services as svc
from dispatch.tests.factories_work import World, at
from governance.tests.factories import UserFactory
from intake.choices import AnswerLimitUnit, Channel, HandlingMode
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import CategoryFactory
from review.selectors.assessment import assessment_compute, figure_items
from review.selectors.assessment_figures import Month

pytestmark = pytest.mark.django_db

SEPTEMBER = Month(2026, 9)
NOW = at(2026, 10, 20, 12, 0)


@pytest.fixture
def world():
    with time_machine.travel(at(2026, 9, 1, 9, 0), tick=False):
        yield World()


def _handled(world, *, category, dispatched: dt.datetime, reported: dt.datetime | None):
    clerk = UserFactory(roles=["window_clerk"], profile={"center": world.center})
    with time_machine.travel(dispatched, tick=False):
        case = case_register(actor=clerk, center=world.center, matter=MatterInput(
            channel=Channel.WALK_IN, category=category, title="反映问题", description="请求处理。",
            parties=[PartyInput(name="王建国", phone="13905958888")]), now=dispatched - dt.timedelta(minutes=30))
        case_send_to_dispatch(actor=clerk, case=case, now=dispatched - dt.timedelta(minutes=20))
        (assignment,) = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                          lead_department=world.police, now=dispatched)
        svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment,
                                   now=dispatched + dt.timedelta(minutes=10))
    if reported is not None:
        with time_machine.travel(reported, tick=False):
            svc.assignment_report_back(actor=world.police.liaison, assignment=assignment, text="已处理完毕。",
                                       now=reported)
    assignment.refresh_from_db()
    return assignment


def test_the_department_is_held_to_and_assessed_by_the_kind_s_own_limit(world):
    fifteen = CategoryFactory(code="K15", name="十五日类", answer_limit=15,
                              answer_limit_unit=AnswerLimitUnit.CALENDAR_DAYS)
    day = CategoryFactory(code="K24", name="二十四小时类", answer_limit=24, answer_limit_unit=AnswerLimitUnit.HOURS)
    plain = CategoryFactory(code="K00", name="无时限类")

    # Friday 09-18 + 15 days = Saturday 10-03, a holiday: due at the end of Thursday 10-08. Reported on
    # 10-08 16:00: on time (by the 7-working-day default it was due on 09-30 and would be overdue).
    a = _handled(world, category=fifteen, dispatched=at(2026, 9, 18, 10, 0), reported=at(2026, 10, 8, 16, 0))
    assert a.due_at == at(2026, 10, 8, 23, 59, 59)
    assert a.policy_snapshot["name"] == "事项类别时限" and a.policy_snapshot["answer_limit"] == [15, "calendar_days"]
    # Wednesday 09-30 16:00 + 24 hours = 10-01 16:00, holiday or not. Reported 10-02 09:00: overdue
    # (by the default it was due 10-14), with no overdue working day (10-02 is a holiday).
    b = _handled(world, category=day, dispatched=at(2026, 9, 30, 16, 0), reported=at(2026, 10, 2, 9, 0))
    assert b.due_at == at(2026, 10, 1, 16, 0)
    # No limit of its own: 7 working days from Tuesday 09-29 = 09-30, 10-08, 10-09, 10-10, 10-12, 10-13,
    # 10-14. Reported 10-12: on time.
    c = _handled(world, category=plain, dispatched=at(2026, 9, 29, 10, 0), reported=at(2026, 10, 12, 11, 0))
    assert c.due_at == at(2026, 10, 14, 23, 59, 59) and c.policy_snapshot["name"] == "默认时限"
    # The 15-day kind not reported by 10-20: 10-09, 10-10, 10-12, 10-13, 10-14, 10-15, 10-16, 10-19 and
    # 10-20 have started after its deadline: 9 overdue working days.
    d = _handled(world, category=fifteen, dispatched=at(2026, 9, 18, 11, 0), reported=None)
    assert d.due_at == at(2026, 10, 8, 23, 59, 59)

    result = assessment_compute(center=world.center, month=SEPTEMBER, now=NOW)
    row = next(row for row in result["departments"] if row["name"] == world.police.name)
    figures = row["figures"]
    assert (figures["assigned"], figures["finished_on_time"], figures["overdue"], figures["overdue_days"]) == (4, 2, 2, 9)
    on_time = figure_items(center=world.center, month=SEPTEMBER, key="finished_on_time",
                           department_id=world.police.pk, now=NOW)
    overdue = figure_items(center=world.center, month=SEPTEMBER, key="overdue", department_id=world.police.pk, now=NOW)
    assert {row.pk for row in on_time.rows} == {a.pk, c.pk}
    assert {row.pk for row in overdue.rows} == {b.pk, d.pk}


def test_an_urgent_matter_of_a_long_kind_keeps_the_urgent_default(world):
    sixty = CategoryFactory(code="K60", name="六十日类", answer_limit=60, answer_limit_unit=AnswerLimitUnit.CALENDAR_DAYS)
    clerk = UserFactory(roles=["window_clerk"], profile={"center": world.center})
    with time_machine.travel(at(2026, 9, 15, 9, 0), tick=False):
        case = case_register(actor=clerk, center=world.center, matter=MatterInput(
            channel=Channel.WALK_IN, category=sixty, title="紧急", description="紧急情况。",
            parties=[PartyInput(name="王建国", phone="13905958888")],
            urgency="urgent"), now=at(2026, 9, 15, 9, 0))
        case_send_to_dispatch(actor=clerk, case=case, now=at(2026, 9, 15, 9, 5))
        (assignment,) = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                          lead_department=world.police, now=at(2026, 9, 15, 9, 10))
    assert assignment.policy_snapshot["name"] == "默认时限"
    assert assignment.due_at == at(2026, 9, 15, 13, 10)  # the urgent default: 4 hours
