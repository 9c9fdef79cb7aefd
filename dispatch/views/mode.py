"""The commanders' page: declare or end wartime and read every switch."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dispatch import selectors, services
from dispatch.duty_forms import DeclareWartimeForm, EndWartimeForm
from dispatch.views.common import center_or_404
from governance.page_actions import Action, perform
from governance.roles import MAY_SWITCH_MODE, MAY_VIEW_MODE, may

HISTORY_ROWS = 100


@login_required
def mode_page(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_VIEW_MODE):
        raise PermissionDenied
    center = center_or_404(request)
    may_switch = may(request.user, MAY_SWITCH_MODE)
    context = {
        "center": center,
        "current": selectors.mode_current(center=center),
        "history": selectors.mode_history(center=center)[:HISTORY_ROWS],
        "may_switch": may_switch,
        "declare_form": DeclareWartimeForm(center=center) if may_switch else None,
        "end_form": EndWartimeForm(center=center) if may_switch else None,
    }
    return render(request, "dispatch/mode.html", context)


def _declared(mode: Any) -> str:
    return _("已启动战时状态：%(level)s。") % {"level": mode.get_level_display()}


DECLARE = Action(DeclareWartimeForm, services.mode_declare_wartime, "center", _declared, level=messages.WARNING)
END = Action(EndWartimeForm, services.mode_end_wartime, "center", gettext_lazy("已结束战时状态，恢复平时。"))


def _switch(request: HttpRequest, action: Action) -> HttpResponse:
    if not may(request.user, MAY_SWITCH_MODE):
        raise PermissionDenied
    center = center_or_404(request)
    if perform(request, action, center, center=center) is None:
        return redirect("dispatch:mode")
    return redirect("dispatch:wartime")  # what the declaration set running, or what its end released


@login_required
@require_POST
def mode_declare(request: HttpRequest) -> HttpResponse:
    return _switch(request, DECLARE)


@login_required
@require_POST
def mode_end(request: HttpRequest) -> HttpResponse:
    return _switch(request, END)
