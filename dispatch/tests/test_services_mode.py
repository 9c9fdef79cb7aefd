"""Normal/wartime switches: guarded, append-only, commanders only, with the limits on the row."""

from __future__ import annotations

import pytest

from dispatch import selectors, services
from dispatch.choices import ResponseLevel
from dispatch.models import Mode
from dispatch.tests.conftest import at
from governance.api import http_status_for
from governance.append_only import AppendOnlyError
from governance.errors import ApplicationError, PermissionDeniedError
from governance.roles import Role
from governance.tests.factories import UserFactory
from intake.choices import OperatingMode

pytestmark = pytest.mark.django_db


def test_center_that_never_switched_is_in_normal_mode_with_20_minutes(center):
    mode = selectors.mode_current(center=center)
    assert (mode.kind, mode.is_wartime, mode.summons_report_in_minutes, mode.pk) == (
        OperatingMode.NORMAL,
        False,
        20,
        None,
    )


def test_declare_and_end_wartime_appends_history(center, commander):
    deputy = UserFactory(roles=[Role.DEPUTY_COMMANDER])
    declared = services.mode_declare_wartime(
        actor=commander, center=center, level=2, reason="台风“桦加沙”登陆", now=at(2025, 9, 24, 8)
    )
    assert (declared.seq, declared.level, declared.summons_report_in_minutes) == (
        1,
        ResponseLevel.LEVEL_2,
        15,
    )
    assert selectors.mode_current(center=center).is_wartime
    ended = services.mode_end_wartime(actor=deputy, center=center, reason="台风过境", now=at(2025, 9, 25, 18))
    current = selectors.mode_current(center=center)
    assert (current.pk, current.kind, current.summons_report_in_minutes) == (ended.pk, OperatingMode.NORMAL, 20)
    assert [(m.seq, m.kind, m.switched_by) for m in selectors.mode_history(center=center)] == [
        (2, OperatingMode.NORMAL, deputy),
        (1, OperatingMode.WARTIME, commander),
    ]


def test_wartime_limits_can_be_set_shorter_at_declaration(center, commander):
    mode = services.mode_declare_wartime(
        actor=commander,
        center=center,
        level=4,
        reason="重大活动保障",
        summons_report_in_minutes=12,
        assignment_limit_percent=60,
        now=at(2025, 10, 1),
    )
    assert (mode.summons_report_in_minutes, mode.assignment_limit_percent) == (12, 60)
    assert selectors.mode_current(center=center).summons_report_in_minutes == 12


def test_declaring_twice_fails_and_leaves_one_row(center, commander):
    services.mode_declare_wartime(actor=commander, center=center, level=1, reason="一", now=at(2025, 10, 1))
    with pytest.raises(ApplicationError) as excinfo:
        services.mode_declare_wartime(
            actor=commander, center=center, level=3, reason="二", now=at(2025, 10, 1)
        )
    assert (excinfo.value.code, http_status_for(excinfo.value)) == ("already_wartime", 409)
    assert Mode.objects.filter(center=center).count() == 1


def test_ending_when_not_at_war_fails(center, commander):
    with pytest.raises(ApplicationError) as excinfo:
        services.mode_end_wartime(actor=commander, center=center, reason="x", now=at(2025, 10, 1))
    assert excinfo.value.code == "not_wartime"
    assert not Mode.objects.exists()


def test_concurrent_declarations_end_with_one_row(center, commander, monkeypatch):
    """Both requests read "normal" before either wrote: the unique (center, seq) stops the second."""
    from dispatch.services import mode as mode_services

    stale = selectors.mode_current(center=center)
    services.mode_declare_wartime(actor=commander, center=center, level=2, reason="先", now=at(2025, 10, 1))
    monkeypatch.setattr(mode_services, "mode_current", lambda center: stale)
    with pytest.raises(ApplicationError) as excinfo:
        services.mode_declare_wartime(
            actor=commander, center=center, level=2, reason="后", now=at(2025, 10, 1)
        )
    assert excinfo.value.code == "conflict"
    assert Mode.objects.filter(center=center).count() == 1


@pytest.mark.parametrize("role", [Role.DUTY_DIRECTOR, Role.DISPATCHER, Role.ADMINISTRATOR, Role.LEADER])
def test_only_commanders_switch_modes(center, role):
    with pytest.raises(PermissionDeniedError):
        services.mode_declare_wartime(
            actor=UserFactory(roles=[role]), center=center, level=1, reason="x", now=at(2025, 10, 1)
        )
    assert not Mode.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"level": 5, "reason": "x"}, "invalid_level"),
        ({"level": 1, "reason": " "}, "reason_required"),
        ({"level": 1, "reason": "x", "summons_report_in_minutes": 30}, "invalid_minutes"),
        ({"level": 1, "reason": "x", "assignment_limit_percent": 0}, "invalid_percent"),
    ],
)
def test_invalid_declarations_are_refused(center, commander, kwargs, code):
    with pytest.raises(ApplicationError) as excinfo:
        services.mode_declare_wartime(actor=commander, center=center, now=at(2025, 10, 1), **kwargs)
    assert excinfo.value.code == code


def test_mode_rows_are_append_only(center, commander):
    mode = services.mode_declare_wartime(
        actor=commander, center=center, level=1, reason="x", now=at(2025, 10, 1)
    )
    mode.reason = "改写"
    with pytest.raises(AppendOnlyError):
        mode.save()
    with pytest.raises(AppendOnlyError):
        mode.delete()
    with pytest.raises(AppendOnlyError):
        Mode.objects.filter(pk=mode.pk).update(reason="改写")
    with pytest.raises(AppendOnlyError):
        Mode.objects.filter(pk=mode.pk).delete()
    assert Mode.objects.get(pk=mode.pk).reason == "x"
