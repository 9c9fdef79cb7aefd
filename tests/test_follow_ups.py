"""The clerk's home lists the matters they still owe as first receiver (首接责任制)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dispatch.tests.factories_work import World
from governance.navigation import home_panels_for
from governance.tests.factories import UserFactory
from intake.choices import CaseStatus

pytestmark = pytest.mark.django_db


def test_follow_ups_due_on_the_clerks_home(client):
    world = World()
    clerk = UserFactory(username="clerk_a", roles=["window_clerk"], profile={"center": world.center})
    other = UserFactory(username="clerk_b", roles=["window_clerk"], profile={"center": world.center})
    to_revisit = world.case(first_receiver=clerk, status=CaseStatus.VERIFIED, title="待回访的一件")
    to_close = world.case(first_receiver=clerk, status=CaseStatus.REVISITED, title="待办结的一件")
    world.case(first_receiver=clerk, status=CaseStatus.IN_PROGRESS, title="部门在办的一件")
    world.case(first_receiver=other, status=CaseStatus.VERIFIED, title="别人的一件")
    assert [p["template"] for p in home_panels_for(clerk)] == ["intake/_follow_ups.html"]
    assert home_panels_for(world.director) == []
    client.force_login(clerk)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="follow-ups"' in html
    assert to_revisit.code in html and to_close.code in html
    assert "部门在办的一件" not in html and "别人的一件" not in html
    assert reverse("dispatch:work-case", args=[to_revisit.pk]) in html
    detail = client.get(reverse("intake:case_detail", args=[to_close.code])).content.decode()
    assert 'data-testid="work-link"' in detail and "办结" in detail
