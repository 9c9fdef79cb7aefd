"""One rule for who sees a matter (`intake.selectors.cases_visible_to`), the same on every page, API
and export: a grid worker sees the matters of the grids she covers, on the intake page as on the
dispatch page, and nothing else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from knox.models import AuthToken

from governance.models import Center, Grid
from intake.choices import Channel
from intake.models import Case
from intake.services import MatterInput, PartyInput, case_register
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


def _registered_in(grid: Grid, title: str):
    return case_register(
        actor=User.objects.get(username="clerk"), center=Center.objects.get(code="QZTS"),
        matter=MatterInput(
            channel=Channel.WALK_IN, category=category("JF02"), title=title, description="邻里噪音", grid=grid,
            parties=[PartyInput(name="王建国", phone="13905958888")]))


def test_a_grid_worker_sees_her_grids_matters_everywhere_and_no_others(client, demo_seeded):
    shangpu = Grid.objects.get(code="350521104203")  # 上浦村
    unit = Grid.objects.get(code="350521104203001")  # the demo grid worker's unit grid
    elsewhere = Grid.objects.filter(level=shangpu.level).exclude(pk=shangpu.pk).first()
    ours = _registered_in(unit, "上浦村邻里噪音")
    theirs = _registered_in(elsewhere, "别村邻里噪音")

    client.login(username="grid", password="demo1234")
    for case, status in ((ours, 200), (theirs, 404)):
        assert client.get(f"/intake/cases/{case.code}/").status_code == status
        assert client.get(f"/dispatch/work/cases/{case.pk}/").status_code == status
    listing = client.get("/intake/cases/").content.decode()
    assert ours.code in listing and theirs.code not in listing

    _instance, token = AuthToken.objects.create(User.objects.get(username="grid"))
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    body = client.get("/api/intake/cases/", **auth).json()
    codes = [row["code"] for row in body["results"]]  # the demo's grid reports are in her grid too
    assert ours.code in codes and theirs.code not in codes
    assert all(Case.objects.get(code=code).grid_id == unit.pk for code in codes)
    assert client.get(f"/api/intake/cases/{theirs.code}/", **auth).status_code == 404


def test_someone_without_a_role_sees_no_matter(client, demo_seeded):
    case = _registered_in(Grid.objects.get(code="350521104203"), "上浦村邻里噪音")
    User.objects.create_user("nobody", password="demo1234")
    client.login(username="nobody", password="demo1234")
    assert client.get(f"/dispatch/work/cases/{case.pk}/").status_code == 404
