"""Factories of the center's organization: one per model, with traits for the variants. Other apps'
tests import these (each app's factories cover only the models it owns)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from governance.choices import CenterLevel, GridLevel, Residency
from governance.models import Center, Department, Grid, Profile, ServiceWindow


class CenterFactory(factory.django.DjangoModelFactory):
    """A district center; `quanzhou=True` is the demo district (QZTS), the same row every time."""

    class Meta:
        model = Center
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试中心{n}")
    code = factory.Sequence(lambda n: f"T{n:05d}")
    level = CenterLevel.DISTRICT

    class Params:
        quanzhou = factory.Trait(
            name="泉州台商投资区社会治理中心", code="QZTS", phone="0595-87000000",
            address="泉州台商投资区行政服务中心一楼",
        )


class GridFactory(factory.django.DjangoModelFactory):
    """A unit grid; `in_town=True` hangs it under a new town (洛阳镇), `inactive=True` retires it."""

    class Meta:
        model = Grid

    code = factory.Sequence(lambda n: f"35052110{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}网格")
    level = GridLevel.UNIT

    class Params:
        in_town = factory.Trait(
            town=factory.SubFactory(
                "governance.tests.factories.GridFactory", level=GridLevel.TOWN, name="洛阳镇",
                code=factory.Sequence(lambda n: f"350521100{n:03d}"),
            ),
            parent=factory.SelfAttribute("town"),
        )
        inactive = factory.Trait(active=False)


class UserFactory(factory.django.DjangoModelFactory):
    """A user. `roles=[Role.WINDOW_CLERK, ...]` puts them in those groups; `profile={...}` (or
    `profile__phone=...`) gives them a profile; `center=` a profile at that center. Without either,
    no profile."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "测"
    first_name = factory.Sequence(lambda n: f"试{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create or not extracted:
            return
        self.groups.add(*(Group.objects.get_or_create(name=str(role))[0] for role in extracted))

    @factory.post_generation
    def profile(self, create: bool, extracted: dict | None, **kwargs: object) -> None:
        if create and (extracted is not None or kwargs):
            Profile.objects.update_or_create(user=self, defaults={**(extracted or {}), **kwargs})

    @factory.post_generation
    def center(self, create: bool, extracted: Center | None, **kwargs: object) -> None:
        if create and extracted is not None:
            profile, created = Profile.objects.get_or_create(user=self, defaults={"center": extracted,
                                                                                  "phone": "13905950000"})
            if not created:
                Profile.objects.filter(pk=profile.pk).update(center=extracted)
        self.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    """An on-call department; `rotating=True` stations by rota, `duty_supplier=True` also supplies duty
    directors; `with_people=True` gives it a liaison and a leader in charge."""

    class Meta:
        model = Department

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"测试部门{n}")
    short_code = factory.Sequence(lambda n: f"D{n:03d}")
    residency = Residency.ON_CALL

    class Params:
        rotating = factory.Trait(residency=Residency.ROTATING)
        duty_supplier = factory.Trait(rotating=True, supplies_duty_directors=True)
        with_people = factory.Trait(
            liaison=factory.SubFactory(UserFactory, roles=["department_liaison"]),
            leader_in_charge=factory.SubFactory(UserFactory, roles=["leader"]),
        )


class ServiceWindowFactory(factory.django.DjangoModelFactory):
    """Window 1 (综合受理) of the demo district unless told otherwise; the same row every time."""

    class Meta:
        model = ServiceWindow
        django_get_or_create = ("center", "number")

    center = factory.SubFactory(CenterFactory, quanzhou=True)
    number = 1
    name = "综合受理"
