"""Duty attendance, written: signing in and out of a shift at the center, by the screen's code or by a
dispatcher's confirmation (issue 23, item 6). The assessment counts these rows, not the plan."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import SignMethod
from dispatch.models import DutySign
from dispatch.selectors.attendance import (
    PostHeld,
    attendance_code_matches,
    attendance_sheet,
    posts_held,
    shift_starts_at,
    signs_of,
    signs_of_shift,
)
from dispatch.selectors.duty import FLOW, require_on_duty
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.roles import MAY_SUPERVISE_WORK, require_role
from governance.scope import require_acts_here

IN, OUT = "in", "out"


def check_code(*, center: Center, code: str, now: dt.datetime) -> None:
    """Refuse (code `invalid_code`) unless `code` is the center's screen code of this or the last minute."""
    if not (code or "").strip():
        raise ApplicationError(gettext("请输入指挥中心大屏上显示的 6 位签到码。"), code="code_required", field="code")
    if not attendance_code_matches(center=center, code=code, at=now):
        raise ApplicationError(gettext("签到码不正确或已过期：请输入指挥中心大屏上当前显示的 6 位数字（每分钟更换）。"),
                               code="invalid_code", field="code")


def _not_on_shift(center: Center, person: AbstractBaseUser, day: dt.date, *, yourself: bool) -> ApplicationError:
    sheet = attendance_sheet(center=center, day=day)
    planned = "；".join(f"{line.post_label}：{line.department.name}（{line.expected_names or '—'}）"
                       for line in sheet.lines) or gettext("无")
    who = gettext("您") if yourself else (person.get_full_name() or person.get_username())
    return ApplicationError(
        gettext("%(who)s今天（%(day)s）不在本中心的值班或轮驻安排中，无需签到。今天的安排：%(planned)s。"
                "如为临时替班，请先在轮值表登记调班。") % {"who": who, "day": f"{day:%m-%d}", "planned": planned},
        code="not_on_shift")


def _posts(center: Center, person: AbstractBaseUser, day: dt.date, *, yourself: bool) -> list[PostHeld]:
    posts = posts_held(center=center, person=person, day=day)
    if not posts:
        raise _not_on_shift(center, person, day, yourself=yourself)
    return posts


def _sign_in(*, center: Center, person: AbstractBaseUser, now: dt.datetime, method: str,
             confirmed_by: AbstractBaseUser | None, yourself: bool) -> list[DutySign]:
    day = timezone.localdate(now)
    posts = _posts(center, person, day, yourself=yourself)
    for held in posts:
        existing = DutySign.objects.filter(center=center, date=day, post=held.post, person=person).first()
        if existing is not None:
            # Back after signing out (lunch, an errand): present again; the first sign-in time stays.
            DutySign.objects.filter(pk=existing.pk, signed_out_at__isnull=False).update(
                signed_out_at=None, out_method="", out_confirmed_by=None)
            continue
        try:
            with transaction.atomic():
                DutySign.objects.create(
                    center=center, date=day, post=held.post, department=held.department, person=person,
                    role=held.role, roster=held.roster, shift=held.shift, starts_at=shift_starts_at(day=day),
                    signed_in_at=now, in_method=method, in_confirmed_by=confirmed_by)
        except IntegrityError:
            pass  # the same press arrived twice at once: the other one signed in
    return signs_of(center=center, person=person, day=day)


def _sign_out(*, center: Center, person: AbstractBaseUser, now: dt.datetime, method: str,
              confirmed_by: AbstractBaseUser | None, yourself: bool) -> list[DutySign]:
    """Sign out of the shift the person signed in to: today's, or the day before's when the shift ran
    through the night (signed in before midnight, out after)."""
    signs = signs_of_shift(center=center, person=person, at=now)
    if not signs:
        who = gettext("您") if yourself else (person.get_full_name() or person.get_username())
        raise ApplicationError(gettext("%(who)s今天还没有签到，不能签退。") % {"who": who}, code="not_signed_in")
    DutySign.objects.filter(pk__in=[sign.pk for sign in signs], signed_out_at__isnull=True).update(
        signed_out_at=now, out_method=method, out_confirmed_by=confirmed_by)
    return signs_of(center=center, person=person, day=signs[0].date)


@transaction.atomic
def duty_sign_in(*, actor: AbstractBaseUser, center: Center, code: str, now: dt.datetime | None = None
                 ) -> list[DutySign]:
    """The person on a shift today signs in at the center with the screen's code. Pressing again
    changes nothing (their first time stays); someone with no post today is told the day's plan."""
    now = now or timezone.now()
    check_code(center=center, code=code, now=now)
    return _sign_in(center=center, person=actor, now=now, method=SignMethod.CODE, confirmed_by=None, yourself=True)


@transaction.atomic
def duty_sign_out(*, actor: AbstractBaseUser, center: Center, code: str, now: dt.datetime | None = None
                  ) -> list[DutySign]:
    """Sign out of one's shift with the screen's code (leaving the center), also after midnight for a
    shift signed in the day before. Again: nothing changes."""
    now = now or timezone.now()
    check_code(center=center, code=code, now=now)
    return _sign_out(center=center, person=actor, now=now, method=SignMethod.CODE, confirmed_by=None, yourself=True)


@transaction.atomic
def duty_sign_confirm(*, actor: AbstractBaseUser, center: Center, person: AbstractBaseUser, direction: str,
                      now: dt.datetime | None = None) -> list[DutySign]:
    """A dispatcher (or the duty director, a commander) at the center confirms that `person` arrived
    (`direction` IN) or left (OUT): recorded as confirmed, with who confirmed. Never for oneself: one's
    own presence is proved with the code."""
    now = now or timezone.now()
    require_role(actor, MAY_SUPERVISE_WORK, gettext("只有调度员、轮值主任或指挥长可以确认人员到岗。"))
    require_acts_here(actor=actor, center=center)
    require_on_duty(actor=actor, center=center, task=FLOW, now=now)
    if person.pk == actor.pk:
        raise PermissionDeniedError(gettext("不能为本人确认到岗或离岗：请输入大屏上的签到码。"), code="self_confirmation")
    if direction == IN:
        return _sign_in(center=center, person=person, now=now, method=SignMethod.CONFIRMED, confirmed_by=actor,
                        yourself=False)
    if direction == OUT:
        return _sign_out(center=center, person=person, now=now, method=SignMethod.CONFIRMED, confirmed_by=actor,
                         yourself=False)
    raise ApplicationError(gettext("请选择确认到岗或离岗。"), code="invalid_direction", field="direction")
