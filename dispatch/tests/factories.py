"""Factories of the dispatch app's models, with traits (the organization's come from governance)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from dispatch.choices import (
    CommandRole,
    DeliveryStatus,
    NonWorkingDayPolicy,
    NotificationChannel,
    RotationUnit,
)
from dispatch.models import (
    CommandAssignment,
    DeadlinePolicy,
    DutyRoster,
    DutyRosterSlot,
    DutyTeam,
    Notification,
    RoutingRule,
)
from governance.models import Department
from governance.tests.factories import CenterFactory, DepartmentFactory, UserFactory


class DutyTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyTeam

    department = factory.SubFactory(DepartmentFactory, duty_supplier=True)
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
