"""Duty attendance pages: the command center's screen with the sign-in code, and the sign-in page
(a phone form for one's own shift; the day's sheet with confirmations for the center's staff)."""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from dispatch.duty_forms import SignCodeForm, SignConfirmForm
from dispatch.models import DutySign
from dispatch.selectors.attendance import (
    attendance_code,
    attendance_code_valid_until,
    attendance_sheet,
    duty_signs_of_person,
    posts_held,
    signs_of_shift,
)
from dispatch.selectors.duty import duty_standing
from dispatch.services.attendance import duty_sign_confirm, duty_sign_in, duty_sign_out
from dispatch.views.common import center_or_404
from governance.page_actions import Action, perform
from governance.roles import MAY_SHOW_SIGN_CODE, MAY_SIGN_IN_AT_CENTER, may

HISTORY_DAYS = 31


def _signed(signs: list[DutySign]) -> str:
    parts = []
    for sign in signs:
        text = f"{sign.get_post_display()} {timezone.localtime(sign.signed_in_at):%H:%M}"
        if sign.signed_out_at:
            text += gettext("，签退 %(at)s") % {"at": f"{timezone.localtime(sign.signed_out_at):%H:%M}"}
        parts.append(text)
    return gettext("已签到：%(signs)s") % {"signs": "；".join(parts)}


def _signed_out(signs: list[DutySign]) -> str:
    return gettext("已签退：%(at)s") % {"at": "、".join(f"{timezone.localtime(s.signed_out_at):%H:%M}"
                                                      for s in signs if s.signed_out_at)}


SIGN_IN = Action(SignCodeForm, duty_sign_in, "center", _signed)
SIGN_OUT = Action(SignCodeForm, duty_sign_out, "center", _signed_out)
CONFIRM = Action(SignConfirmForm, duty_sign_confirm, "center", gettext_lazy("已确认并记录（调度员确认）。"))


@login_required
def attendance_page(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_SIGN_IN_AT_CENTER):
        raise PermissionDenied
    center = center_or_404(request)
    now = timezone.now()
    today = timezone.localdate(now)
    staff = may(request.user, MAY_SHOW_SIGN_CODE)
    context: dict[str, object] = {
        "center": center, "today": today, "staff": staff,
        "posts": posts_held(center=center, person=request.user, day=today),
        "mine": signs_of_shift(center=center, person=request.user, at=now),
        "history": list(duty_signs_of_person(person=request.user, first=today.replace(day=1), last=today)[:HISTORY_DAYS]),
        "form": SignCodeForm(),
    }
    if staff:
        context["sheet"] = attendance_sheet(center=center, day=today)
        context["standing"] = duty_standing(actor=request.user, center=center, at=now)
    return render(request, "dispatch/attendance.html", context)


@login_required
def attendance_screen(request: HttpRequest) -> HttpResponse:
    """The command center's screen: the code of this minute, large, and the day's sheet; the page
    reloads itself when the minute turns."""
    if not may(request.user, MAY_SHOW_SIGN_CODE):
        raise PermissionDenied
    center = center_or_404(request)
    now = timezone.now()
    until = attendance_code_valid_until(at=now)
    return render(request, "dispatch/attendance_screen.html", {
        "center": center, "code": attendance_code(center=center, at=now), "now": now, "until": until,
        "refresh_seconds": max(1, math.ceil((until - now).total_seconds())),
        "sheet": attendance_sheet(center=center, day=timezone.localdate(now)),
    })


def _act(request: HttpRequest, action: Action) -> HttpResponse:
    if not may(request.user, MAY_SIGN_IN_AT_CENTER):
        raise PermissionDenied
    center = center_or_404(request)
    perform(request, action, center, center=center)
    return redirect("dispatch:attendance")


@login_required
@require_POST
def attendance_sign_in(request: HttpRequest) -> HttpResponse:
    return _act(request, SIGN_IN)


@login_required
@require_POST
def attendance_sign_out(request: HttpRequest) -> HttpResponse:
    return _act(request, SIGN_OUT)


@login_required
@require_POST
def attendance_confirm(request: HttpRequest) -> HttpResponse:
    return _act(request, CONFIRM)
