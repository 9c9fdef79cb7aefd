"""The grid worker's phone pages (汇治理): my grids, patrols, reports, the ledger, my tasks and
the on-site verification. One service call per action: a patrol's start and finish through
`perform`; the report, the ledger and the verification show their form again with the errors
inline (the report and the patrol also carry the phone's key, for entries queued offline)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from dispatch.selectors.clocks import case_clocks
from dispatch.selectors.work import case_work_detail
from dispatch.services.closing import four_eyes_refusal
from governance.errors import ApplicationError, NotFoundError
from governance.page_actions import Action, AlreadyDone, call_once, perform, say_already_done
from governance.roles import MAY_SEE_GRID_MATTERS, may
from grid import selectors as sel
from grid import services as svc
from grid.choices import ItemKind
from grid.forms import ItemForm, PatrolFinishForm, PatrolStartForm, ReportForm, VerifyForm, new_client_key
from intake.choices import PartyRole
from intake.models import Case, CaseParty
from intake.selectors import categories_for_picker


def worker_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Grid workers only; "missing" and "not yours" both answer 404."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may(request.user, MAY_SEE_GRID_MATTERS):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _errors(form: Any, error: ApplicationError) -> None:
    """Show a service's errors on the form: every failed field (registration lists them all)."""
    errors = (error.extra or {}).get("errors")
    items = errors.items() if isinstance(errors, dict) else [(error.field, error.message)]
    for field, message in items:
        name = str(field or "").split(".")[0]
        form.add_error(name if name in form.fields else None, str(message))


@worker_page
def home(request: HttpRequest) -> HttpResponse:
    grids = list(sel.grids_of_worker(worker=request.user))
    counts = sel.open_counts_of_grids(grid_ids=[grid.pk for grid in grids])
    for grid in grids:
        grid.open_cases, grid.to_verify = counts.get(grid.pk, (0, 0))
        grid.client_key = new_client_key()  # the phone replaces it if it queues the entry offline
    patrol = sel.patrol_open_for_worker(worker=request.user)
    context = {
        "grids": grids,
        "patrol": patrol,
        "finish_form": PatrolFinishForm(),
        "to_verify": len(sel.verification_tasks(worker=request.user)),
        "reports": sel.reports_of_worker(worker=request.user, limit=5),
        "patrols": sel.patrols_of_worker(worker=request.user, limit=5),
    }
    return render(request, "grid/home.html", context)


def _patrol_started(patrol: Any) -> str:
    return gettext("巡查已开始：%(grid)s") % {"grid": patrol.grid.name}


PATROL_START = Action(PatrolStartForm, svc.patrol_start, "", _patrol_started)
PATROL_FINISH = Action(PatrolFinishForm, svc.patrol_finish, "patrol", gettext_lazy("巡查已结束并保存。"))


@worker_page
@require_POST
def patrol_start(request: HttpRequest) -> HttpResponse:
    perform(request, PATROL_START, center=None)
    return redirect("grid:home")


@worker_page
@require_POST
def patrol_finish(request: HttpRequest, pk: int) -> HttpResponse:
    perform(request, PATROL_FINISH, sel.patrol_get_for_worker(actor=request.user, pk=pk), center=None)
    return redirect("grid:home")


