"""Four eyes on the seven steps: whoever settled or reported back a matter never verifies it; the
first receiver who registered an applicant's matter never also verifies it on site."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch.services import (
    assignment_acknowledge,
    assignment_report_back,
    case_dispatch,
    case_move_center,
    case_verify,
)
from dispatch.services.closing import four_eyes_refusal
from governance.errors import PermissionDeniedError
from governance.roles import Role
from governance.tests.factories import UserFactory
from grid.choices import GridEventType
from grid.selectors import verification_tasks
from grid.services import grid_assignment_start, grid_case_verify, grid_report_submit
from intake.choices import CaseStatus, Channel
from intake.models import CaseEvent
from intake.tests.factories import CaseFactory, category

pytestmark = pytest.mark.django_db


def _report(t, key: str = "fe-1"):
    rep, _ = grid_report_submit(actor=t.worker, grid=t.unit, client_key=key, category=category("JF10"),
                                title="护栏松动", description="溪边护栏两处松动", address="上浦溪村道旁")
    return rep.case


def test_a_grid_worker_never_verifies_her_own_settlement(territory, client):
    """The path of the issue: she reports, settles it herself through the API (skipping the village
    station), then tries to verify on site: refused by the service and the page; a second worker of
    the same grid checks it."""
    t = territory
    case = _report(t)
    api = APIClient()
    api.force_login(t.worker)
    settled = api.post(f"/api/intake/cases/{case.code}/settle/", {"result": "已自行加固护栏"}, format="json")
    assert settled.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.SETTLED_ON_SPOT and case.channel == Channel.GRID_REPORT

    with pytest.raises(PermissionDeniedError) as refused:
        grid_case_verify(actor=t.worker, case=case, passed=True, notes="我自己核查")
    assert refused.value.code == "verifier_handled_it" and "不能再核查自己的办理结果" in refused.value.message
    assert case.pk not in {c.pk for c in verification_tasks(worker=t.worker)}  # not offered to her

    client.force_login(t.worker)
    page = client.get(reverse("grid:verify", args=[case.pk])).content.decode()
    assert 'data-refusal="verifier_handled_it"' in page and 'data-action="verify-pass"' not in page
    posted = client.post(reverse("grid:verify", args=[case.pk]), {"passed": "yes", "notes": "再试"})
    assert posted.status_code == 400
    assert not CaseEvent.objects.filter(case=case, type=GridEventType.SITE_VERIFIED).exists()

    colleague = UserFactory(roles=[Role.GRID_WORKER], profile={"center": t.village})
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    grid_assignment_start(actor=admin, grid=t.unit, worker=colleague, starts_on=dt.date(2026, 11, 1))
    assert case.pk in {c.pk for c in verification_tasks(worker=colleague)}
    grid_case_verify(actor=colleague, case=case, passed=True, notes="现场核实，护栏已加固")
    assert CaseEvent.objects.get(case=case, type=GridEventType.SITE_VERIFIED).actor == colleague


def test_who_reported_back_never_verifies(territory):
    """A department's grid worker (she also acts for the town office) reports the office's answer
    back: she may not verify it; the reporter of the discovery may (SCENARIOS story 6)."""
    t = territory
    case = _report(t, "fe-2")
    both = UserFactory(roles=[Role.GRID_WORKER, Role.DEPARTMENT_LIAISON],
                       profile={"center": t.town, "department": t.town_department})
    grid_assignment_start(actor=UserFactory(roles=[Role.ADMINISTRATOR]), grid=t.unit, worker=both,
                          starts_on=dt.date(2026, 11, 1))
    case_move_center(actor=t.station, case=case, to_center=t.town, reason="需工程处置")
    [assignment] = case_dispatch(actor=t.town_dispatcher, case=case, mode="transfer", lead_department=t.town_department)
    assignment_acknowledge(actor=both, assignment=assignment)
    assignment_report_back(actor=both, assignment=assignment, text="挡土墙已加固")
    case.refresh_from_db()
    with pytest.raises(PermissionDeniedError) as refused:
        case_verify(actor=both, case=case, passed=True, notes="我办的，我核")
    assert refused.value.code == "verifier_handled_it"
    assert four_eyes_refusal(actor=t.worker, case=case) is None  # she found it; the office fixed it
    grid_case_verify(actor=t.worker, case=case, passed=True, notes="同一位置拍照核实")
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_the_first_receiver_who_registered_it_never_verifies_it(territory):
    """A walk-in registered by the village station's dispatcher: after the department's answer, she
    may not verify it herself; the village's grid worker does."""
    t = territory
    case = CaseFactory(district=t.district, center=t.village, grid=t.unit, status=CaseStatus.REPORTED,
                       first_receiver=t.station)
    with pytest.raises(PermissionDeniedError) as refused:
        case_verify(actor=t.station, case=case, passed=True, notes="我登记的")
    assert refused.value.code == "verifier_registered_it" and "首接登记人" in refused.value.message
    case_verify(actor=t.worker, case=case, passed=True, notes="现场核实")
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED
