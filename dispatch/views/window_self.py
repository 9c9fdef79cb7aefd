"""窗口自办 on the window's receipt: a stationed department's window takes the matter it just received
into its own department (`dispatch.services.window_self`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dispatch.forms import SelfHandleForm
from dispatch.services.window_self import case_self_handle, self_handling_due_at, self_handling_window_or_none
from governance.page_actions import Action, perform
from governance.roles import MAY_SELF_HANDLE_AT_WINDOW, may
from intake.models import Case
from intake.selectors import case_get_for_actor


def _done(assignment: Any) -> str:
    return gettext("已受理为%(department)s自办，须于 %(due)s 前办结反馈。") % {
        "department": assignment.department.name, "due": f"{timezone.localtime(assignment.due_at):%Y-%m-%d %H:%M}"}


SELF_HANDLE = Action(SelfHandleForm, case_self_handle, "case", _done)


def self_handle_action(*, case: Case, request: HttpRequest) -> list[SafeString | str]:
    """Intake's `window_actions`: the 本部门自办 form for a clerk of the department's window that
    received the matter (nothing for anyone else, nor once the matter has moved on)."""
    user = request.user
    if not user.is_authenticated or not may(user, MAY_SELF_HANDLE_AT_WINDOW):
        return []
    now = timezone.now()
    window = self_handling_window_or_none(actor=user, case=case, now=now)
    if window is None:
        return []
    return [render_to_string("dispatch/window/_self_handle.html", {
        "case": case, "window": window, "department": window.department,
        "due_at": self_handling_due_at(case=case, now=now)}, request=request)]


@login_required
@require_POST
def case_self_handle_view(request: HttpRequest, code: str) -> HttpResponse:
    case = case_get_for_actor(actor=request.user, pk_or_code=code)
    if perform(request, SELF_HANDLE, case, center=case.center):
        return redirect("intake:case_detail", code=case.code)
    return redirect("intake:receipt", code=case.code)
