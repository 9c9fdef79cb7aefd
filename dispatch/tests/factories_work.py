"""Factories for dispatch work tests: the organization a matter needs, matters, assignments, summons."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from dispatch.models import CommandAssignment, DeadlinePolicy, RoutingRule
from governance.models import Center, Department, Grid, Profile
from governance.tests.factories import RoleUserFactory
from intake.choices import CaseStatus, Channel
from intake.models import Case, Category
from intake.tests.factories import CenterFactory

TZ = dt.timezone(dt.timedelta(hours=8))


def at(*args: int) -> dt.datetime:
    """An aware local (Asia/Shanghai) datetime."""
    return dt.datetime(*args, tzinfo=TZ)


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    code = factory.Sequence(lambda n: f"35052199{n:04d}")
    name = factory.Sequence(lambda n: f"上浦村第{n}网格")
    level = "unit"


class UserFactory(RoleUserFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"worker{n}")
    first_name = "建国"
    last_name = "王"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")

    @factory.post_generation
    def profile(self, create: bool, extracted: dict | None, **kwargs: object) -> None:
        if extracted is not None:
            Profile.objects.update_or_create(user=self, defaults={"phone": "13905950000", **extracted})


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"部门{n}")
    short_code = factory.Sequence(lambda n: f"D{n}")
    residency = "rotating"

    class Params:
        with_people = factory.Trait(
            liaison=factory.SubFactory(UserFactory, roles=["department_liaison"]),
            leader_in_charge=factory.SubFactory(UserFactory, roles=["leader"]),
        )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"W{n:03d}")
    name = factory.Sequence(lambda n: f"类别{n}")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    district = factory.SubFactory(CenterFactory)
    center = factory.SelfAttribute("district")
    code = factory.Sequence(lambda n: f"QZTS-2025-W{n:06d}")
    year = 2025
    sequence = factory.Sequence(lambda n: 100000 + n)
    channel = Channel.WALK_IN
    category = factory.SubFactory(CategoryFactory)
    title = "上浦村工地拖欠工资"
    description = "十二名工人反映工地拖欠工资。"
    first_receiver = factory.SubFactory(UserFactory, roles=["window_clerk"])
    registered_at = factory.LazyFunction(timezone.now)
    status = CaseStatus.PENDING_DISPATCH


class DeadlinePolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeadlinePolicy

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"时限{n}")


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    center = factory.SubFactory(CenterFactory)
    department = factory.SubFactory(DepartmentFactory)


def commander_for(center: Center, user: User, *, role: str = "commander") -> CommandAssignment:
    return CommandAssignment.objects.create(center=center, role=role, user=user, valid_from=dt.date(2020, 1, 1))


class World:
    """The demo district of SCENARIOS.md, small: a center, three departments with liaison and leader
    in charge, the duty director, a dispatcher, the commander, a deputy commander, a grid worker."""

    def __init__(self) -> None:
        self.center = CenterFactory()
        self.town_grid = GridFactory(level="town", name="洛阳镇", code="350521100000")
        self.grid = GridFactory(parent=self.town_grid, town=self.town_grid)
        self.labour = DepartmentFactory(center=self.center, name="劳动保障维权服务中心", short_code="LDBZ",
                                        with_people=True)
        self.zgj = DepartmentFactory(center=self.center, name="资规建交局", short_code="ZGJ", with_people=True)
        self.police = DepartmentFactory(center=self.center, name="公安分局", short_code="GA", with_people=True)
        self.town = DepartmentFactory(center=self.center, name="洛阳镇人民政府", short_code="LYZ",
                                      with_people=True, is_territory=True)
        for dept in (self.labour, self.zgj, self.police, self.town):
            Profile.objects.update_or_create(user=dept.liaison, defaults={"center": self.center, "department": dept})
        self.handler = UserFactory(username="labour_handler", roles=["department_handler"],
                                   profile={"center": self.center, "department": self.labour})
        self.director = UserFactory(username="director", roles=["duty_director"], profile={"center": self.center})
        self.dispatcher = UserFactory(username="dispatcher1", roles=["dispatcher"], profile={"center": self.center})
        self.commander = UserFactory(username="commander", roles=["commander"], profile={"center": self.center})
        self.deputy = UserFactory(username="deputy", roles=["deputy_commander"], profile={"center": self.center})
        commander_for(self.center, self.commander)
        commander_for(self.center, self.deputy, role="deputy_commander")
        self.grid_worker = UserFactory(username="gridworker", roles=["grid_worker"], profile={"center": self.center})
        from guardian.shortcuts import assign_perm

        assign_perm("governance.view_grid", self.grid_worker, self.grid)
        self.category = CategoryFactory(code="LDZY", name="劳动争议")

    def case(self, **kwargs: object) -> Case:
        kwargs.setdefault("district", self.center)
        kwargs.setdefault("center", self.center)
        kwargs.setdefault("category", self.category)
        kwargs.setdefault("grid", self.grid)
        kwargs.setdefault("town", self.town_grid)
        return CaseFactory(**kwargs)