@worker_page
def report(request: HttpRequest) -> HttpResponse:
    grids = list(sel.grids_of_worker(worker=request.user))
    if not grids:
        messages.error(request, gettext("您还没有负责的网格，请联系管理员配置。"))
        return redirect("grid:home")
    patrol = sel.patrol_open_for_worker(worker=request.user)
    initial = {"grid": patrol.grid_id if patrol else grids[0].pk}
    form = ReportForm(request.POST or None, request.FILES or None, grids=grids, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grid = sel.grid_get_for_worker(actor=request.user, pk=data["grid"])
        try:
            rep, created = svc.grid_report_submit(
                actor=request.user, grid=grid, client_key=data["client_key"], category=data["category"],
                title=data["title"], description=data["description"], address=data["address"],
                urgency=data["urgency"], risk_level=data["risk_level"], photos=data["photos"],
                is_group=bool(data["group_size"]), group_size=data["group_size"] or 1,
                patrol=patrol if patrol and patrol.grid_id == grid.pk else None)
        except ApplicationError as error:
            _errors(form, error)
        else:
            messages.success(request, (gettext("已上报：%(code)s，已进入%(center)s待办。") if created
                                       else gettext("此上报此前已收到：%(code)s（%(center)s）。")) % {
                "code": rep.case.code, "center": rep.case.center.name})
            return redirect("grid:home")
    status = 400 if request.method == "POST" else 200
    # The category is picked with the window's type-ahead, grouped by parent (same list, same script).
    categories = categories_for_picker()
    chosen = str(form["category"].value() or "")
    selected = next((c["path"] for c in categories if str(c["id"]) == chosen), "")
    return render(request, "grid/report.html", {"form": form, "patrol": patrol, "categories": categories,
                                                "selected_category": selected}, status=status)


@worker_page
def ledger(request: HttpRequest, grid_pk: int) -> HttpResponse:
    grid = sel.grid_get_for_worker(actor=request.user, pk=grid_pk)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call_once(request, form, lambda data: svc.collected_item_save(
                actor=request.user, grid=grid, patrol=_patrol_in(request, grid), **data))
        except AlreadyDone:
            say_already_done(request)
            return redirect("grid:ledger", grid.pk)
        except ApplicationError as error:
            _errors(form, error)
        else:
            messages.success(request, gettext("已采集：%(name)s") % {"name": form.cleaned_data["name"]})
            return redirect("grid:ledger", grid.pk)
    kind = request.GET.get("kind", "")
    items = sel.collected_items_of_grid(grid=grid, kind=kind if kind in ItemKind.values else None)
    return render(request, "grid/ledger.html", {"grid": grid, "items": items, "form": form,
                                                "kinds": ItemKind.choices, "kind": kind},
                  status=400 if request.method == "POST" else 200)


def _patrol_in(request: HttpRequest, grid: Any) -> Any:
    patrol = sel.patrol_open_for_worker(worker=request.user)
    return patrol if patrol is not None and patrol.grid_id == grid.pk else None


@worker_page
def item(request: HttpRequest, pk: int) -> HttpResponse:
    entry = sel.collected_item_get_for_worker(actor=request.user, pk=pk)
    initial = {f: getattr(entry, f) for f in ("kind", "name", "address", "households", "residents", "details")}
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            call_once(request, form, lambda data: svc.collected_item_save(
                actor=request.user, grid=entry.grid, item=entry, patrol=_patrol_in(request, entry.grid), **data))
        except AlreadyDone:
            say_already_done(request)
            return redirect("grid:ledger", entry.grid_id)
        except ApplicationError as error:
            _errors(form, error)
        else:
            messages.success(request, gettext("已更新：%(name)s") % {"name": form.cleaned_data["name"]})
            return redirect("grid:ledger", entry.grid_id)
    changes = entry.changes.select_related("actor").order_by("-changed_at", "-pk")
    return render(request, "grid/item.html", {"item": entry, "form": form, "changes": changes},
                  status=400 if request.method == "POST" else 200)


@worker_page
def tasks(request: HttpRequest) -> HttpResponse:
    verify, revisit = list(sel.verification_tasks(worker=request.user)), list(sel.revisit_tasks(worker=request.user))
    clocks = case_clocks(case_ids=[case.pk for case in verify + revisit])
    for case in verify + revisit:
        case.clocks = clocks.get(case.pk, [])
    return render(request, "grid/tasks.html", {"verify": verify, "revisit": revisit})


def _case_for_worker(request: HttpRequest, pk: int) -> Case:
    case = (Case.objects.select_related("grid", "category", "center")
            .filter(pk=pk, grid_id__in=sel.grid_ids_to_verify(user=request.user)).first())
    if case is None:
        raise NotFoundError()
    return case


@worker_page
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    """核查 on site, made for one thumb at 390 px: where, who to call, what was reported, then
    pass or fail with notes and photos."""
    case = _case_for_worker(request, pk)
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.grid_case_verify(actor=request.user, case=case, passed=form.cleaned_data["passed"],
                                 notes=form.cleaned_data["notes"], photos=form.cleaned_data["photos"])
        except ApplicationError as error:
            _errors(form, error)
        else:
            messages.success(request, gettext("核查结果已记录：%(code)s") % {"code": case.code})
            return redirect("grid:tasks")
    detail = case_work_detail(case=case)
    reports = [r for a in detail["assignments"] for r in a.reports.all()]
    context = {
        "case": case,
        "form": form,
        "applicants": CaseParty.objects.filter(case=case, role=PartyRole.APPLICANT).select_related("party"),
        "reports": reports,
        "photos": case.attachments.filter(content_type__startswith="image/").order_by("pk"),
        "can_verify": case.pk in {c.pk for c in sel.verification_tasks(worker=request.user)},
        "four_eyes": four_eyes_refusal(actor=request.user, case=case),
    }
    return render(request, "grid/verify.html", context, status=400 if request.method == "POST" else 200)

