"""The window: register a walk-in or phone matter, print the receipt, settle or send to dispatch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from governance.errors import ApplicationError
from governance.models import Grid, ServiceWindow
from governance.page_actions import Action, AlreadyDone, call_once, perform, say_already_done
from governance.parsing import db_id
from governance.roles import (
    MAY_ACT_FOR_FIRST_RECEIVER,
    MAY_REGISTER,
    MAY_REGISTER_AT_COMMAND,
    MAY_USE_WINDOW,
    may,
)
from governance.selectors import center_for_user, grid_workers_to_verify
from intake import hooks, selectors
from intake.answer_limits import case_answer_limit
from intake.choices import CaseStatus, Channel
from intake.forms import (
    ApplicantLookupForm,
    CommandRegisterForm,
    RegisterForm,
    SendToDispatchForm,
    SettleForm,
    form_field_for,
)
from intake.models import Case, Category
from intake.services import (
    case_register,
    case_register_at_command,
    case_send_to_dispatch,
    case_settle_on_spot,
    party_lookup_record,
)
from intake.validators import mask_address, mask_id_number, mask_phone


def _require_window_role(request: HttpRequest) -> None:
    if not may(request.user, MAY_USE_WINDOW):
        raise PermissionDenied


def _grids_for_picker() -> list[dict[str, Any]]:
    rows = (
        Grid.objects.filter(active=True, level__in=["town", "village", "unit"])
        .select_related("town")
        .order_by("code")
        .values("id", "code", "name", "level", "town__name")
    )
    return [
        {"id": r["id"], "code": r["code"], "name": r["name"],
         "path": f"{r['town__name']} / {r['name']}" if r["town__name"] and r["level"] != "town" else r["name"],
         "initials": ""}
        for r in rows
    ]


def _apply_error(form: RegisterForm, error: ApplicationError) -> None:
    items = error.extra.get("errors") or {error.field or "__all__": error.message}
    for service_field, message in items.items():
        field = form_field_for(service_field)
        form.add_error(field if field in form.fields else None, message)


PARTY_FIELD_LABELS = {"name": gettext_lazy("姓名/单位名称"), "phone": gettext_lazy("联系电话"),
                      "address": gettext_lazy("住址")}
PARTY_ROLE_LABELS = {"0": gettext_lazy("申请人"), "1": gettext_lazy("被申请人")}


def _party_differences(error: ApplicationError) -> list[dict[str, Any]]:
    """A known person's stored values next to the typed ones, for the clerk to choose."""
    if error.code != "party_differs":
        return []
    return [
        {"role": PARTY_ROLE_LABELS.get(index, index), "prefix": "applicant" if index == "0" else "respondent",
         "rows": [{"label": PARTY_FIELD_LABELS[field], **values} for field, values in fields.items()]}
        for index, fields in sorted(error.extra.get("differences", {}).items())
    ]


@login_required
def window_register(request: HttpRequest) -> HttpResponse:
    _require_window_role(request)
    center = center_for_user(user=request.user)
    if center is None:
        raise Http404("尚未配置中心")
    windows = ServiceWindow.objects.filter(center=center, active=True).order_by("number")
    my_window = windows.filter(staff=request.user).first()
    initial = {"window": my_window.pk if my_window else None}
    if request.GET.get("channel") == Channel.PHONE:
        initial["channel"] = Channel.PHONE
    form = RegisterForm(request.POST or None, request.FILES or None, windows=windows, initial=initial)
    return _register_page(request, center=center, form=form, register=case_register)


@login_required
def command_register(request: HttpRequest) -> HttpResponse:
    """The command center's own registration: a call to its duty phone or a 上级交办 matter, entered by the
    dispatcher or the duty director (`case_register_at_command`), scoped to their center."""
    if not may(request.user, MAY_REGISTER_AT_COMMAND):
        raise PermissionDenied
    center = center_for_user(user=request.user)
    if center is None:
        raise Http404("尚未配置中心")
    initial = {"channel": Channel.UPPER_ASSIGNMENT if request.GET.get("channel") == Channel.UPPER_ASSIGNMENT
               else Channel.PHONE}
    form = CommandRegisterForm(request.POST or None, request.FILES or None, initial=initial)
    return _register_page(request, center=center, form=form, register=case_register_at_command, command=True)


def _register_page(request: HttpRequest, *, center: Any, form: RegisterForm,
                   register: Callable[..., Case], command: bool = False) -> HttpResponse:
    """The registration form (the window's, or the command center's): the service is
    `register(actor=, center=, matter=)`, given the matter as the form has it (`RegisterForm.matter`)."""
    linked_ids = form.fields["link_to"].clean(form["link_to"].value()) if form.is_bound else []
    differences: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        category: Any = form.cleaned_data["category"] or None
        if category and db_id(category):
            category = Category.objects.filter(pk=db_id(category)).first() or category
        try:
            case = call_once(request, form, lambda _data: register(
                actor=request.user, center=center, matter=form.matter(category=category)))
        except AlreadyDone as done:
            say_already_done(request)
            if done.result is None:
                return redirect("intake:command_register" if command else "intake:window")
            return redirect("intake:receipt", code=done.result.code)
        except ApplicationError as error:
            _apply_error(form, error)
            differences = _party_differences(error)
        else:
            messages.success(request, gettext("已登记，事项编号 %(code)s。") % {"code": case.code})
            return redirect("intake:receipt", code=case.code)
    selected_category = selected_grid = None
    if form.is_bound and (category_id := db_id(form.data.get("category"))):
        selected_category = Category.objects.select_related("parent").filter(pk=category_id).first()
    if form.is_bound and (grid_id := db_id(form.data.get("grid"))):
        selected_grid = Grid.objects.filter(pk=grid_id).first()
    context = {
        "form": form,
        "center": center,
        "command": command,
        "categories": selectors.categories_for_picker(),
        "grids": _grids_for_picker(),
        "selected_category": selected_category,
        "selected_grid": selected_grid,
        "selected_grid_name": selected_grid.name if selected_grid else "",
        "linked_ids": linked_ids,
        "party_differences": differences,
    }
    return render(request, "intake/window.html", context, status=400 if form.is_bound else 200)


@login_required
@require_POST
def applicant_lookup(request: HttpRequest) -> JsonResponse:
    """On blur of the ID or phone field: the earlier matters and the party to prefill.

    POST, so that the ID number and phone travel in the body and never in an access log's URL."""
    if not may(request.user, MAY_REGISTER):
        raise PermissionDenied
    form = ApplicantLookupForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"party": None, "cases": []})
    id_number, phone = form.cleaned_data["id_number"], form.cleaned_data["phone"]
    cases = selectors.cases_for_applicant(id_number=id_number, phone=phone, actor=request.user)
    # The person is shown only when they have a matter this user may see (as in the API): a town's
    # window does not learn who someone is from another town's matters (`governance.scope`).
    party = selectors.party_find(id_number=id_number, phone=phone) if cases else None
    if party is not None:
        party_lookup_record(actor=request.user, party=party, page=request.path)
    body: dict[str, Any] = {
        "party": None,
        "cases": [
            {**row, "registered_at": row["registered_at"].isoformat(),
             "url": reverse("intake:case_detail", args=[row["code"]])}
            for row in cases
        ],
    }
    if party is not None:
        body["party"] = {
            "kind": party.kind,
            "name": party.name,
            # Masked like every list and export; the clerk asks the person in front of them.
            "phone_masked": mask_phone(party.phone),
            "address_masked": mask_address(party.address),
            # Found by phone: the clerk did not type the ID, so it is not shown in full.
            "id_number_masked": mask_id_number(party.id_number),
            "credit_code": party.credit_code,
        }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@login_required
def receipt(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    parties = selectors.case_parties(case=case)
    can_act = case.status == CaseStatus.REGISTERED and (
        case.first_receiver_id == request.user.pk
        or may(request.user, MAY_ACT_FOR_FIRST_RECEIVER)
    )
    context = {
        "case": case,
        "parties": parties,
        "attachments": list(case.attachments.order_by("id")),
        "receiver": case.first_receiver,
        "receiver_phone": getattr(getattr(case.first_receiver, "profile", None), "phone", ""),
        "can_act": can_act,
        # 登记下一件 leads to the window: only for those who may open it.
        "register_next_url": reverse("intake:window") if may(request.user, MAY_USE_WINDOW)
        else reverse("intake:command_register") if may(request.user, MAY_REGISTER_AT_COMMAND) else "",
        "settle_form": SettleForm(),
        "dispatch_form": SendToDispatchForm(),
        "answer_limit": case_answer_limit(case),
        "clocks": selectors.with_clocks([case])[0].clocks,
        "verifiers": list(grid_workers_to_verify(grid=case.grid)) if case.grid else [],
        # 窗口自办 for a stationed department's window (dispatch answers, `intake.hooks.window_actions`).
        "window_actions": hooks.window_actions(case=case, request=request)
        if case.status == CaseStatus.REGISTERED else [],
    }
    return render(request, "intake/receipt.html", context)


def _case_or_404(request: HttpRequest, code: str) -> Any:
    return selectors.case_get_for_actor(actor=request.user, pk_or_code=code)


SETTLE = Action(SettleForm, case_settle_on_spot, "case", gettext_lazy("已当场办结（自办），待回访。"))
SEND_TO_DISPATCH = Action(SendToDispatchForm, case_send_to_dispatch, "case", gettext_lazy("已移送调度中心，等待派单。"))


@login_required
@require_POST
def settle(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    if perform(request, SETTLE, case, center=case.center):
        return redirect("intake:case_detail", code=case.code)
    return redirect("intake:receipt", code=case.code)


@login_required
@require_POST
def send_to_dispatch(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    if perform(request, SEND_TO_DISPATCH, case, center=case.center):
        return redirect("intake:case_detail", code=case.code)
    return redirect("intake:receipt", code=case.code)
