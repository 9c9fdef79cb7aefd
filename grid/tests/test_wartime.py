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
    assert micro.pk in worker_grid_ids(worker=keeper)

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
    assert micro.pk not in worker_grid_ids(worker=keeper)
    assert worker_grid_ids(worker=police) == set()
    page = client.get(reverse("grid:grid", args=[t.unit.pk])).content.decode()
    assert "战时增援力量" in page and "data-wartime" not in page  # history kept, banner gone
    assert not Grid.objects.get(pk=micro.pk).active


def test_every_reinforcement_is_released_when_wartime_ends_however_it_was_made(wartime_setup, client):
    """One from the admin's form, one written straight to the table (an import, a shell): both end
    with the wartime, are tied to it, and the grid page shows the release."""
    t, micro, keeper, commander = wartime_setup
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    police = UserFactory(roles=[Role.GRID_WORKER])
    form = {"grid": t.unit.pk, "worker": police.pk, "kind": "reinforcement", "department": t.town_department.pk,
            "starts_on": "2026-11-18", "note": "公安增援"}
    add = reverse("admin:grid_gridassignment_add")
    refused = client.post(add, form)
    assert refused.status_code == 200 and "当前不是战时状态" in refused.content.decode()
    assert not GridAssignment.objects.filter(worker=police).exists()

    mode_declare_wartime(actor=commander, center=t.district, level=2, reason="台风", now=at(2026, 11, 18, 9))
    activation = WartimeActivation.objects.get()
    assert client.post(add, form).status_code == 302
    from_admin = GridAssignment.objects.get(worker=police)
    assert from_admin.activation == activation and from_admin.created_by == root
    militia = UserFactory(roles=[Role.GRID_WORKER])
    by_hand = GridAssignment.objects.create(grid=t.other_unit, worker=militia, kind="reinforcement",
                                            department=t.town_department, starts_on=dt.date(2026, 11, 18))
    later = GridAssignment.objects.create(grid=t.unit, worker=militia, kind="reinforcement",
                                          department=t.town_department, starts_on=dt.date(2026, 11, 20))
    elsewhere = GridFactory(code="350600100203001", name="外区网格")
    outside = GridAssignment.objects.create(grid=elsewhere, worker=militia, kind="reinforcement",
                                            department=t.town_department, starts_on=dt.date(2026, 11, 18))

    mode_end_wartime(actor=commander, center=t.district, reason="解除", now=at(2026, 11, 18, 18))
    for row in (from_admin, by_hand, later, outside):
        row.refresh_from_db()
    assert (from_admin.ends_on, from_admin.activation) == (dt.date(2026, 11, 18), activation)
    assert (by_hand.ends_on, by_hand.activation) == (dt.date(2026, 11, 18), activation)
    assert (later.ends_on, later.activation) == (dt.date(2026, 11, 20), activation)  # in force on no day
    assert (outside.ends_on, outside.activation) == (None, None)  # another district's wartime, not this one
    assert worker_grid_ids(worker=police) == set()
    assert t.unit.pk not in worker_grid_ids(worker=militia) and t.other_unit.pk not in worker_grid_ids(worker=militia)
    client.force_login(t.director)
    page = client.get(reverse("grid:grid", args=[t.other_unit.pk])).content.decode()
    assert "data-released" in page and "战时结束（2026-11-18 18:00）释放" in page
