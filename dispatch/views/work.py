"""Pages of dispatch work: the board, the department inbox, a matter's work page, assignments, summons.

Interfaces only: parse the form, fetch-and-authorise through a selector (404 when not yours),
call one service, show its ApplicationError as a message, redirect.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from dispatch import services as svc
from dispatch.choices import ResolvedAnswer, Satisfaction, SummonsStatus
from dispatch.models import ExtensionRequest
from dispatch.selectors import work as sel
from dispatch.views.common import center_or_404
from governance.errors import ApplicationError, NotFoundError
from governance.models import Center, Department
from governance.roles import (
    MAY_APPROVE_SUMMONS,
    MAY_DISPATCH,
    MAY_HANDLE_ASSIGNMENTS,
    MAY_SUPERVISE_WORK,
    MAY_VERIFY,
    MAY_VIEW_BOARD,
    may,
    user_department_ids,
)
from intake import hooks as intake_hooks
from intake.choices import HandlingMode
from intake.models import Case


def _not_found_as_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Selectors answer NotFoundError for "missing" and "not yours" alike; pages answer 404."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.message) from None

    return wrapped


def _run(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def _departments(center: Center, ids: list[str]) -> list[Department]:
    wanted = [int(pk) for pk in ids if str(pk).isdigit()]
    found = {dept.pk: dept for dept in Department.objects.filter(center=center, pk__in=wanted, active=True)}
    return [found[pk] for pk in wanted if pk in found]


def _user(pk: str | None):
    if not pk or not str(pk).isdigit():
        return None
    return get_user_model().objects.filter(pk=int(pk), is_active=True).first()


def _datetime(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


# --- board -------------------------------------------------------------------------------------
@login_required
@_not_found_as_404
def board(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_VIEW_BOARD):
        raise PermissionDenied
    center = center_or_404(request)
    data = sel.dispatch_board(center=center)
    context = {
        "board": data,
        "rows": [(case, data.suggestions.get(case.pk)) for case in data.pending],
        "can_dispatch": may(request.user, MAY_DISPATCH),
        "can_approve": may(request.user, MAY_APPROVE_SUMMONS),
        "modes": [(m.value, m.label) for m in HandlingMode if m != HandlingMode.SELF],
    }
    return render(request, "dispatch/work/board.html", context)


@login_required
@_not_found_as_404
@require_POST
def case_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    case = sel.case_get_for_work(actor=request.user, pk=pk)
    center = case.center
    lead = _departments(center, [request.POST.get("lead_department", "")])
    co = _departments(center, request.POST.getlist("co_departments"))
    if not lead:
        messages.error(request, gettext("请选择承办（牵头）部门。"))
        return redirect("dispatch:board")
    every = request.POST.get("progress_every_working_days", "")
    _run(request, lambda: svc.case_dispatch(
        actor=request.user, case=case, mode=request.POST.get("mode", ""), lead_department=lead[0],
        co_departments=co, instructions=request.POST.get("instructions", ""),
        supervising_leader=_user(request.POST.get("supervising_leader")),
        progress_every_working_days=int(every) if every.isdigit() else None), gettext("已派单：%(code)s") % {"code": case.code})
    return redirect("dispatch:board")


# --- a matter's work page ------------------------------------------------------------------------
@login_required
@_not_found_as_404
def case_work(request: HttpRequest, pk: int) -> HttpResponse:
    case = sel.case_get_for_work(actor=request.user, pk=pk)
    context = {
        "case": case,
        **sel.case_work_detail(case=case),
        "is_center": may(request.user, MAY_SUPERVISE_WORK),
        "can_dispatch": may(request.user, MAY_DISPATCH),
        "departments": Department.objects.filter(center=case.center, active=True).order_by("short_code"),
        "centers": Center.objects.filter(active=True).exclude(pk=case.center_id).filter(
            pk__in=[case.center.parent_id or 0, *case.center.children.values_list("pk", flat=True)]),
        "resolved_choices": ResolvedAnswer.choices,
        "satisfaction_choices": Satisfaction.choices,
        "panels": intake_hooks.case_panels(case=case, user=request.user),
    }
    return render(request, "dispatch/work/case.html", context)


CASE_ACTIONS: dict[str, tuple[Callable[[HttpRequest, Case], Any], str]] = {
    "verify": (lambda r, c: svc.case_verify(actor=r.user, case=c, passed=r.POST.get("passed") == "yes",
                                            notes=r.POST.get("notes", "")), gettext_lazy("已记录核查结果")),
    "revisit": (lambda r, c: svc.case_revisit(actor=r.user, case=c, resolved=r.POST.get("resolved", ""),
                                              satisfaction=r.POST.get("satisfaction", ""),
                                              notes=r.POST.get("notes", "")), gettext_lazy("已记录回访")),
    "close": (lambda r, c: svc.case_close(actor=r.user, case=c, note=r.POST.get("note", "")), gettext_lazy("事项已办结")),
    "explain": (lambda r, c: svc.case_record_explanation_call(actor=r.user, case=c, notes=r.POST.get("notes", "")),
                gettext_lazy("已记录解释回访")),
    "move": (lambda r, c: svc.case_move_center(
        actor=r.user, case=c, reason=r.POST.get("reason", ""),
        to_center=Center.objects.filter(pk=int(r.POST.get("to_center") or 0)).first() or c.center),
        gettext_lazy("已转至其他中心")),
}


@login_required
@_not_found_as_404
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in CASE_ACTIONS:
        raise Http404
    case = sel.case_get_for_work(actor=request.user, pk=pk)
    handler, success = CASE_ACTIONS[action]
    _run(request, lambda: handler(request, case), success)
    try:
        sel.case_get_for_work(actor=request.user, pk=pk)
    except NotFoundError:
        return redirect("dispatch:board")
    return redirect("dispatch:work-case", pk)


# --- department inbox and assignment page --------------------------------------------------------
@login_required
@_not_found_as_404
def inbox(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_HANDLE_ASSIGNMENTS):
        raise PermissionDenied
    rows = list(sel.assignments_for_department_user(user=request.user))
    now = timezone.now()
    for row in rows:
        row.is_overdue = row.is_open and row.due_at < now
    return render(request, "dispatch/work/inbox.html", {"assignments": rows, "now": now})


@login_required
@_not_found_as_404
def assignment_page(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = sel.assignment_get_for_actor(actor=request.user, pk=pk)
    context = {
        "assignment": assignment,
        "case": assignment.case,
        "reports": assignment.reports.select_related("author").prefetch_related("attachments"),
        "co_parts": assignment.co_parts.select_related("department"),
        "extensions": assignment.extension_requests.select_related("requested_by", "decided_by"),
        "is_department": may(request.user, MAY_HANDLE_ASSIGNMENTS)
        and assignment.department_id in user_department_ids(request.user),
        "can_dispatch": may(request.user, MAY_DISPATCH),
        "is_center": may(request.user, MAY_SUPERVISE_WORK),
        "departments": Department.objects.filter(center=assignment.center, active=True).order_by("short_code"),
        "now": timezone.now(),
    }
    return render(request, "dispatch/work/assignment.html", context)


ASSIGNMENT_ACTIONS: dict[str, tuple[Callable[[HttpRequest, Any], Any], str]] = {
    "acknowledge": (lambda r, a: svc.assignment_acknowledge(actor=r.user, assignment=a), gettext_lazy("已签收")),
    "progress": (lambda r, a: svc.assignment_report_progress(actor=r.user, assignment=a,
                                                             text=r.POST.get("text", "")), gettext_lazy("已报告进度")),
    "report_back": (lambda r, a: svc.assignment_report_back(actor=r.user, assignment=a, text=r.POST.get("text", ""),
                                                            files=r.FILES.getlist("files")), gettext_lazy("已反馈办理结果")),
    "extension": (lambda r, a: svc.assignment_request_extension(
        actor=r.user, assignment=a, reason=r.POST.get("reason", ""),
        requested_due_at=_datetime(r.POST.get("requested_due_at")) or a.due_at), gettext_lazy("已提交延期申请")),
    "decline": (lambda r, a: svc.assignment_decline(actor=r.user, assignment=a, reason=r.POST.get("reason", "")),
                gettext_lazy("已退回，待轮值主任裁定")),
    "rule_decline": (lambda r, a: svc.assignment_rule_decline(
        actor=r.user, assignment=a, accept=r.POST.get("accept") == "yes",
        department=(_departments(a.center, [r.POST.get("department", "")]) or [None])[0],
        note=r.POST.get("note", "")), gettext_lazy("已裁定")),
    "rework": (lambda r, a: svc.assignment_return_for_rework(actor=r.user, assignment=a,
                                                             reason=r.POST.get("reason", "")), gettext_lazy("已退回重办")),
    "remind": (lambda r, a: svc.assignment_remind(actor=r.user, assignment=a, note=r.POST.get("note", "")), gettext_lazy("已催办")),
    "supervise": (lambda r, a: svc.assignment_supervise(
        actor=r.user, assignment=a, leader=_user(r.POST.get("leader")) or r.user,
        every_working_days=int(r.POST.get("every_working_days") or 2), note=r.POST.get("note", "")), gettext_lazy("已督办")),
    "reassign": (lambda r, a: svc.assignment_reassign(
        actor=r.user, assignment=a, reason=r.POST.get("reason", ""),
        department=(_departments(a.center, [r.POST.get("department", "")]) or [a.department])[0]), gettext_lazy("已改派")),
}


@login_required
@_not_found_as_404
@require_POST
def assignment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ASSIGNMENT_ACTIONS:
        raise Http404
    assignment = sel.assignment_get_for_actor(actor=request.user, pk=pk)
    handler, success = ASSIGNMENT_ACTIONS[action]
    _run(request, lambda: handler(request, assignment), success)
    return redirect(request.POST.get("next") or reverse("dispatch:work-assignment", args=[pk]))


@login_required
@_not_found_as_404
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    if not may(request.user, MAY_SUPERVISE_WORK):
        raise Http404
    extension = ExtensionRequest.objects.select_related("assignment__case", "assignment__department").filter(
        pk=pk).first()
    if extension is None:
        raise Http404
    approve = request.POST.get("approve") == "yes"
    _run(request, lambda: svc.extension_decide(actor=request.user, extension=extension, approve=approve,
                                               note=request.POST.get("note", "")),
         gettext_lazy("已批准延期") if approve else gettext_lazy("已不予延期"))
    return redirect(request.POST.get("next") or reverse("dispatch:board"))


# --- summons -------------------------------------------------------------------------------------
class SummonsForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("召集事由"), widget=forms.Textarea(attrs={"rows": 2}))
    case = forms.CharField(label=gettext_lazy("事项编号"), required=False, max_length=40)


@login_required
@_not_found_as_404
@require_POST
def summons_new(request: HttpRequest) -> HttpResponse:
    center = center_or_404(request)
    form = SummonsForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请填写召集事由。"))
        return redirect("dispatch:board")
    case = None
    if form.cleaned_data["case"].strip():
        try:
            case = sel.case_get_for_work_by_key(actor=request.user, key=form.cleaned_data["case"])
        except NotFoundError as error:
            messages.error(request, error.message)
            return redirect("dispatch:board")
    result: dict[str, Any] = {}

    def act() -> None:
        result["summons"] = svc.summons_request(
            actor=request.user, center=center, case=case, reason=form.cleaned_data["reason"],
            departments=_departments(center, request.POST.getlist("departments")))

    _run(request, act, gettext_lazy("已提交召集申请，待指挥长审批"))
    if "summons" in result:
        return redirect("dispatch:work-summons", result["summons"].pk)
    return redirect("dispatch:board")


@login_required
@_not_found_as_404
def summons_page(request: HttpRequest, pk: int) -> HttpResponse:
    summons = sel.summons_get_for_actor(actor=request.user, pk=pk)
    now = timezone.now()
    rows = list(summons.departments.select_related("department", "reported_in_person"))
    mine = user_department_ids(request.user)
    for row in rows:
        row.is_late = bool(summons.report_in_due_at and row.reported_in_at is None and summons.report_in_due_at < now)
        row.is_mine = row.department_id in mine
    remaining = int((summons.report_in_due_at - now).total_seconds()) if summons.report_in_due_at else None
    return render(request, "dispatch/work/summons.html", {
        "summons": summons, "rows": rows, "remaining_seconds": remaining, "now": now,
        "can_approve": may(request.user, MAY_APPROVE_SUMMONS) and summons.status == SummonsStatus.REQUESTED,
        "is_center": may(request.user, MAY_SUPERVISE_WORK),
    })


SUMMONS_ACTIONS = {
    "approve": (lambda r, s: svc.summons_approve(actor=r.user, summons=s, note=r.POST.get("note", "")), gettext_lazy("已批准召集")),
    "refuse": (lambda r, s: svc.summons_refuse(actor=r.user, summons=s, note=r.POST.get("note", "")), gettext_lazy("已不予召集")),
    "close": (lambda r, s: svc.summons_close(actor=r.user, summons=s, note=r.POST.get("note", "")), gettext_lazy("召集已结束")),
}


@login_required
@_not_found_as_404
@require_POST
def summons_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in SUMMONS_ACTIONS:
        raise Http404
    summons = sel.summons_get_for_actor(actor=request.user, pk=pk)
    handler, success = SUMMONS_ACTIONS[action]
    _run(request, lambda: handler(request, summons), success)
    return redirect("dispatch:work-summons", pk)


@login_required
@_not_found_as_404
@require_POST
def summons_department_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    row = sel.summons_department_get_for_actor(actor=request.user, pk=pk)
    if action == "acknowledge":
        _run(request, lambda: svc.summons_acknowledge(actor=request.user, row=row), gettext_lazy("已确认召集"))
    elif action == "report_in":
        _run(request, lambda: svc.summons_report_in(actor=request.user, row=row,
                                                    person=_user(request.POST.get("person"))), gettext_lazy("已报到"))
    else:
        raise Http404
    return redirect("dispatch:work-summons", row.summons_id)


@login_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    """待核查: matters reported back in my grids (grid worker) or my center (center staff)."""
    if not may(request.user, MAY_VERIFY):
        raise PermissionDenied
    cases = sel.cases_awaiting_verification(actor=request.user, center=center_or_404(request))
    return render(request, "dispatch/work/verification_queue.html", {"cases": cases})
