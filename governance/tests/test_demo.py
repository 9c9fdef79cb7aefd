"""The demo district: complete, and idempotent."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from governance.choices import CenterLevel, GridLevel, Residency
from governance.demo import USERS
from governance.models import Center, Department, Grid, Profile, ServiceWindow, Stationing
from governance.roles import Role

pytestmark = pytest.mark.django_db

MODELS = (Center, Department, Grid, Profile, ServiceWindow, Stationing, User)


def _snapshot() -> dict[str, object]:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS
    } | {"passwords": sorted(User.objects.values_list("password", flat=True))}


def test_seed_demo_builds_the_district_of_the_seeds():
    call_command("seed_demo", verbosity=0)
    district = Center.objects.get(code="QZTS")
    assert district.level == CenterLevel.DISTRICT
    assert Center.objects.filter(level=CenterLevel.TOWN, district=district).count() == 4
    assert Center.objects.filter(level=CenterLevel.VILLAGE).count() == 78
    assert Grid.objects.get(code="350521104203").name == "上浦村"
    assert Grid.objects.get(code="350521105010").name == "阳光社区"
    assert Grid.objects.get(code="350521106207").town.name == "张坂镇"
    assert Grid.objects.filter(level=GridLevel.UNIT, parent__code="350521104203").count() == 2
    # seed 000 一: residency modes, and the nine duty-director departments of 一(四)
    assert set(Department.objects.filter(residency=Residency.PERMANENT).values_list("short_code", flat=True)) == {
        "FYXF", "LDWQ", "WGH"}
    assert Department.objects.filter(residency=Residency.ROTATING).count() == 7
    assert Department.objects.filter(supplies_duty_directors=True).count() == 9
    windows = list(ServiceWindow.objects.filter(kind="fixed").order_by("number").values_list("name", flat=True))
    assert windows == ["信访", "法律援助", "劳动监察", "争议仲裁", "工伤认定", "综合受理"]
    roles_held = set(User.objects.values_list("groups__name", flat=True))
    assert set(Role.values) <= roles_held  # one demo user per role at least
    assert Department.objects.get(short_code="ZGJ").liaison.username == "liaison_zgj"
    assert User.objects.get(username="clerk").check_password("demo1234")
    assert set(User.objects.values_list("username", flat=True)) >= {u.username for u in USERS}


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", verbosity=0)
    clerk = User.objects.get(username="clerk")
    clerk.set_password("changed-by-admin")
    clerk.save()
    before = _snapshot()
    call_command("seed_demo", verbosity=0)
    assert _snapshot() == before
    assert User.objects.get(username="clerk").check_password("changed-by-admin")
