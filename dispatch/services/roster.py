"""Writes of the duty roster: overrides (main unavailable, replacement), swaps, cancellations."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import ShiftKind
from dispatch.models import ActingGrant, DutyShift
from dispatch.selectors.roster import DutyDay, duty_day
from dispatch.services.common import SHIFT_REASON_MAX_CHARS, check_text, notify_on_commit
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.models import Center, Department
from governance.roles import (
    MAY_GRANT_ACTING,
    MAY_MANAGE_ROSTER,
    MAY_RECEIVE_ACTING,
    Role,
    has_role,
    may,
    require_role,
)

REASON_MAX = 200


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(gettext("请填写调班原因。"), code="reason_required", field="reason")
    if len(reason) > REASON_MAX:
        raise ApplicationError(gettext("原因不能超过 %(max)s 字。") % {"max": REASON_MAX}, code="reason_too_long", field="reason")
    return reason


def _check_not_past(day: dt.date, *, now: dt.datetime, field: str = "date") -> None:
    if day < timezone.localtime(now).date():
        raise ApplicationError(gettext("已过去的日期不能再调班。"), code="date_in_past", field=field)


def _is_on_team_of(actor: AbstractBaseUser, day: DutyDay) -> bool:
    people = {day.main_director, day.deputy_director, day.director}
    return has_role(actor, Role.DUTY_DIRECTOR) and actor in {person for person in people if person}


def _authorise(actor: AbstractBaseUser, days: list[DutyDay], on_behalf_of: AbstractBaseUser | None) -> None:
    """Managers may change any day, for anyone; a duty director only days of their own team."""
    if may(actor, MAY_MANAGE_ROSTER):
        return
    if on_behalf_of is not None and on_behalf_of != actor:
        raise PermissionDeniedError(gettext("只有管理人员可以代他人办理调班。"))
    if not any(_is_on_team_of(actor, day) for day in days):
        raise PermissionDeniedError(gettext("您只能为本部门轮值的日期办理调班。"))


def _cancel_active(
    *, center: Center, dates: list[dt.date], actor: AbstractBaseUser, now: dt.datetime
) -> None:
    DutyShift.objects.filter(center=center, date__in=dates, cancelled_at__isnull=True).update(
        cancelled_at=now, cancelled_by=actor
    )


def _create(**fields: object) -> DutyShift:
    try:
        with transaction.atomic():
            return DutyShift.objects.create(**fields)
    except IntegrityError:
        raise ApplicationError(
            gettext("该日期的排班刚被他人修改，请刷新后重试。"), code="conflict"
        ) from None


def duty_shift_create(
    *,
    actor: AbstractBaseUser,
    center: Center,
    date: dt.date,
    kind: str,
    reason: str,
    department: Department | None = None,
    person: AbstractBaseUser | None = None,
    on_behalf_of: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> DutyShift:
    """Override one day: the main director is unavailable (the deputy covers), or a replacement
    department and/or person. A newer override of the same day cancels the older one."""
    now = now or timezone.now()
    reason = _check_reason(reason)
    _check_not_past(date, now=now)
    if kind not in (ShiftKind.MAIN_UNAVAILABLE, ShiftKind.REPLACEMENT):
        raise ApplicationError(gettext("调班类型无效（互换请使用调换功能）。"), code="invalid_kind", field="kind")
    if department is not None and (department.center_id != center.pk or not department.active):
        raise ApplicationError(gettext("请选择本中心启用的部门。"), code="invalid_department", field="department")
    if kind == ShiftKind.REPLACEMENT and department is None and person is None:
        raise ApplicationError(gettext("替班须指定接班部门或人员。"), code="replacement_required", field="person")
    if person is not None and not person.is_active:
        raise ApplicationError(gettext("该人员已停用。"), code="inactive_person", field="person")
    day = duty_day(center=center, day=date)
    _authorise(actor, [day], on_behalf_of)
    if kind == ShiftKind.MAIN_UNAVAILABLE:
        if day.department is None:
            raise ApplicationError(gettext("该日没有轮值部门，无法安排副班代班。"), code="no_department", field="date")
        # Keep the department of any earlier swap or replacement: only the person changes.
        department, person = day.department, None
    with transaction.atomic():
        _cancel_active(center=center, dates=[date], actor=actor, now=now)
        return _create(
            center=center,
            date=date,
            kind=kind,
            department=department,
            person=person,
            reason=reason,
            requested_by=on_behalf_of or actor,
            entered_by=actor,
            entered_at=now,
        )


def duty_swap(
    *,
    actor: AbstractBaseUser,
    center: Center,
    first: dt.date,
    second: dt.date,
    reason: str,
    on_behalf_of: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> tuple[DutyShift, DutyShift]:
    """Exchange the duty of two dates: each gets the other's department (and explicit person)."""
    now = now or timezone.now()
    reason = _check_reason(reason)
    if first == second:
        raise ApplicationError(gettext("请选择两个不同的日期。"), code="same_date", field="second")
    _check_not_past(first, now=now, field="first")
    _check_not_past(second, now=now, field="second")
    day_one, day_two = duty_day(center=center, day=first), duty_day(center=center, day=second)
    _authorise(actor, [day_one, day_two], on_behalf_of)
    for field, day in (("first", day_one), ("second", day_two)):
        if day.department is None:
            raise ApplicationError(gettext("%(date)s 没有轮值部门，无法调换。") % {"date": day.date}, code="no_department", field=field)
    if day_one.department == day_two.department:
        raise ApplicationError(gettext("两天为同一部门轮值，无需调换。"), code="same_department", field="second")
    requested_by = on_behalf_of or actor

    def half(day: dt.date, other: DutyDay) -> dict[str, object]:
        return {
            "center": center,
            "date": day,
            "kind": ShiftKind.SWAP,
            "department": other.department,
            "person": other.shift.person if other.shift else None,
            "swap_date": other.date,
            "reason": reason,
            "requested_by": requested_by,
            "entered_by": actor,
            "entered_at": now,
        }

    with transaction.atomic():
        _cancel_active(center=center, dates=[first, second], actor=actor, now=now)
        return _create(**half(first, day_two)), _create(**half(second, day_one))


