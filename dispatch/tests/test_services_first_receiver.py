"""First-receiver responsibility (首接责任制): the clerk who registered a matter revisits and closes it;
the command center may too; another window clerk may not."""

from __future__ import annotations

import pytest

from dispatch import services as svc
from dispatch.services.closing import may_follow_up
from dispatch.tests.factories_work import World, at
from governance.errors import PermissionDeniedError
from governance.tests.factories import UserFactory
from intake.choices import CaseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def _verified(world, clerk):
    return world.case(first_receiver=clerk, status=CaseStatus.VERIFIED, registered_at=at(2025, 9, 22, 9, 7))


def test_the_first_receiver_revisits_and_closes_their_matter(world):
    clerk = UserFactory(username="clerk_a", roles=["window_clerk"])
    case = _verified(world, clerk)
    svc.case_revisit(actor=clerk, case=case, resolved="partly", satisfaction="basic", now=at(2025, 9, 30, 9, 0))
    svc.case_close(actor=clerk, case=case, now=at(2025, 9, 30, 9, 5))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    types = list(case.events.order_by("pk").values_list("type", "actor__username"))
    assert types == [("case.revisited", "clerk_a"), ("case.closed", "clerk_a")]


def test_another_clerk_may_neither_revisit_nor_close(world):
    clerk = UserFactory(username="clerk_a", roles=["window_clerk"])
    other = UserFactory(username="clerk_b", roles=["window_clerk"])
    case = _verified(world, clerk)
    assert not may_follow_up(actor=other, case=case)
    with pytest.raises(PermissionDeniedError, match="首接责任人"):
        svc.case_revisit(actor=other, case=case, resolved="yes", satisfaction="satisfied")
    with pytest.raises(PermissionDeniedError, match="首接责任人"):
        svc.case_record_explanation_call(actor=other, case=case, notes="说明")
    svc.case_revisit(actor=clerk, case=case, resolved="yes", satisfaction="satisfied")
    with pytest.raises(PermissionDeniedError, match="首接责任人"):
        svc.case_close(actor=other, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REVISITED
    assert not case.events.filter(actor=other).exists()


def test_the_duty_director_may_close_any_matter(world):
    clerk = UserFactory(username="clerk_a", roles=["window_clerk"])
    case = _verified(world, clerk)
    assert may_follow_up(actor=world.director, case=case)
    svc.case_revisit(actor=world.director, case=case, resolved="yes", satisfaction="satisfied")
    svc.case_close(actor=world.director, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_a_liaison_may_not_close(world):
    clerk = UserFactory(username="clerk_a", roles=["window_clerk"])
    case = _verified(world, clerk)
    with pytest.raises(PermissionDeniedError):
        svc.case_revisit(actor=world.labour.liaison, case=case, resolved="yes", satisfaction="satisfied")
