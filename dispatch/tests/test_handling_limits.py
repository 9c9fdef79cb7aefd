"""退单 within a window and limited extensions (issue 22 items 6 and 7), with the default limits; the
year's settings of the assessment scheme are tested in `review/tests/test_handling_limits.py`."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch import services as svc
from dispatch.choices import AssignmentStatus, ExtensionStatus, StepKind
from dispatch.models import Assignment, DeadlineStep, DeclineRequest, Notification
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError, PermissionDeniedError
from intake.choices import CaseStatus, HandlingMode

pytestmark = pytest.mark.django_db

DISPATCHED = at(2025, 11, 3, 9, 0)  # Monday; the working day runs 08:30-12:00, 14:30-17:30


@pytest.fixture
def world():
    with time_machine.travel(DISPATCHED, tick=False):
        yield World()


def timeline(case) -> list[str]:
    return list(case.events.order_by("occurred_at", "pk").values_list("type", flat=True))


def dispatched(world) -> Assignment:
    (assignment,) = svc.case_dispatch(actor=world.director, case=world.case(), mode=HandlingMode.TRANSFER,
                                      lead_department=world.police, now=DISPATCHED)
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 11, 3, 9, 20))
    return assignment


def live_steps(assignment) -> set[str]:
    return set(DeadlineStep.objects.filter(assignment=assignment, fired_at__isnull=True, cancelled_at__isnull=True)
               .values_list("kind", flat=True))


# --- 退单 -------------------------------------------------------------------------------------------
def test_within_two_working_hours_the_return_stops_the_clock(world):
    assignment = dispatched(world)
    svc.assignment_decline(actor=world.police.liaison, assignment=assignment, reason="非我局职责",
                           now=at(2025, 11, 3, 10, 59))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DECLINED and live_steps(assignment) == set()
    event = assignment.case.events.get(type="assignment.declined")
    assert event.data["late"] is False and event.data["window_ends_at"].startswith("2025-11-03T11:00")
    assert not DeclineRequest.objects.exists()


def test_after_the_window_the_return_is_a_request_and_the_clock_runs_on(world, django_capture_on_commit_callbacks):
    assignment = dispatched(world)
    steps_before = live_steps(assignment)
    assert StepKind.OVERDUE in steps_before
    with django_capture_on_commit_callbacks(execute=True):
        svc.assignment_decline(actor=world.police.liaison, assignment=assignment, reason="应属住建",
                               now=at(2025, 11, 3, 11, 1))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACKNOWLEDGED  # still the department's, clock running
    assert live_steps(assignment) == steps_before
    request = DeclineRequest.objects.get(assignment=assignment)
    assert request.status == ExtensionStatus.PENDING
    event = assignment.case.events.filter(type="assignment.declined").get()
    assert event.data["late"] is True and event.data["clock_runs"] is True and event.actor == world.police.liaison
    assert Notification.objects.filter(recipient=world.director, kind="assignment.decline_requested").exists()
    with pytest.raises(ApplicationError) as twice:
        svc.assignment_decline(actor=world.police.liaison, assignment=assignment, reason="再次",
                               now=at(2025, 11, 3, 11, 5))
    assert twice.value.code == "decline_pending"

    # the duty director refuses: recorded; the department keeps it, nothing else changes
    svc.assignment_rule_decline(actor=world.director, assignment=assignment, accept=False, note="属治安范畴",
                                now=at(2025, 11, 3, 15, 0))
    request.refresh_from_db()
    assignment.refresh_from_db()
    assert (request.status, request.decided_by) == (ExtensionStatus.REFUSED, world.director)
    assert assignment.status == AssignmentStatus.ACKNOWLEDGED and live_steps(assignment) == steps_before
    refused = assignment.case.events.get(type="assignment.decline_refused")
    assert refused.data["late"] is True and refused.actor == world.director

    # asked again, approved and sent to the labour center: the time spent travels with it
    svc.assignment_decline(actor=world.police.liaison, assignment=assignment, reason="确属劳动争议",
                           now=at(2025, 11, 4, 9, 0))
    new = svc.assignment_rule_decline(actor=world.director, assignment=assignment, accept=True,
                                      department=world.labour, note="同意", now=at(2025, 11, 4, 9, 30))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WITHDRAWN and live_steps(assignment) == set()
    assert new.department == world.labour and new.previous_id == assignment.pk
    assert new.spent_working_minutes == assignment.spent_working_minutes == (3 * 60 + 30) + 3 * 60 + 30
    types = timeline(assignment.case)
    assert types[types.index("assignment.declined"):] == [
        "assignment.declined", "assignment.decline_refused", "assignment.declined", "assignment.decline_accepted",
        "assignment.created"]
    accepted = assignment.case.events.get(type="assignment.decline_accepted")
    assert (accepted.data["from_status"], accepted.data["to_status"]) == ("acknowledged", "withdrawn")


def test_a_late_request_approved_without_a_department_goes_back_to_the_board(world):
    assignment = dispatched(world)
    svc.assignment_decline(actor=world.police.liaison, assignment=assignment, reason="非我局",
                           now=at(2025, 11, 5, 9, 0))
    svc.assignment_rule_decline(actor=world.director, assignment=assignment, accept=True, now=at(2025, 11, 5, 10, 0))
    assignment.case.refresh_from_db()
    assert assignment.case.status == CaseStatus.PENDING_DISPATCH


def test_the_pages_show_the_window_and_the_request(world, client):
    assignment = dispatched(world)
    page = reverse("dispatch:work-assignment", args=[assignment.pk])
    with time_machine.travel(at(2025, 11, 3, 10, 0), tick=False):
        client.force_login(world.police.liaison)
        assert "11-03 11:00 前可直接退回" in client.get(page).content.decode()
    with time_machine.travel(at(2025, 11, 3, 11, 30), tick=False):
        assert "退单时限已过" in client.get(page).content.decode()
        client.post(reverse("dispatch:work-assignment-action", args=[assignment.pk, "decline"]), {"reason": "非我局"})
        assert 'data-testid="decline-pending"' in client.get(page).content.decode()
        client.force_login(world.director)
        board = client.get(reverse("dispatch:board")).content.decode()
        assert 'data-testid="decline-request"' in board and assignment.case.code in board
        assert "不同意，继续办理" in client.get(page).content.decode()
        client.post(reverse("dispatch:work-assignment-action", args=[assignment.pk, "rule_decline"]),
                    {"accept": "no", "note": "继续办理"})
    assert DeclineRequest.objects.get().status == ExtensionStatus.REFUSED
    with time_machine.travel(at(2025, 11, 3, 11, 40), tick=False):
        timeline_page = client.get(reverse("dispatch:work-case", args=[assignment.case_id])).content.decode()
    assert timeline_page.count('data-testid="late-decline"') == 2  # the request and its refusal
    assert "理由：非我局" in timeline_page


def test_the_api_answers_a_late_return_and_its_ruling(world):
    assignment = dispatched(world)
    liaison, director = APIClient(), APIClient()
    liaison.force_authenticate(world.police.liaison)
    director.force_authenticate(world.director)
    with time_machine.travel(at(2025, 11, 4, 9, 0), tick=False):
        answer = liaison.post(reverse("dispatch-api:decline", args=[assignment.pk]), {"reason": "非我局"})
        assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
        again = liaison.post(reverse("dispatch-api:decline", args=[assignment.pk]), {"reason": "非我局"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "decline_pending"
        ruled = director.post(reverse("dispatch-api:rule-decline", args=[assignment.pk]), {"accept": False})
        assert ruled.status_code == 200 and ruled.json()["status"] == "acknowledged"
        none_left = director.post(reverse("dispatch-api:rule-decline", args=[assignment.pk]), {"accept": False})
        assert none_left.status_code == 409 and none_left.json()["error"]["code"] == "invalid_transition"


# --- extensions ---------------------------------------------------------------------------------------
def ask(world, assignment, due, when):
    return svc.assignment_request_extension(actor=world.police.liaison, assignment=assignment, reason="需鉴定",
                                            requested_due_at=due, now=when)


def test_two_extensions_by_the_duty_director_the_third_goes_to_the_commander(world, django_capture_on_commit_callbacks):
    assignment = dispatched(world)
    assert assignment.due_at == at(2025, 11, 12, 23, 59, 59)
    first = ask(world, assignment, at(2025, 11, 14, 23, 59, 59), at(2025, 11, 4, 9, 0))
    assert not first.needs_commander
    svc.extension_decide(actor=world.director, extension=first, approve=True, now=at(2025, 11, 4, 10, 0))
    assignment.refresh_from_db()
    second = ask(world, assignment, at(2025, 11, 18, 23, 59, 59), at(2025, 11, 5, 9, 0))
    svc.extension_decide(actor=world.director, extension=second, approve=True, now=at(2025, 11, 5, 10, 0))
    assignment.refresh_from_db()
    assert assignment.extension_count == 2
    with django_capture_on_commit_callbacks(execute=True):
        third = ask(world, assignment, at(2025, 11, 19, 23, 59, 59), at(2025, 11, 6, 9, 0))
    assert third.needs_commander
    requested = assignment.case.events.filter(type="assignment.extension_requested").order_by("-pk").first()
    assert requested.data["needs_commander"] is True and requested.data["extensions_granted"] == 2
    assert Notification.objects.filter(recipient=world.commander, kind="extension.requested").exists()
    with pytest.raises(PermissionDeniedError) as refused:
        svc.extension_decide(actor=world.director, extension=third, approve=True, now=at(2025, 11, 6, 10, 0))
    assert refused.value.code == "extension_needs_commander"
    assert "最多延期 2 次" in refused.value.message and "须由指挥长或副指挥长审批" in refused.value.message
    with pytest.raises(PermissionDeniedError):  # nor refuse it: the commander decides
        svc.extension_decide(actor=world.director, extension=third, approve=False, now=at(2025, 11, 6, 10, 0))
    svc.extension_decide(actor=world.commander, extension=third, approve=True, note="特批", now=at(2025, 11, 6, 11, 0))
    assignment.refresh_from_db()
    assert assignment.extension_count == 3 and assignment.due_at == at(2025, 11, 19, 23, 59, 59)
    approved = assignment.case.events.filter(type="assignment.extension_approved").order_by("-pk").first()
    assert approved.actor == world.commander and approved.data["beyond_limits"] is True
