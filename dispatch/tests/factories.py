"""Factories of the dispatch app (and the bits of the organization it needs)."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from dispatch.choices import (
    CommandRole,
    DeliveryStatus,
    NonWorkingDayPolicy,
    NotificationChannel,
    RotationUnit,
)
from dispatch.models import CommandAssignment, DutyRoster, DutyRosterSlot, DutyTeam, Notification
from governance.choices import CenterLevel, Residency
from governance.models import Center, Department, Profile
from governance.tests.factories import RoleUserFactory


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center

    name = factory.Sequence(lambda n: f"调度测试中心{n}")
    code = factory.Sequence(lambda n: f"DT{n:04d}")
    level = CenterLevel.DISTRICT


class UserFactory(RoleUserFactory):
    """`roles=[Role.COMMANDER]` puts the user in those groups; `center=` and `phone=` fill the profile."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"dispatch-user{n}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"值{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.cn")

    @factory.post_generation
    def profile(self, create: bool, extracted: dict | None, **kwargs: object) -> None:
        if extracted is not None or kwargs:
            Profile.objects.create(user=self, **{**(extracted or {}), **kwargs})


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"轮值部门{n}")
    short_code = factory.Sequence(lambda n: f"R{n:03d}")
    residency = Residency.ROTATING
    supplies_duty_directors = True


class DutyTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyTeam

    department = factory.SubFactory(DepartmentFactory)
    main_director = factory.SubFactory(UserFactory, roles=["duty_director"])
    deputy_director = factory.SubFactory(UserFactory, roles=["duty_director"])

    class Params:
        without_deputy = factory.Trait(deputy_director=None)
        without_main = factory.Trait(main_director=None)


class DutyRosterFactory(factory.django.DjangoModelFactory):
    """`departments=[...]` sets the rotation order."""

    class Meta:
        model = DutyRoster
        skip_postgeneration_save = True

    center = factory.SubFactory(CenterFactory)
    name = "调度中心轮值"
    start_date = dt.date(2025, 9, 22)
    unit = RotationUnit.DAY
    non_working_days = NonWorkingDayPolicy.COVER

    class Params:
        weekly = factory.Trait(unit=RotationUnit.WEEK)
        skip_holidays = factory.Trait(non_working_days=NonWorkingDayPolicy.SKIP)

    @factory.post_generation
    def departments(self, create: bool, extracted: list[Department] | None, **kwargs: object) -> None:
        for position, department in enumerate(extracted or [], start=1):
            DutyRosterSlot.objects.create(roster=self, position=position, department=department)


class CommandAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommandAssignment

    center = factory.SubFactory(CenterFactory)
    role = CommandRole.COMMANDER
    user = factory.SubFactory(UserFactory, roles=["commander"])
    valid_from = dt.date(2025, 1, 1)
    valid_to = None


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "test.note"
    title = factory.Sequence(lambda n: f"测试通知{n}")
    body = "内容"
    channel = NotificationChannel.IN_APP
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    status = DeliveryStatus.SENT
    created_at = factory.LazyFunction(timezone.now)
