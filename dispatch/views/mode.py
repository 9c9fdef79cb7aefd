"""The commanders' page: declare or end wartime and read every switch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch import selectors, services
from dispatch.forms import DeclareWartimeForm, EndWartimeForm
from dispatch.views.common import center_or_404
from governance.errors import ApplicationError
from governance.page_actions import show_error, show_form_errors
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
        "declare_form": DeclareWartimeForm() if may_switch else None,
        "end_form": EndWartimeForm() if may_switch else None,
    }
    return render(request, "dispatch/mode.html", context)


@login_required
@require_POST
def mode_declare(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_SWITCH_MODE):
        raise PermissionDenied
    center = center_or_404(request)
    form = DeclareWartimeForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("dispatch:mode")
    data = form.cleaned_data
    try:
        mode = services.mode_declare_wartime(
            actor=request.user,
            center=center,
            level=data["level"],
            reason=data["reason"],
            summons_report_in_minutes=data["summons_report_in_minutes"],
            assignment_limit_percent=data["assignment_limit_percent"],
            now=timezone.now(),
        )
    except ApplicationError as exc:
        show_error(request, exc)
    else:
        messages.warning(request, _("已启动战时状态：%(level)s。") % {"level": mode.get_level_display()})
    return redirect("dispatch:mode")


@login_required
@require_POST
def mode_end(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_SWITCH_MODE):
        raise PermissionDenied
    center = center_or_404(request)
    form = EndWartimeForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("dispatch:mode")
    try:
        services.mode_end_wartime(
            actor=request.user, center=center, reason=form.cleaned_data["reason"], now=timezone.now()
        )
    except ApplicationError as exc:
        show_error(request, exc)
    else:
        messages.success(request, _("已结束战时状态，恢复平时。"))
    return redirect("dispatch:mode")
