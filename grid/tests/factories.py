"""Factories of grid work (the organization's own factories live in governance)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from governance.tests.factories import GridFactory, UserFactory
from grid.choices import ItemKind, WorkerKind
from grid.models import CollectedItem, CollectedItemChange, GridAssignment, GridReport, Patrol


class GridAssignmentFactory(factory.django.DjangoModelFactory):
    """Written directly; tests of the permission use `grid_assignment_start`."""

    class Meta:
        model = GridAssignment

    grid = factory.SubFactory(GridFactory)
    worker = factory.SubFactory(UserFactory, roles=["grid_worker"])
    kind = WorkerKind.FULL_TIME
    starts_on = dt.date(2024, 1, 1)


class PatrolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patrol

    grid = factory.SubFactory(GridFactory)
    worker = factory.SubFactory(UserFactory, roles=["grid_worker"])
    started_at = factory.LazyFunction(timezone.now)


class CollectedItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectedItem

    grid = factory.SubFactory(GridFactory)
    kind = ItemKind.PERSON
    name = factory.Sequence(lambda n: f"住户{n}")
    created_by = factory.SubFactory(UserFactory)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class CollectedItemChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectedItemChange

    item = factory.SubFactory(CollectedItemFactory)
    actor = factory.SubFactory(UserFactory)
    changes = factory.LazyFunction(lambda: {"name": [None, "住户"]})
    changed_at = factory.LazyFunction(timezone.now)


class GridReportFactory(factory.django.DjangoModelFactory):
    """A grid report written directly, on a matter made by the caller (channel "grid report")."""

    class Meta:
        model = GridReport

    grid = factory.SubFactory(GridFactory)
    reporter = factory.SubFactory(UserFactory, roles=["grid_worker"])
    client_key = factory.Sequence(lambda n: f"report-{n}")
    reported_at = factory.LazyFunction(timezone.now)
