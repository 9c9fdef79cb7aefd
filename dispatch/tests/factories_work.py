"""The small world of the dispatch work tests (a center, departments with people, a grid), built from
the owning apps' factories."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User

from dispatch.models import CommandAssignment
from governance.models import Center, Profile
from governance.tests.factories import CenterFactory, DepartmentFactory, GridFactory, UserFactory
from intake.choices import CaseStatus
from intake.models import Case
from intake.tests.factories import CaseFactory, CategoryFactory

TZ = dt.timezone(dt.timedelta(hours=8))
PHONE = "13905950000"


def at(*args: int) -> dt.datetime:
    """An aware local (Asia/Shanghai) datetime."""
    return dt.datetime(*args, tzinfo=TZ)


def commander_for(center: Center, user: User, *, role: str = "commander") -> CommandAssignment:
    return CommandAssignment.objects.create(center=center, role=role, user=user, valid_from=dt.date(2020, 1, 1))


class World:
    """The demo district of SCENARIOS.md, small: a center, three departments with liaison and leader
    in charge, the duty director, a dispatcher, the commander, a deputy commander, a grid worker."""

    def __init__(self) -> None:
        self.center = CenterFactory(quanzhou=True)
        self.town_grid = GridFactory(level="town", name="洛阳镇", code="350521100000")
        self.grid = GridFactory(parent=self.town_grid, town=self.town_grid)
        self.labour = DepartmentFactory(center=self.center, name="劳动保障维权服务中心", short_code="LDBZ",
                                        rotating=True, with_people=True)
        self.zgj = DepartmentFactory(center=self.center, name="资规建交局", short_code="ZGJ", rotating=True, with_people=True)
        self.police = DepartmentFactory(center=self.center, name="公安分局", short_code="GA", rotating=True, with_people=True)
        self.town = DepartmentFactory(center=self.center, name="洛阳镇人民政府", short_code="LYZ",
                                      rotating=True, with_people=True, is_territory=True)
        for dept in (self.labour, self.zgj, self.police, self.town):
            Profile.objects.update_or_create(user=dept.liaison, defaults={"center": self.center, "department": dept, "phone": PHONE})
        self.handler = UserFactory(username="labour_handler", roles=["department_handler"],
                                   profile={"center": self.center, "department": self.labour, "phone": PHONE})
        self.director = UserFactory(username="director", roles=["duty_director"], profile={"center": self.center, "phone": PHONE})
        self.dispatcher = UserFactory(username="dispatcher1", roles=["dispatcher"], profile={"center": self.center, "phone": PHONE})
        self.commander = UserFactory(username="commander", roles=["commander"], profile={"center": self.center, "phone": PHONE})
        self.deputy = UserFactory(username="deputy", roles=["deputy_commander"], profile={"center": self.center, "phone": PHONE})
        commander_for(self.center, self.commander)
        commander_for(self.center, self.deputy, role="deputy_commander")
        self.grid_worker = UserFactory(username="gridworker", roles=["grid_worker"], profile={"center": self.center, "phone": PHONE})
        self.grid.worker_assignments.create(worker=self.grid_worker, starts_on=dt.date(2020, 1, 1))
        self.category = CategoryFactory(code="LDZY", name="劳动争议")

    def case(self, **kwargs: object) -> Case:
        kwargs.setdefault("district", self.center)
        kwargs.setdefault("center", self.center)
        kwargs.setdefault("category", self.category)
        kwargs.setdefault("grid", self.grid)
        kwargs.setdefault("town", self.town_grid)
        kwargs.setdefault("status", CaseStatus.PENDING_DISPATCH)
        return CaseFactory(**kwargs)
