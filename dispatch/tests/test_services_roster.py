"""Overrides, swaps and cancellations of the duty roster, with their permission rules."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch import selectors, services
from dispatch.choices import DutyRole, ShiftKind
from dispatch.models import DutyShift
from dispatch.tests.conftest import at
from dispatch.tests.factories import DutyRosterFactory
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.roles import Role
from governance.tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

D = dt.date
NOW = at(2025, 9, 20, 9)


@pytest.fixture
def roster(rotation):
    return DutyRosterFactory(
        center=rotation.center, departments=rotation.departments, start_date=D(2025, 9, 22)
    )


@pytest.fixture
def manager(center):
    return UserFactory(roles=[Role.ADMINISTRATOR], profile={"center": center})


def test_main_director_marks_himself_unavailable_and_the_deputy_covers(rotation, roster):
    main = rotation.teams[1].main_director
    shift = services.duty_shift_create(
        actor=main,
        center=rotation.center,
        date=D(2025, 9, 23),
        kind=ShiftKind.MAIN_UNAVAILABLE,
        reason="参加培训",
        now=NOW,
    )
    assert (shift.entered_by, shift.requested_by, shift.department) == (main, main, rotation.departments[1])
    day = selectors.duty_day(center=rotation.center, day=D(2025, 9, 23))
    assert (day.director, day.role) == (rotation.teams[1].deputy_director, DutyRole.DEPUTY)


def test_manager_enters_a_replacement_on_someones_behalf(rotation, roster, manager):
    main = rotation.teams[0].main_director
    stand_in = UserFactory(roles=[Role.DUTY_DIRECTOR])
    shift = services.duty_shift_create(
        actor=manager,
        center=rotation.center,
        date=D(2025, 9, 22),
        kind=ShiftKind.REPLACEMENT,
        person=stand_in,
        reason="主副班均出差",
        on_behalf_of=main,
        now=NOW,
    )
    assert (shift.entered_by, shift.requested_by) == (manager, main)
    day = selectors.duty_day(center=rotation.center, day=D(2025, 9, 22))
    assert (day.department, day.director, day.role) == (rotation.departments[0], stand_in, DutyRole.OVERRIDE)


def test_a_newer_override_cancels_the_older_one_and_keeps_it(rotation, roster, manager):
    first = services.duty_shift_create(
        actor=manager,
        center=rotation.center,
        date=D(2025, 9, 22),
        kind=ShiftKind.REPLACEMENT,
        department=rotation.departments[2],
        reason="一",
        now=NOW,
    )
    second = services.duty_shift_create(
        actor=manager,
        center=rotation.center,
        date=D(2025, 9, 22),
        kind=ShiftKind.MAIN_UNAVAILABLE,
        reason="二",
        now=NOW,
    )
    first.refresh_from_db()
    assert first.cancelled_at == NOW and first.cancelled_by == manager
    # Main unavailable keeps the replacement's department: its deputy covers.
    assert second.department == rotation.departments[2]
    day = selectors.duty_day(center=rotation.center, day=D(2025, 9, 22))
    assert day.director == rotation.teams[2].deputy_director
    assert DutyShift.objects.filter(date=D(2025, 9, 22)).count() == 2


def test_swap_exchanges_two_dates_and_cancel_restores_both(rotation, roster):
    a_main = rotation.teams[0].main_director
    first, second = services.duty_swap(
        actor=a_main,
        center=rotation.center,
        first=D(2025, 9, 22),
        second=D(2025, 9, 23),
        reason="家中有事",
        now=NOW,
    )
    day_one = selectors.duty_day(center=rotation.center, day=D(2025, 9, 22))
    day_two = selectors.duty_day(center=rotation.center, day=D(2025, 9, 23))
    assert (day_one.department, day_one.director, day_one.role) == (
        rotation.departments[1],
        rotation.teams[1].main_director,
        DutyRole.SWAP,
    )
    assert (day_two.department, day_two.director) == (rotation.departments[0], a_main)
    assert (first.swap_date, second.swap_date) == (D(2025, 9, 23), D(2025, 9, 22))

    cancelled = services.duty_shift_cancel(actor=a_main, center=rotation.center, shift_id=second.pk, now=NOW)
    assert cancelled == 2
    assert (
        selectors.duty_day(center=rotation.center, day=D(2025, 9, 22)).department == rotation.departments[0]
    )
    assert (
        selectors.duty_day(center=rotation.center, day=D(2025, 9, 23)).department == rotation.departments[1]
    )
    with pytest.raises(NotFoundError):
        services.duty_shift_cancel(actor=a_main, center=rotation.center, shift_id=second.pk, now=NOW)


def test_swap_carries_an_explicit_replacement_person(rotation, roster, manager):
    stand_in = UserFactory()
    services.duty_shift_create(
        actor=manager,
        center=rotation.center,
        date=D(2025, 9, 22),
        kind=ShiftKind.REPLACEMENT,
        person=stand_in,
        reason="替班",
        now=NOW,
    )
    services.duty_swap(
        actor=manager,
        center=rotation.center,
        first=D(2025, 9, 22),
        second=D(2025, 9, 24),
        reason="调换",
        now=NOW,
    )
    assert selectors.duty_day(center=rotation.center, day=D(2025, 9, 24)).director == stand_in
    assert (
        selectors.duty_day(center=rotation.center, day=D(2025, 9, 22)).department == rotation.departments[2]
    )


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.LEADER, Role.GRID_WORKER])
def test_only_managers_and_the_days_own_team_may_change_it(rotation, roster, role):
    outsider = UserFactory(roles=[role])
    with pytest.raises(PermissionDeniedError):
        services.duty_shift_create(
            actor=outsider,
            center=rotation.center,
            date=D(2025, 9, 22),
            kind=ShiftKind.MAIN_UNAVAILABLE,
            reason="x",
            now=NOW,
        )
    with pytest.raises(PermissionDeniedError):
        services.duty_swap(
            actor=outsider,
            center=rotation.center,
            first=D(2025, 9, 22),
            second=D(2025, 9, 23),
            reason="x",
            now=NOW,
        )
    assert not DutyShift.objects.exists()


def test_duty_director_of_another_department_cannot_change_a_day(rotation, roster):
    other_main = rotation.teams[2].main_director  # 9-22 belongs to department 0
    with pytest.raises(PermissionDeniedError):
        services.duty_shift_create(
            actor=other_main,
            center=rotation.center,
            date=D(2025, 9, 22),
            kind=ShiftKind.MAIN_UNAVAILABLE,
            reason="x",
            now=NOW,
        )


def test_duty_director_cannot_act_on_behalf_of_someone_else(rotation, roster):
    main = rotation.teams[0].main_director
    with pytest.raises(PermissionDeniedError):
        services.duty_shift_create(
            actor=main,
            center=rotation.center,
            date=D(2025, 9, 22),
            kind=ShiftKind.MAIN_UNAVAILABLE,
            reason="x",
            on_behalf_of=rotation.teams[0].deputy_director,
            now=NOW,
        )


def test_duty_director_cannot_cancel_someone_elses_override(rotation, roster, manager):
    shift = services.duty_shift_create(
        actor=manager,
        center=rotation.center,
        date=D(2025, 9, 22),
        kind=ShiftKind.MAIN_UNAVAILABLE,
        reason="x",
        now=NOW,
    )
    with pytest.raises(PermissionDeniedError):
        services.duty_shift_cancel(
            actor=rotation.teams[1].main_director, center=rotation.center, shift_id=shift.pk, now=NOW
        )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"date": D(2025, 9, 19), "kind": ShiftKind.MAIN_UNAVAILABLE, "reason": "x"}, "date_in_past"),
        ({"date": D(2025, 9, 22), "kind": ShiftKind.MAIN_UNAVAILABLE, "reason": "  "}, "reason_required"),
        ({"date": D(2025, 9, 22), "kind": ShiftKind.REPLACEMENT, "reason": "x"}, "replacement_required"),
        ({"date": D(2025, 9, 22), "kind": ShiftKind.SWAP, "reason": "x"}, "invalid_kind"),
        ({"date": D(2025, 9, 21), "kind": ShiftKind.MAIN_UNAVAILABLE, "reason": "x"}, "no_department"),
    ],
)
def test_invalid_overrides_are_refused(rotation, manager, kwargs, code):
    DutyRosterFactory(center=rotation.center, departments=rotation.departments, start_date=D(2025, 9, 22))
    with pytest.raises(ApplicationError) as excinfo:
        services.duty_shift_create(actor=manager, center=rotation.center, now=NOW, **kwargs)
    assert excinfo.value.code == code
    assert not DutyShift.objects.exists()


def test_department_of_another_center_is_refused(rotation, roster, manager):
    foreign = DepartmentFactory(duty_supplier=True)
    with pytest.raises(ApplicationError) as excinfo:
        services.duty_shift_create(
            actor=manager,
            center=rotation.center,
            date=D(2025, 9, 22),
            kind=ShiftKind.REPLACEMENT,
            department=foreign,
            reason="x",
            now=NOW,
        )
    assert excinfo.value.code == "invalid_department"


def test_swap_of_the_same_department_or_date_is_refused(rotation, manager):
    DutyRosterFactory(center=rotation.center, departments=rotation.departments, start_date=D(2025, 9, 22))
    with pytest.raises(ApplicationError) as excinfo:
        services.duty_swap(
            actor=manager,
            center=rotation.center,
            first=D(2025, 9, 22),
            second=D(2025, 9, 25),
            reason="x",
            now=NOW,
        )
    assert excinfo.value.code == "same_department"
    with pytest.raises(ApplicationError) as excinfo:
        services.duty_swap(
            actor=manager,
            center=rotation.center,
            first=D(2025, 9, 22),
            second=D(2025, 9, 22),
            reason="x",
            now=NOW,
        )
    assert excinfo.value.code == "same_date"


def test_concurrent_override_of_the_same_day_fails_cleanly(rotation, roster, manager, monkeypatch):
    """Two managers saving the same day at once: the one-active-per-day constraint turns the second
    into a clean conflict instead of two active overrides."""
    from dispatch.services import roster as roster_services

    services.duty_shift_create(
        actor=manager,
        center=rotation.center,
        date=D(2025, 9, 22),
        kind=ShiftKind.MAIN_UNAVAILABLE,
        reason="先到",
        now=NOW,
    )
    # Simulate the race: the second request did not see (and so did not cancel) the first.
    monkeypatch.setattr(roster_services, "_cancel_active", lambda **kwargs: None)
    with pytest.raises(ApplicationError) as excinfo:
        services.duty_shift_create(
            actor=manager,
            center=rotation.center,
            date=D(2025, 9, 22),
            kind=ShiftKind.REPLACEMENT,
            department=rotation.departments[2],
            reason="后到",
            now=NOW,
        )
    assert excinfo.value.code == "conflict"
    assert DutyShift.objects.filter(cancelled_at__isnull=True).count() == 1
