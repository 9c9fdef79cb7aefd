"""Grid access follows the calendar: a worker reads and verifies a grid's matters from the first
day of her assignment to its last, computed from the dates at query time (no copied grants)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from guardian.models import UserObjectPermission

from dispatch.services import case_verify
from governance.errors import PermissionDeniedError
from governance.roles import Role
from governance.selectors import grid_ids_of_worker, grid_ids_to_verify, grid_workers_to_verify
from governance.tests.factories import UserFactory
from grid.services import grid_assignment_end, grid_assignment_start
from grid.tests.conftest import at
from intake.choices import CaseStatus
from intake.selectors import cases_visible_to
from intake.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _reported_matter(t):
    return CaseFactory(district=t.district, center=t.village, grid=t.unit, status=CaseStatus.REPORTED)


def test_an_ended_assignment_gives_nothing_from_the_next_day(territory):
    t = territory
    case = _reported_matter(t)
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    [assignment] = t.worker.grid_assignments.all()
    grid_assignment_end(actor=admin, assignment=assignment, ends_on=dt.date(2026, 11, 20))
    with time_machine.travel(at(2026, 11, 20, 17), tick=False):  # her last day: still hers
        assert grid_ids_to_verify(user=t.worker) == {t.unit.pk, t.village_grid.pk}
        assert cases_visible_to(user=t.worker).filter(pk=case.pk).exists()
        assert list(grid_workers_to_verify(grid=t.unit)) == [t.worker]
    with time_machine.travel(at(2026, 11, 21, 9), tick=False):  # the day after: nothing, with no task run
        assert grid_ids_of_worker(user=t.worker) == set()
        assert not cases_visible_to(user=t.worker).filter(pk=case.pk).exists()
        assert list(grid_workers_to_verify(grid=t.unit)) == []
        with pytest.raises(PermissionDeniedError, match="只能核查本网格的事项"):
            case_verify(actor=t.worker, case=case, passed=True, notes="不该由我核查")
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


def test_a_future_assignment_gives_access_from_its_first_day(territory):
    t = territory
    case = _reported_matter(t)
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    newcomer = UserFactory(roles=[Role.GRID_WORKER], profile={"center": t.village})
    grid_assignment_start(actor=admin, grid=t.unit, worker=newcomer, starts_on=dt.date(2026, 11, 23))
    assert grid_ids_of_worker(user=newcomer) == set()  # today, 11-18: not yet
    assert not cases_visible_to(user=newcomer).filter(pk=case.pk).exists()
    assert grid_ids_of_worker(user=newcomer, on=dt.date(2026, 11, 23)) == {t.unit.pk}
    with time_machine.travel(at(2026, 11, 23, 8), tick=False):  # her first day, with no task run
        assert cases_visible_to(user=newcomer).filter(pk=case.pk).exists()
        assert newcomer in grid_workers_to_verify(grid=t.unit)
        case_verify(actor=newcomer, case=case, passed=True, notes="现场核实")
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_no_grant_is_copied_into_object_permissions(territory):
    """django-guardian holds no `view_grid` copy of the assignments: the dates are the one rule."""
    assert not UserObjectPermission.objects.filter(permission__codename="view_grid").exists()
    assert grid_ids_of_worker(user=territory.worker) == {territory.unit.pk}
