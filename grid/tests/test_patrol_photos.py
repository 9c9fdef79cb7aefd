"""Patrol photos are served only through a permission-checked view and shown on the patrol page:
to its worker, the leaders of its grid (or a grid above it) and the center; 404 for anyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.roles import Role
from governance.tests.factories import UserFactory
from grid.choices import LeaderRole
from grid.models import GridLeader, PatrolPhoto
from grid.services import patrol_finish, patrol_start
from grid.tests.test_services import PNG, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(territory):
    t = territory
    patrol = patrol_start(actor=t.worker, grid=t.unit, route_notes="村委会—旧粮仓")
    patrol_finish(actor=t.worker, patrol=patrol, route_notes="挡土墙开裂", photos=[photo("wall.png")])
    return patrol, PatrolPhoto.objects.get(patrol=patrol)


def _allowed(client, user, patrol, shot) -> None:
    client.force_login(user)
    page = client.get(reverse("grid:patrol", args=[patrol.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("grid:patrol-photo", args=[shot.pk]) in html and "挡土墙开裂" in html
    served = client.get(reverse("grid:patrol-photo", args=[shot.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Cache-Control"] == "private, no-store" and "sandbox" in served["Content-Security-Policy"]
    assert served["Content-Disposition"].startswith("inline")


def test_the_worker_the_grid_leaders_and_the_center_see_the_photos(client, territory, finished):
    t = territory
    patrol, shot = finished
    _allowed(client, t.worker, patrol, shot)  # on the phone layout, linked from "my grids"
    assert reverse("grid:patrol", args=[patrol.pk]) in client.get(reverse("grid:home")).content.decode()
    village_leader = UserFactory(roles=[Role.GRID_WORKER])
    GridLeader.objects.create(grid=t.village_grid, role=LeaderRole.LEADER, name="何建华", user=village_leader)
    _allowed(client, village_leader, patrol, shot)
    unit_deputy = UserFactory(roles=[])
    GridLeader.objects.create(grid=t.unit, role=LeaderRole.DEPUTY, name="王副", user=unit_deputy)
    _allowed(client, unit_deputy, patrol, shot)
    _allowed(client, t.station, patrol, shot)  # the center's people read the grid pages
    grid_page = client.get(reverse("grid:grid", args=[t.unit.pk])).content.decode()
    assert reverse("grid:patrol", args=[patrol.pk]) in grid_page


def test_everyone_else_gets_404_and_media_is_not_served(client, territory, finished):
    t = territory
    patrol, shot = finished
    other_leader = UserFactory(roles=[Role.GRID_WORKER])
    GridLeader.objects.create(grid=t.other_unit, role=LeaderRole.LEADER, name="别人", user=other_leader)
    name_only = GridLeader.objects.create(grid=t.unit, role=LeaderRole.LEADER, name="无账号")
    assert name_only.user is None
    for user in (t.other_worker, other_leader, t.town_liaison, UserFactory(roles=[Role.DEPARTMENT_HANDLER])):
        client.force_login(user)
        assert client.get(reverse("grid:patrol", args=[patrol.pk])).status_code == 404
        assert client.get(reverse("grid:patrol-photo", args=[shot.pk])).status_code == 404
    assert client.get(reverse("grid:patrol-photo", args=[shot.pk + 999])).status_code == 404
    client.logout()
    assert client.get(reverse("grid:patrol-photo", args=[shot.pk])).status_code == 302  # to the login page
    assert client.get("/media/" + shot.file.name).status_code == 404
