"""The duty roster month calendar and its override / swap / cancel actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dispatch import selectors, services
from dispatch.context_processors import on_duty_summary
from dispatch.duty_forms import ActingGrantForm, ActingGrantRevokeForm, ShiftCancelForm, ShiftForm, SwapForm
from dispatch.selectors.duty import acting_grant_get
from dispatch.views.common import center_or_404
from governance.page_actions import Action, perform
from governance.parsing import year_month
from governance.roles import (
    MAY_ACT_ON_DUTY,
    MAY_MANAGE_ROSTER,
    MAY_VIEW_BOARD,
    MAY_VIEW_ROSTER,
    Role,
    has_role,
    may,
)
from governance.selectors import center_people_with_roles

GAP_LOOKAHEAD_DAYS = 14


def _month_from(request: HttpRequest, today: dt.date) -> dt.date:
    parsed = year_month(request.GET.get("month", ""))
    return dt.date(*parsed, 1) if parsed else today.replace(day=1)


def _weeks(days: list[selectors.DutyDay]) -> list[list[selectors.DutyDay | None]]:
    """Monday-first calendar rows, padded with None."""
    cells: list[selectors.DutyDay | None] = [None] * days[0].date.weekday() + list(days)
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def _roster_url(day: dt.date | None = None) -> str:
    url = reverse("dispatch:roster")
    return f"{url}?month={day:%Y-%m}" if day else url


@login_required
def roster_calendar(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_VIEW_ROSTER):
        raise PermissionDenied
    center = center_or_404(request)
    now = timezone.now()
    if not selectors.center_keeps_rotation(center=center):
        # A town or village without a rotation of its own (`dispatch.selectors.duty`: its own duty
        # directors act at any time): no calendar of false gaps, no swap forms.
        district = center.district or center
        return render(request, "dispatch/roster_none.html", {
            "center": center, "district": district,
            "directors": center_people_with_roles(center=center, roles=MAY_ACT_ON_DUTY),
            "on_duty": on_duty_summary(center=district, at=now) if district != center else None,
            "is_manager": may(request.user, MAY_MANAGE_ROSTER)})
    today = timezone.localdate(now)
    first = _month_from(request, today)
    days = selectors.duty_month(center=center, year=first.year, month=first.month)
    may_edit = may(request.user, MAY_MANAGE_ROSTER) or has_role(request.user, Role.DUTY_DIRECTOR)
    context = {
        "center": center,
        "month": first,
        "previous_month": (first - dt.timedelta(days=1)).replace(day=1),
        "next_month": (first + dt.timedelta(days=32)).replace(day=1),
        "weeks": _weeks(days),
        "today": today,
        "gaps_ahead": selectors.roster_gaps(center=center, start=today, days=GAP_LOOKAHEAD_DAYS),
        "gap_lookahead_days": GAP_LOOKAHEAD_DAYS,
        "month_gap_count": sum(1 for day in days if day.is_gap),
        "upcoming_shifts": selectors.duty_shifts_upcoming(center=center, start=today),
        "command_assignments": selectors.command_assignments_current(center=center, on=today),
        "on_duty": on_duty_summary(center=center, at=now),
        "may_edit": may_edit,
        "is_manager": may(request.user, MAY_MANAGE_ROSTER),
        "shift_form": ShiftForm(center=center, actor=request.user, target=center) if may_edit else None,
        "swap_form": SwapForm() if may_edit else None,
    }
    return render(request, "dispatch/roster.html", context)


def _shift_made(shift: Any) -> str:
    return _("已登记 %(date)s 的调班。") % {"date": shift.date}


def _swapped(pair: Any) -> str:
    return _("已调换 %(a)s 与 %(b)s 的轮值。") % {"a": pair[0].date, "b": pair[1].date}


SHIFT_CREATE = Action(ShiftForm, services.duty_shift_create, "center", _shift_made)
SWAP = Action(SwapForm, services.duty_swap, "center", _swapped)
SHIFT_CANCEL = Action(ShiftCancelForm, services.duty_shift_cancel, "shift_id",
                      gettext_lazy("已撤销调班，恢复按轮值规则排班。"))


def _act(request: HttpRequest, action: Action, obj: Any = None) -> tuple[Any, dict[str, Any]]:
    """Perform a roster action in the user's center; its result and the form's cleaned data (the
    month to return to)."""
    if not may(request.user, MAY_VIEW_ROSTER):
        raise PermissionDenied
    center = center_or_404(request)
    target = center if obj is None else obj
    form = action.form(request.POST, center=center, actor=request.user, target=target)
    result = perform(request, action, target, center=center, form=form)
    return result, getattr(form, "cleaned_data", {})


@login_required
@require_POST
def roster_shift_create(request: HttpRequest) -> HttpResponse:
    shift, data = _act(request, SHIFT_CREATE)
    return redirect(_roster_url(getattr(shift, "date", None) or data.get("date")))


@login_required
@require_POST
def roster_swap(request: HttpRequest) -> HttpResponse:
    _pair, data = _act(request, SWAP)
    return redirect(_roster_url(data.get("first")))


@login_required
@require_POST
def roster_shift_cancel(request: HttpRequest, shift_id: int) -> HttpResponse:
    _act(request, SHIFT_CANCEL, shift_id)
    return redirect(_roster_url())


# --- the commander opens the duty director's rights (shown and entered on the board) -------------------
ACTING_GRANT = Action(ActingGrantForm, services.acting_grant_create, "center",
                      gettext_lazy("已授权代行轮值主任职责，已通知本人。"))
ACTING_REVOKE = Action(ActingGrantRevokeForm, services.acting_grant_revoke, "grant", gettext_lazy("已收回授权。"))


@login_required
@require_POST
def acting_grant_create(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_VIEW_BOARD):
        raise PermissionDenied
    center = center_or_404(request)
    form = ActingGrantForm(request.POST, center=center, actor=request.user, target=center)
    perform(request, ACTING_GRANT, center, center=center, form=form)
    return redirect(reverse("dispatch:board") + "#duty")


@login_required
@require_POST
def acting_grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if not may(request.user, MAY_VIEW_BOARD):
        raise PermissionDenied
    center = center_or_404(request)
    grant = acting_grant_get(center=center, pk=pk)
    perform(request, ACTING_REVOKE, grant, center=center)
    return redirect(reverse("dispatch:board") + "#duty")
