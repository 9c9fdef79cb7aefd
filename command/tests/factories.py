"""Factories of the command side of review: the demo district of story 7 (东园镇, 阳光社区) on top
of dispatch's World, and matters placed in time."""

from __future__ import annotations

import datetime as dt

from dispatch.tests.factories_work import World
from governance.models import Profile
from governance.tests.factories import DepartmentFactory, GridFactory, UserFactory
from intake.models import Case, CaseParty, Party
from intake.tests.factories import CategoryFactory, valid_id_number

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=TZ)  # a Wednesday


class CommandWorld(World):
    """One town with two communities (two unit grids per community), 噪音 and 邻里 categories,
    the town of 东园镇 as a territory department, and a read-only leader."""

    def __init__(self) -> None:
        super().__init__()
        self.dongyuan = GridFactory(level="town", name="东园镇", code="350521105000", town=None, parent=None)
        self.sunshine = GridFactory(level="village", name="阳光社区", code="350521105001",
                                    parent=self.dongyuan, town=self.dongyuan)
        self.seaside = GridFactory(level="village", name="海滨社区", code="350521105002",
                                   parent=self.dongyuan, town=self.dongyuan)
        self.units = {
            village.pk: [GridFactory(level="unit", name=f"{village.name}第{i}网格", code=f"{village.code}{i:03d}",
                                     parent=village, town=self.dongyuan) for i in (1, 2)]
            for village in (self.sunshine, self.seaside)
        }
        self.noise = CategoryFactory(code="ZY01", name="噪音")
        self.neighbours = CategoryFactory(code="LL01", name="邻里")
        self.dongyuan_town = DepartmentFactory(center=self.center, name="东园镇人民政府", short_code="DYZ",
                                               with_people=True, is_territory=True)
        Profile.objects.update_or_create(user=self.dongyuan_town.liaison,
                                         defaults={"center": self.center, "department": self.dongyuan_town})
        self.leader = UserFactory(username="leader1", roles=["leader"], profile={"center": self.center})

    def matter(self, *, village=None, unit: int = 0, category=None, at: dt.datetime, **kwargs: object) -> Case:
        village = village or self.sunshine
        return self.case(grid=self.units[village.pk][unit], town=self.dongyuan, category=category or self.noise,
                         registered_at=at, **kwargs)


def applicant(case: Case, party: Party) -> None:
    CaseParty.objects.create(case=case, party=party, role="applicant", is_spokesman=True)


def person(name: str = "王建国", phone: str = "13800000001", id_number: str | None = None) -> Party:
    return Party.objects.create(name=name, phone=phone, id_number=id_number if id_number is not None
                                else valid_id_number(order=7))


def ordinary_weeks(world: CommandWorld, *, weeks: int = 9, now: dt.datetime = NOW) -> list[Case]:
    """Ordinary life: each community registers one 噪音 and one 邻里 matter a week, on varying days,
    for the last `weeks` weeks (this week included)."""
    made = []
    for week in range(weeks):
        for i, village in enumerate((world.sunshine, world.seaside)):
            for j, category in enumerate((world.noise, world.neighbours)):
                at = now - dt.timedelta(weeks=week, days=(i + j + week) % 6, hours=1)
                made.append(world.matter(village=village, unit=(week + j) % 2, category=category, at=at,
                                         address=f"{village.name}{week}{i}{j}号"))
    return made
