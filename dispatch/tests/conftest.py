"""Fixtures of the dispatch tests: a center with rotation departments and their duty teams."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

from dispatch.models import DutyTeam
from dispatch.sms import LocmemSMSBackend
from dispatch.tests.factories import DutyTeamFactory
from governance.models import Center, Department
from governance.roles import Role
from governance.tests.factories import CenterFactory, DepartmentFactory, UserFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware instant in the center's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def today():
    """A fixed mid-month Wednesday: the roster page shows the current month, and tests that look at
    "tomorrow" or "the day after" must not fall into the next month (they did on 30 November)."""
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):
        yield timezone.localdate()


@dataclass
class RotationSetup:
    center: Center
    departments: list[Department]
    teams: list[DutyTeam]


@pytest.fixture
def center(db) -> Center:
    return CenterFactory(name="泉州台商投资区社会治理中心", code="QZTS")


@pytest.fixture
def rotation(center) -> RotationSetup:
    """Three rotation departments, each with a main director and a deputy."""
    names = ["执法应急局", "资规建交局", "公安分局"]
    departments = [
        DepartmentFactory(duty_supplier=True, center=center, name=name, short_code=f"R{i}") for i, name in enumerate(names)
    ]
    teams = [DutyTeamFactory(department=department) for department in departments]
    return RotationSetup(center=center, departments=departments, teams=teams)


@pytest.fixture
def commander(center):
    return UserFactory(roles=[Role.COMMANDER], profile={"center": center})


@pytest.fixture
def sms_outbox():
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()