def duty_shift_cancel(*, actor: AbstractBaseUser, center: Center, shift_id: int,
                      now: dt.datetime | None = None) -> int:
    """Withdraw an override (both halves of a swap); the rotation applies again. Returns rows cancelled."""
    now = now or timezone.now()
    shift = DutyShift.objects.filter(center=center, pk=shift_id, cancelled_at__isnull=True).first()
    if shift is None:
        raise NotFoundError()
    if not may(actor, MAY_MANAGE_ROSTER) and actor.pk not in (shift.entered_by_id, shift.requested_by_id):
        raise PermissionDeniedError(gettext("只能撤销本人办理的调班。"))
    _check_not_past(shift.date, now=now)
    with transaction.atomic():
        cancelled = DutyShift.objects.filter(pk=shift.pk, cancelled_at__isnull=True).update(
            cancelled_at=now, cancelled_by=actor
        )
        if not cancelled:
            raise ApplicationError(gettext("该调班已被撤销。"), code="already_cancelled")
        if shift.kind == ShiftKind.SWAP and shift.swap_date:
            cancelled += DutyShift.objects.filter(
                center=center,
                date=shift.swap_date,
                kind=ShiftKind.SWAP,
                swap_date=shift.date,
                cancelled_at__isnull=True,
            ).update(cancelled_at=now, cancelled_by=actor)
    return cancelled


# --- the commander opens the duty director's rights (seed 000 一(四)) ---------------------------------
ACTING_MAX_DAYS = 31


def acting_grant_create(*, actor: AbstractBaseUser, center: Center, user: AbstractBaseUser,
                        starts_at: dt.datetime, ends_at: dt.datetime, reason: str,
                        now: dt.datetime | None = None) -> ActingGrant:
    """The commander (or a deputy commander) lets `user`, a duty director or dispatcher of the center,
    act as the duty director from `starts_at` to `ends_at`, for the recorded `reason`. The person is
    told; the board shows the grant while it runs."""
    now = now or timezone.now()
    require_role(actor, MAY_GRANT_ACTING, gettext("只有指挥长或副指挥长可以授权代行轮值主任职责。"))
    reason = check_text(reason, field="reason", label=gettext("授权原因"), max_chars=SHIFT_REASON_MAX_CHARS,
                        required=True)
    if ends_at <= starts_at:
        raise ApplicationError(gettext("授权截止时间须晚于开始时间。"), code="invalid_period", field="ends_at")
    if ends_at <= now:
        raise ApplicationError(gettext("授权截止时间已过。"), code="invalid_period", field="ends_at")
    if ends_at - starts_at > dt.timedelta(days=ACTING_MAX_DAYS):
        raise ApplicationError(gettext("一次授权不超过 %(days)s 天。") % {"days": ACTING_MAX_DAYS},
                               code="invalid_period", field="ends_at")
    profile_center = getattr(getattr(user, "profile", None), "center_id", None)
    if not user.is_active or not may(user, MAY_RECEIVE_ACTING) or profile_center != center.pk:
        raise ApplicationError(gettext("只能授权本中心在岗的轮值主任或调度员代行。"), code="invalid_person", field="user")
    grant = ActingGrant.objects.create(center=center, user=user, starts_at=starts_at, ends_at=ends_at, reason=reason,
                                       granted_by=actor, granted_at=now)
    notify_on_commit(recipients=[user], kind="duty.acting_granted",
                     title=gettext("指挥长授权您代行轮值主任职责：%(start)s 至 %(end)s") % {
                         "start": f"{timezone.localtime(starts_at):%m-%d %H:%M}",
                         "end": f"{timezone.localtime(ends_at):%m-%d %H:%M}"},
                     body=reason, link=reverse("dispatch:board"), dedupe_key=f"acting:{grant.pk}:granted", now=now)
    return grant


def acting_grant_revoke(*, actor: AbstractBaseUser, grant: ActingGrant, now: dt.datetime | None = None) -> ActingGrant:
    """Withdraw a grant before its end (kept, with who withdrew it and when)."""
    now = now or timezone.now()
    require_role(actor, MAY_GRANT_ACTING, gettext("只有指挥长或副指挥长可以收回授权。"))
    changed = ActingGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True, ends_at__gt=now).update(
        revoked_at=now, revoked_by=actor)
    if changed != 1:
        raise ApplicationError(gettext("该授权已结束或已收回。"), code="stale_state")
    grant.revoked_at, grant.revoked_by = now, actor
    return grant
