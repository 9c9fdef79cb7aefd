"""A small territory: district > town > village > unit grid, a center at each level, a grid
worker of the unit grid, the village station, the town sub-center with one department."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from governance.choices import CenterLevel, GridLevel
from governance.models import Center, Department, Grid
from governance.roles import Role
from governance.tests.factories import CenterFactory, DepartmentFactory, GridFactory, UserFactory
from grid.services import grid_assignment_start
from intake.tests.factories import category

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Territory:
    district: Center
    town: Center
    village: Center
    district_grid: Grid
    town_grid: Grid
    village_grid: Grid
    unit: Grid
    other_unit: Grid
    worker: User
    other_worker: User
    station: User
    town_dispatcher: User
    town_department: Department
    town_liaison: User
    director: User


@pytest.fixture
def today():
    with time_machine.travel(at(2026, 11, 18, 9), tick=False):
        yield timezone.localdate()


@pytest.fixture
def territory(db, today) -> Territory:
    category("JF10")
    district_grid = GridFactory(code="350599", name="测试区", level=GridLevel.DISTRICT)
    town_grid = GridFactory(code="350599100", name="洛阳镇", level=GridLevel.TOWN, parent=district_grid)
    village_grid = GridFactory(code="350599100203", name="上浦村", level=GridLevel.VILLAGE, parent=town_grid,
                               town=town_grid)
    unit = GridFactory(code="350599100203001", name="上浦村第1网格", parent=village_grid, town=town_grid)
    other_unit = GridFactory(code="350599100203002", name="上浦村第2网格", parent=village_grid, town=town_grid)
    district = CenterFactory(code="QZX", level=CenterLevel.DISTRICT, territory=district_grid)
    town = CenterFactory(code="350599100", level=CenterLevel.TOWN, parent=district, district=district,
                         territory=town_grid, name="洛阳镇综治中心")
    village = CenterFactory(code="350599100203", level=CenterLevel.VILLAGE, parent=town, district=district,
                            territory=village_grid, name="上浦村综治站")
    admin = UserFactory(roles=[Role.ADMINISTRATOR], profile={"center": district})
    worker = UserFactory(username="hyq", roles=[Role.GRID_WORKER], profile={"center": village})
    other_worker = UserFactory(roles=[Role.GRID_WORKER], profile={"center": village})
    grid_assignment_start(actor=admin, grid=unit, worker=worker, starts_on=dt.date(2026, 1, 1))
    grid_assignment_start(actor=admin, grid=other_unit, worker=other_worker, starts_on=dt.date(2026, 1, 1))
    town_department = DepartmentFactory(center=town, name="洛阳镇规划建设办", short_code="LYGH")
    town_liaison = UserFactory(roles=[Role.DEPARTMENT_LIAISON], profile={"center": town, "department": town_department})
    Department.objects.filter(pk=town_department.pk).update(liaison=town_liaison)
    return Territory(
        district=district, town=town, village=village, district_grid=district_grid, town_grid=town_grid,
        village_grid=village_grid, unit=unit, other_unit=other_unit, worker=worker, other_worker=other_worker,
        station=UserFactory(roles=[Role.DISPATCHER], profile={"center": village}),
        town_dispatcher=UserFactory(roles=[Role.DUTY_DIRECTOR], profile={"center": town}),
        town_department=town_department, town_liaison=town_liaison,
        director=UserFactory(roles=[Role.DUTY_DIRECTOR], profile={"center": district}),
    )
