"""Factories of intake's models (matters, parties, categories), with traits; the organization's
rows come from `governance.tests.factories`."""

from __future__ import annotations

import datetime as dt
import random

import factory
from django.utils import timezone
from stdnum.cn import ric

from governance.tests.factories import CenterFactory, UserFactory
from intake.choices import CaseStatus, Channel, HandlingMode, PartyKind, PartyRole
from intake.models import Case, CaseParty, Category, Party


def valid_id_number(*, region: str = "350521", birth: dt.date = dt.date(1990, 1, 1), order: int | None = None) -> str:
    """A resident ID number with a correct GB 11643 check digit (region code not looked up)."""
    order = random.randint(1, 999) if order is None else order
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def valid_mobile() -> str:
    return f"138{random.randint(0, 99_999_999):08d}"


def category(code: str = "JF10") -> Category:
    """A seeded category. The data migration puts the tree in every database, but a transactional
    test runs after others have flushed the tables, so restore it (idempotently) when missing."""
    found = Category.objects.filter(code=code).first()
    if found is None:
        from intake.demo import seed_demo

        seed_demo()
        found = Category.objects.get(code=code)
    return found


class CategoryFactory(factory.django.DjangoModelFactory):
    """A category of its own (most tests use a seeded one: `category("JF10")`)."""

    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"W{n:03d}")
    name = factory.Sequence(lambda n: f"类别{n}")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    kind = PartyKind.PERSON
    name = "王建国"
    id_number = factory.LazyFunction(valid_id_number)
    phone = factory.LazyFunction(valid_mobile)
    address = "洛阳镇上浦村"


class CaseFactory(factory.django.DjangoModelFactory):
    """A matter written directly (not through `case_register`), for list and permission tests."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    district = factory.SubFactory(CenterFactory, quanzhou=True)
    center = factory.SelfAttribute("district")
    year = 2025
    sequence = factory.Sequence(lambda n: 500_000 + n)
    code = factory.LazyAttribute(lambda o: f"{o.district.code}-{o.year}-{o.sequence:06d}")
    channel = Channel.WALK_IN
    category = factory.LazyFunction(lambda: category("JF10"))
    title = factory.Sequence(lambda n: f"工地欠薪第{n}号")
    description = factory.LazyAttribute(lambda o: f"{o.title}：详细情况。")
    first_receiver = factory.SubFactory(UserFactory, roles=["window_clerk"])
    registered_at = factory.LazyFunction(timezone.now)
    expected_answer_at = factory.LazyAttribute(lambda o: o.registered_at + dt.timedelta(days=9))
    due_at = factory.SelfAttribute("expected_answer_at")
    status = CaseStatus.REGISTERED

    class Params:
        dispatched = factory.Trait(status=CaseStatus.PENDING_DISPATCH)
        settled = factory.Trait(status=CaseStatus.SETTLED_ON_SPOT, handling_mode=HandlingMode.SELF,
                                settlement="当场调解成功", resolved=True)
        closed = factory.Trait(status=CaseStatus.CLOSED)
        overdue = factory.Trait(due_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1)))

    @factory.post_generation
    def applicant(self, create: bool, extracted: Party | None, **kwargs: object) -> None:
        if extracted is not None:
            CaseParty.objects.create(case=self, party=extracted, role=PartyRole.APPLICANT, is_spokesman=True)
