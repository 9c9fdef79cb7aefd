"""Factories of the center's organization."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from governance.choices import CenterLevel, GridLevel, Residency
from governance.models import Center, Department, Grid, Profile, ServiceWindow


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center

    name = factory.Sequence(lambda n: f"测试中心{n}")
    code = factory.Sequence(lambda n: f"T{n:05d}")
    level = CenterLevel.DISTRICT


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    code = factory.Sequence(lambda n: f"35052110420{n:04d}")
    name = factory.Sequence(lambda n: f"测试网格{n}")
    level = GridLevel.UNIT


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"测试部门{n}")
    short_code = factory.Sequence(lambda n: f"D{n}")
    residency = Residency.ON_CALL


class ServiceWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceWindow

    center = factory.SubFactory(CenterFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = "综合受理"


class RoleUserFactory(factory.django.DjangoModelFactory):
    """A user; `roles=[Role.WINDOW_CLERK, ...]` puts them in those groups. Each app's tests add
    the profile their fixtures need."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create or not extracted:
            return
        self.groups.add(*(Group.objects.get_or_create(name=str(role))[0] for role in extracted))


class UserFactory(RoleUserFactory):
    """A user with a profile (a phone by default; `profile={...}` for more)."""

    last_name = "测"
    first_name = factory.Sequence(lambda n: f"试{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def profile(self, create: bool, extracted: dict | None, **kwargs: object) -> None:
        if not create:
            return
        values = {"phone": "13800000000", **(extracted or {})}
        Profile.objects.update_or_create(user=self, defaults=values)
        self.save()
