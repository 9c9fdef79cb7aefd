"""The center's own clocks in the assessment (issue 22 items 1-3): the matters registered in the month
on which a clock lapsed, counted by hand across the National Day holidays (1-8 October 2025 off,
Saturday 11 October a make-up working day)."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch import services as svc
from dispatch.tests.factories import DutyRosterFactory, DutyTeamFactory
from dispatch.tests.factories_work import World, at
from governance.tests.factories import UserFactory
from intake.choices import HandlingMode
from intake.services import case_send_to_dispatch, case_settle_on_spot
from intake.tests.test_services_case import register
from review.selectors.assessment import figure_items
from review.selectors.assessment_figures import MATTER_FIGURE_BY_KEY, Month
from review.selectors.assessment_rows import matter_figures

pytestmark = pytest.mark.django_db

CLOCK_KEYS = ("send_on_overdue", "dispatch_overdue", "clock_escalated", "verification_overdue", "revisit_overdue",
              "explanation_requested", "explanation_overdue")


def test_the_clocks_lapses_of_septembers_matters_across_the_holidays(django_capture_on_commit_callbacks):
    world = World()
    DutyTeamFactory(department=world.police, main_director=world.director)
    DutyRosterFactory(center=world.center, departments=[world.police], start_date=dt.date(2025, 1, 1))
    clerk = UserFactory(username="clerk1", roles=["window_clerk"], profile={"center": world.center})

    def sweep(when):
        with django_capture_on_commit_callbacks(execute=True):
            svc.deadline_sweep(now=when)

    # A: settled on the spot on the holiday eve; the revisit is due by the end of 9 October, made then.
    a = register(clerk, world.center, now=at(2025, 9, 30, 16, 50))
    case_settle_on_spot(actor=clerk, case=a, result="当场调解。", now=at(2025, 9, 30, 16, 55))
    # C: registered at 9:00, not sent on until 10:10: lapsed at 9:30, the commander told at 10:00.
    c = register(clerk, world.center, now=at(2025, 9, 30, 9, 0))
    sweep(at(2025, 9, 30, 10, 5))
    case_send_to_dispatch(actor=clerk, case=c, now=at(2025, 9, 30, 10, 10))
    svc.case_dispatch(actor=world.dispatcher, case=c, mode=HandlingMode.TRANSFER, lead_department=world.zgj,
                      now=at(2025, 9, 30, 10, 20))
    # B: sent on in time, dispatched 70 minutes later (lapse at 17:20, dispatched before the
    # commander's 18:20), reported back at once; verified on 10 October (due by the end of 9
    # October: late), revisited on Saturday 11 October (due by its end: on time).
    b = register(clerk, world.center, grid=world.grid, now=at(2025, 9, 30, 16, 0))
    case_send_to_dispatch(actor=clerk, case=b, now=at(2025, 9, 30, 16, 20))
    sweep(at(2025, 9, 30, 17, 25))
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=b, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police, now=at(2025, 9, 30, 17, 30))
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 9, 30, 17, 35))
    svc.assignment_report_back(actor=world.police.liaison, assignment=assignment, text="已处理。",
                               now=at(2025, 9, 30, 17, 40))
    sweep(at(2025, 10, 9, 14, 30))
    a.refresh_from_db()
    svc.case_revisit(actor=clerk, case=a, resolved="yes", satisfaction="satisfied", now=at(2025, 10, 9, 15, 0))
    sweep(at(2025, 10, 10, 0, 0))
    b.refresh_from_db()
    svc.case_verify(actor=world.grid_worker, case=b, passed=True, now=at(2025, 10, 10, 9, 0))
    sweep(at(2025, 10, 11, 9, 0))
    b.refresh_from_db()
    svc.case_revisit(actor=clerk, case=b, resolved="yes", satisfaction="satisfied", now=at(2025, 10, 11, 10, 0))
    sweep(at(2025, 10, 13, 9, 0))

    figures = matter_figures(center=world.center, month=Month(2025, 9))
    assert figures["registered"] == 3
    assert {key: figures[key] for key in CLOCK_KEYS} == {
        "send_on_overdue": 1, "dispatch_overdue": 1, "clock_escalated": 1, "verification_overdue": 1,
        "revisit_overdue": 0, "explanation_requested": 0, "explanation_overdue": 0}
    # Each figure's list is the matters it counts.
    assert [case.pk for case in figure_items(center=world.center, month=Month(2025, 9), key="send_on_overdue",
                                             district=True).rows] == [c.pk]
    assert [case.pk for case in figure_items(center=world.center, month=Month(2025, 9), key="verification_overdue",
                                             district=True).rows] == [b.pk]
    # October's matters: none of these.
    october = matter_figures(center=world.center, month=Month(2025, 10))
    assert not any(october[key] for key in CLOCK_KEYS)
    assert "移送时限" in str(MATTER_FIGURE_BY_KEY["send_on_overdue"].definition)
