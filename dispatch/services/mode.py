"""Switching between normal and wartime mode (平战转换): each switch appends one `Mode` row."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch import hooks as dispatch_hooks
from dispatch.choices import (
    NORMAL_DISPATCH_MINUTES,
    NORMAL_LIMIT_PERCENT,
    NORMAL_REPORT_IN_MINUTES,
    NORMAL_SEND_ON_MINUTES,
    WARTIME_DISPATCH_MINUTES,
    WARTIME_LIMIT_PERCENT,
    WARTIME_REPORT_IN_MINUTES,
    WARTIME_SEND_ON_MINUTES,
    ResponseLevel,
)
from dispatch.models import Mode
from dispatch.selectors.mode import mode_current
from dispatch.services.wartime import (
    wartime_episode_close,
    wartime_episode_release_teams,
    wartime_episode_start,
)
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.roles import MAY_SWITCH_MODE, may
from intake.choices import OperatingMode


def _authorise(actor: AbstractBaseUser) -> None:
    if not may(actor, MAY_SWITCH_MODE):
        raise PermissionDeniedError(gettext("只有指挥长、副指挥长可以进行平战转换。"))


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(gettext("请填写转换原因。"), code="reason_required", field="reason")
    if len(reason) > 300:
        raise ApplicationError(gettext("原因不能超过 300 字。"), code="reason_too_long", field="reason")
    return reason


def _check_minutes(value: object, *, limit: int, field: str, message: str) -> int:
    """A wartime clock in minutes: at least 1, never longer than in normal times."""
    try:
        minutes = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= limit:
        raise ApplicationError(message % {"max": limit}, code="invalid_minutes", field=field)
    return minutes


def _append(*, current: Mode, actor: AbstractBaseUser, **fields: object) -> Mode:
    """Insert the next switch; the unique (center, seq) turns a concurrent duplicate into an error.
    A declaration starts the level's plan (`dispatch.services.wartime`); an end releases it."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                mode = Mode.objects.create(center_id=current.center_id, seq=current.seq + 1, switched_by=actor,
                                           **fields)
        except IntegrityError:
            raise ApplicationError(
                gettext("平战状态刚被他人转换，请刷新后查看。"), code="conflict"
            ) from None
        if mode.is_wartime:
            wartime_episode_start(mode=mode, actor=actor)
            dispatch_hooks.mode_switched(mode=mode)  # the grid's wartime micro-grids and reinforcements
        else:
            episode = wartime_episode_release_teams(mode=mode, actor=actor)
            dispatch_hooks.mode_switched(mode=mode)
            if episode is not None:
                wartime_episode_close(episode=episode, mode=mode, actor=actor)
    return mode


def mode_declare_wartime(
    *,
    actor: AbstractBaseUser,
    center: Center,
    level: int,
    reason: str,
    now: dt.datetime | None = None,
    summons_report_in_minutes: int | None = None,
    assignment_limit_percent: int | None = None,
    send_on_minutes: int | None = None,
    dispatch_minutes: int | None = None,
) -> Mode:
    """Declare wartime at a response level; limits default to the level's and may be set shorter."""
    now = now or timezone.now()
    _authorise(actor)
    reason = _check_reason(reason)
    try:
        level = ResponseLevel(int(level))
    except (TypeError, ValueError):
        raise ApplicationError(
            gettext("请选择响应等级（一级至四级）。"), code="invalid_level", field="level"
        ) from None
    minutes = (
        WARTIME_REPORT_IN_MINUTES[level] if summons_report_in_minutes is None else summons_report_in_minutes
    )
    if not 1 <= int(minutes) <= NORMAL_REPORT_IN_MINUTES:
        raise ApplicationError(
            gettext("战时报到时限应为 1 至 %(max)s 分钟。") % {"max": NORMAL_REPORT_IN_MINUTES},
            code="invalid_minutes",
            field="summons_report_in_minutes",
        )
    percent = WARTIME_LIMIT_PERCENT[level] if assignment_limit_percent is None else assignment_limit_percent
    if not 1 <= int(percent) <= NORMAL_LIMIT_PERCENT:
        raise ApplicationError(
            gettext("战时办理时限比例应为 1% 至 100%。"), code="invalid_percent", field="assignment_limit_percent"
        )
    send_on = _check_minutes(WARTIME_SEND_ON_MINUTES[level] if send_on_minutes is None else send_on_minutes,
                             limit=NORMAL_SEND_ON_MINUTES, field="send_on_minutes",
                             message=gettext("战时移送时限应为 1 至 %(max)s 分钟。"))
    dispatch = _check_minutes(WARTIME_DISPATCH_MINUTES[level] if dispatch_minutes is None else dispatch_minutes,
                              limit=NORMAL_DISPATCH_MINUTES, field="dispatch_minutes",
                              message=gettext("战时派单时限应为 1 至 %(max)s 分钟。"))
    current = mode_current(center=center)
    if current.is_wartime:
        raise ApplicationError(
            gettext("已处于战时状态（%(level)s），请先结束战时再重新启动。") % {"level": current.get_level_display()},
            code="already_wartime",
        )
    return _append(
        current=current,
        actor=actor,
        kind=OperatingMode.WARTIME,
        level=level,
        reason=reason,
        switched_at=now,
        summons_report_in_minutes=int(minutes),
        assignment_limit_percent=int(percent),
        send_on_minutes=send_on,
        dispatch_minutes=dispatch,
    )


def mode_end_wartime(*, actor: AbstractBaseUser, center: Center, reason: str,
                     now: dt.datetime | None = None) -> Mode:
    """Return to normal mode with the normal limits."""
    now = now or timezone.now()
    _authorise(actor)
    reason = _check_reason(reason)
    current = mode_current(center=center)
    if not current.is_wartime:
        raise ApplicationError(gettext("当前不是战时状态。"), code="not_wartime")
    return _append(
        current=current,
        actor=actor,
        kind=OperatingMode.NORMAL,
        level=None,
        reason=reason,
        switched_at=now,
        summons_report_in_minutes=NORMAL_REPORT_IN_MINUTES,
        assignment_limit_percent=NORMAL_LIMIT_PERCENT,
        send_on_minutes=NORMAL_SEND_ON_MINUTES,
        dispatch_minutes=NORMAL_DISPATCH_MINUTES,
    )
