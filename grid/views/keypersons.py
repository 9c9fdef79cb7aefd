"""Key-person ledger pages and export: only with the granted permission; every view recorded;
ID numbers masked."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from governance.exports import spreadsheet_text
from governance.page_actions import Action, perform
from governance.parsing import db_id
from grid.forms import KeyPersonFollowUpForm, KeyPersonRiskForm
from grid.models import KeyPersonFollowUp, KeyPersonGroup
from grid.services import keypersons as svc
from intake.validators import mask_id_number, mask_phone

PAGE_SIZE = 50


def _guard(request: HttpRequest) -> None:
    # Not granted: the ledger does not exist for this user (404, as for "not yours").
    if not svc.keyperson_may_view(request.user):
        raise Http404


def _masked(person: object) -> dict:
    return {"id_masked": mask_id_number(person.id_number), "phone_masked": mask_phone(person.phone)}


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    _guard(request)
    q = request.GET.get("q", "").strip()
    group = request.GET.get("group", "")
    rows = svc.keypersons_query(actor=request.user, q=q, group=db_id(group))  # "²", 10^30: every group
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    people = svc.keypersons_view(actor=request.user, people=list(page.object_list), context="list")
    return render(request, "grid/keypersons.html", {
        "page": page, "people": [(p, _masked(p)) for p in people], "q": q, "group": group,
        "groups": KeyPersonGroup.objects.filter(active=True)})


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    kp = svc.keyperson_view_one(actor=request.user, pk=pk, context="page")
    return render(request, "grid/keyperson.html", {
        "person": kp, **_masked(kp), "risk_form": KeyPersonRiskForm(initial={"risk_level": kp.risk_level}),
        "follow_up_form": KeyPersonFollowUpForm(), "risk_changes": kp.risk_changes.select_related("actor"),
        "follow_ups": kp.follow_ups.select_related("done_by").order_by("-due_at")[:20],
        "can_change": request.user.has_perm(svc.CHANGE_PERMISSION), "now": timezone.now()})


SET_RISK = Action(KeyPersonRiskForm, svc.keyperson_set_risk, "person", _("风险等级已调整。"))
FOLLOW_UP_DONE = Action(KeyPersonFollowUpForm, svc.keyperson_follow_up_done, "follow_up", _("走访已记录，下次走访已排期。"))


@login_required
@require_POST
def set_risk(request: HttpRequest, pk: int) -> HttpResponse:
    kp = svc.keyperson_view_one(actor=request.user, pk=pk, context="risk")
    perform(request, SET_RISK, kp, center=None)
    return redirect("grid:keyperson", pk)


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    _guard(request)
    follow_up = KeyPersonFollowUp.objects.select_related("person").filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    perform(request, FOLLOW_UP_DONE, follow_up, center=None)
    return redirect("grid:keyperson", follow_up.person_id)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    _guard(request)
    people = svc.keypersons_view(actor=request.user, people=list(svc.keypersons_query(actor=request.user)),
                                 context="export")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["网格", "人群", "姓名", "公民身份号码（脱敏）", "联系电话（脱敏）", "住址", "风险等级"])
    for p in people:
        writer.writerow([spreadsheet_text(p.grid.name), spreadsheet_text(p.group.name), spreadsheet_text(p.name), mask_id_number(p.id_number),
                         mask_phone(p.phone), spreadsheet_text(p.address), p.get_risk_level_display()])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="keypersons.csv"'
    return response
