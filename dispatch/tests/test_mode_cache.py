"""Registration reads the mode in force from the cache; a switch reaches the next registration."""

from __future__ import annotations

import pytest

from dispatch import services
from dispatch.tests.conftest import at
from governance.roles import Role
from governance.tests.factories import UserFactory
from intake.tests.test_services_case import register


@pytest.mark.django_db(transaction=True)
def test_a_mode_switch_reaches_the_next_registration(center, commander, django_assert_num_queries):
    clerk = UserFactory(roles=[Role.WINDOW_CLERK], profile={"center": center})
    assert register(clerk, center).operating_mode == "normal"
    services.mode_declare_wartime(actor=commander, center=center, level=2, reason="台风登陆", now=at(2025, 9, 24, 8))
    assert register(clerk, center).operating_mode == "wartime"
    services.mode_end_wartime(actor=commander, center=center, reason="台风过境", now=at(2025, 9, 25, 8))
    assert register(clerk, center).operating_mode == "normal"


@pytest.mark.django_db
def test_a_switch_in_the_same_transaction_is_seen_at_once(center, commander):
    clerk = UserFactory(roles=[Role.WINDOW_CLERK], profile={"center": center})
    assert register(clerk, center).operating_mode == "normal"  # cached
    services.mode_declare_wartime(actor=commander, center=center, level=2, reason="台风登陆", now=at(2025, 9, 24, 8))
    assert register(clerk, center).operating_mode == "wartime"
