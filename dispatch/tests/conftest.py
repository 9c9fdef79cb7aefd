"""Fixtures of the dispatch tests: a center with rotation departments and their duty teams."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from dispatch.models import DutyTeam
from dispatch.sms import LocmemSMSBackend
from dispatch.tests.factories import DutyTeamFactory
from dispatch.tests.faults_live import FAKE_SMS
from dispatch.tests.test_work_live_celery import _env, _migrate
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


# --- the live fault tests' environment (test_engine_faults*_live.py): migrated once per module -----
@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    var_dir = tmp_path_factory.mktemp("faults")
    _migrate(_env(var_dir))
    return var_dir


@pytest.fixture
def fault_env(migrated: Path, tmp_path: Path) -> dict[str, str]:
    env = _env(migrated)
    env.update(SMS_BACKEND=FAKE_SMS, TEST_SMS_LOG=str(tmp_path / "sms.log"), TEST_SMS_DELAY_MS="0")
    return env
