"""Wartime in the grid: micro-grids active with their responsible people, reinforcements for the
duration, released at the end; both recorded and shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dispatch.services import mode_declare_wartime, mode_end_wartime
from governance.errors import ApplicationError
from governance.models import Grid
from governance.roles import Role
from governance.tests.factories import GridFactory, UserFactory
from grid.models import GridAssignment, WartimeActivation
from grid.selectors import worker_grid_ids
from grid.services.wartime import grid_reinforcement_assign
from grid.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def wartime_setup(territory):
    t = territory
    micro = GridFactory(code="35059910020300101", name="上浦村第1网格第1责任网格", level="micro", parent=t.unit,
                        town=t.town_grid, active=False)
    keeper = UserFactory(roles=[Role.GRID_WORKER])
    GridAssignment.objects.create(grid=micro, worker=keeper, starts_on=dt.date(2026, 1, 1), wartime_only=True,
                                  note="战时责任人")
    commander = UserFactory(roles=[Role.COMMANDER], profile={"center": t.district})
    return t, micro, keeper, commander


def test_wartime_activates_micro_grids_and_releases_reinforcements(wartime_setup, client):
    t, micro, keeper, commander = wartime_setup
    assert worker_grid_ids(worker=keeper) == set()
    with pytest.raises(ApplicationError, match="不是战时"):
        grid_reinforcement_assign(actor=t.director, grid=t.unit, worker=keeper, department=t.town_department)

    mode = mode_declare_wartime(actor=commander, center=t.district, level=2, reason="台风", now=at(2026, 11, 18, 9))
    activation = WartimeActivation.objects.get(mode=mode)
    assert activation.activated_grid_ids == [micro.pk]
    micro.refresh_from_db()
    assert micro.active
    keeper.refresh_from_db()
    assert micro.pk in worker_grid_ids(worker=keeper) and keeper.has_perm("governance.view_grid", micro)

    police = UserFactory(roles=[Role.GRID_WORKER])
    reinforcement = grid_reinforcement_assign(actor=t.director, grid=t.unit, worker=police,
                                              department=t.town_department, now=at(2026, 11, 18, 10))
    assert t.unit.pk in worker_grid_ids(worker=police)
    client.force_login(t.director)
    page = client.get(reverse("grid:grid", args=[t.unit.pk])).content.decode()
    assert "战时增援力量" in page and "data-wartime" in page

    mode_end_wartime(actor=commander, center=t.district, reason="解除", now=at(2026, 11, 18, 18))
    activation.refresh_from_db()
    reinforcement.refresh_from_db()
    micro.refresh_from_db()
    assert activation.ended_at == at(2026, 11, 18, 18) and not micro.active
    assert reinforcement.ends_on == dt.date(2026, 11, 18)
    police.refresh_from_db()
    keeper.refresh_from_db()
    assert not keeper.has_perm("governance.view_grid", micro)
    assert worker_grid_ids(worker=police) == set() and not police.has_perm("governance.view_grid", t.unit)
    page = client.get(reverse("grid:grid", args=[t.unit.pk])).content.decode()
    assert "战时增援力量" in page and "data-wartime" not in page  # history kept, banner gone
    assert not Grid.objects.get(pk=micro.pk).active
