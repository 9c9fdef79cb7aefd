"""The year's handling limits set with the assessment scheme (考核办法（年度）) and read by dispatch through
its hook `handling_limits` (issue 22 items 6 and 7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch import services as svc
from dispatch.choices import AssignmentStatus
from dispatch.tests.factories_work import World, at
from dispatch.tests.test_handling_limits import DISPATCHED, ask, dispatched
from governance.errors import PermissionDeniedError
from review.models import AssessmentScheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with time_machine.travel(DISPATCHED, tick=False):
        yield World()


def test_the_window_is_set_per_year_with_the_assessment_scheme(world):
    AssessmentScheme.objects.create(center=world.center, year=2025, decline_window_working_hours=Decimal(8))
    AssessmentScheme.objects.create(center=world.center, year=2026, decline_window_working_hours=Decimal("0.5"))
    assignment = dispatched(world)
    # 8 working hours from Monday 09:00: Tuesday 10:30 (the 2026 scheme does not apply)
    svc.assignment_decline(actor=world.police.liaison, assignment=assignment, reason="非我局",
                           now=at(2025, 11, 4, 10, 0))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DECLINED


def test_more_working_days_than_the_year_allows_go_to_the_commander_unless_less_is_granted(world):
    AssessmentScheme.objects.create(center=world.center, year=2025, extension_max_count=5,
                                    extension_max_working_days=10)
    assignment = dispatched(world)
    # 11-12 → 11-27: 11 working days
    long = ask(world, assignment, at(2025, 11, 27, 23, 59, 59), at(2025, 11, 4, 9, 0))
    assert long.needs_commander
    with pytest.raises(PermissionDeniedError) as refused:
        svc.extension_decide(actor=world.director, extension=long, approve=True, now=at(2025, 11, 4, 10, 0))
    assert "累计不超过 10 个工作日" in refused.value.message and "本次 11 个工作日" in refused.value.message
    # the duty director may grant less, within the limits
    svc.extension_decide(actor=world.director, extension=long, approve=True, new_due_at=at(2025, 11, 26, 23, 59, 59),
                         now=at(2025, 11, 4, 10, 0))
    assignment.refresh_from_db()
    assert assignment.due_at == at(2025, 11, 26, 23, 59, 59)


def test_the_api_refuses_the_duty_director_beyond_the_limits_in_chinese(world):
    AssessmentScheme.objects.create(center=world.center, year=2025, extension_max_count=0)
    assignment = dispatched(world)
    liaison, director = APIClient(), APIClient()
    liaison.force_authenticate(world.police.liaison)
    director.force_authenticate(world.director)
    with time_machine.travel(at(2025, 11, 4, 9, 0), tick=False):
        asked = liaison.post(reverse("dispatch-api:extension", args=[assignment.pk]),
                             {"reason": "需鉴定", "requested_due_at": "2025-11-13T23:59:00+08:00"})
        assert asked.status_code == 200, asked.content
        assert asked.json()["needs_commander"] is True
        decided = director.post(reverse("dispatch-api:extension-decide", args=[asked.json()["id"]]), {"approve": True})
    assert decided.status_code == 403
    assert decided.json()["error"]["code"] == "extension_needs_commander"
    assert "须由指挥长或副指挥长审批" in decided.json()["error"]["message"]
