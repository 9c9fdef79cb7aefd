"""窗口自办 in the month's assessment (issue 22 item 12): a matter the 劳动监察 window took into its own
department is an assignment like any other (acknowledged, reported back, finished on time) and is
counted apart (窗口自办 beside 交办件数)."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch import services as svc
from dispatch.choices import AssignmentStatus
from dispatch.tests.test_window_self import NOW, Windows
from intake.choices import CaseStatus
from intake.models import Case
from review.selectors.assessment import assessment_compute
from review.selectors.assessment_figures import Month

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return Windows()


def test_the_department_handles_it_like_any_assignment_and_the_assessment_counts_it_apart(world):
    assignment = svc.case_self_handle(actor=world.clerk, case=world.registered(), department=world.labour, now=NOW)
    svc.case_dispatch(actor=world.dispatcher, case=world.case(), mode="transfer", lead_department=world.labour,
                      now=NOW)
    svc.assignment_acknowledge(actor=world.labour.liaison, assignment=assignment, now=NOW + dt.timedelta(hours=1))
    svc.assignment_report_back(actor=world.labour.liaison, assignment=assignment, text="已约谈企业，工资已发放。",
                               now=NOW + dt.timedelta(days=1))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REPORTED
    assert Case.objects.get(pk=assignment.case_id).status == CaseStatus.REPORTED
    figures = assessment_compute(center=world.center, month=Month(2026, 11), now=NOW + dt.timedelta(days=2))
    labour = next(row for row in figures["departments"] if row["id"] == world.labour.pk)["figures"]
    assert (labour["assigned"], labour["self_handled"], labour["finished_on_time"]) == (2, 1, 1)
