"""Pages of the accountability ladder (issue 22 item 8): the ladder of each assignment on a matter's
page (with 越级升级 for the commanders), the commander's escalation, and the referrals to the 区效能办
(list, page, the office's answer)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dispatch.selectors.work import assignment_get_for_actor
from governance.page_actions import Action, perform
from governance.roles import MAY_ANSWER_REFERRALS, MAY_READ_REFERRALS, MAY_SKIP_RUNGS, may
from governance.scope import territory_for_user
from intake.models import Case
from review.choices import ReferralStatus, Rung
from review.forms import LadderEscalateForm, ReferralAnswerForm
from review.selectors import ladder as sel
from review.services import ladder as svc


# --- the matter's page panel (intake's `case_panels`) ----------------------------------------------
def ladder_panel(*, case: Case, user: Any, request: HttpRequest | None = None) -> list[SafeString | str]:
    """On a matter's pages: each assignment's ladder once it is overdue or has a rung; 越级升级 for the
    commanders acting on the matter (its form's CSRF token from `request`: without it the browser's
    post is refused)."""
    if not user.is_authenticated:
        return []
    now = timezone.now()
    rows = []
    for assignment in case.assignments.select_related("center", "department").order_by("assigned_at", "pk"):
        if assignment.overdue_at is None and not assignment.ladder_rungs.exists():
            continue
        rows.append({"assignment": assignment, "rungs": sel.assignment_ladder(assignment=assignment, now=now),
                     "next": [(rung, Rung(rung).label) for rung in sel.next_rungs(assignment=assignment)]
                     if assignment.is_open and assignment.overdue_at else []})
    if not rows:
        return []
    may_skip = may(user, MAY_SKIP_RUNGS) and territory_for_user(user=user).acts_at(case.center_id)
    return [render_to_string("review/_case_ladder_panel.html", {
        "rows": rows, "may_skip": may_skip and request is not None, "case": case,
        "may_read_referrals": may(user, MAY_READ_REFERRALS)}, request=request)]


LADDER_ESCALATE = Action(LadderEscalateForm, svc.ladder_escalate, "assignment", gettext_lazy("已越级升级问责。"))


@login_required
@require_POST
def ladder_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = assignment_get_for_actor(actor=request.user, pk=pk)
    perform(request, LADDER_ESCALATE, assignment, center=assignment.center)
    return redirect("intake:case_detail", code=assignment.case.code)


# --- referrals to the 区效能办 ---------------------------------------------------------------------
@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_READ_REFERRALS):
        raise PermissionDenied
    rows = list(sel.referrals_visible(actor=request.user).order_by("status", "-referred_at")[:200])
    return render(request, "review/referrals.html", {"referrals": rows, "open": ReferralStatus.OPEN})


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = sel.referral_get_for_actor(actor=request.user, pk=pk)
    can_answer = referral.status == ReferralStatus.OPEN and may(request.user, MAY_ANSWER_REFERRALS)
    form = ReferralAnswerForm(center=referral.center, actor=request.user, target=referral) if can_answer else None
    return render(request, "review/referral.html", {
        "referral": referral, "people": referral.people.select_related("person"), "form": form,
        "rungs": referral.rung.assignment.ladder_rungs.select_related("letter", "actor").order_by("level")})


REFERRAL_ANSWER = Action(ReferralAnswerForm, svc.referral_answer, "referral", gettext_lazy("已答复问责移交。"))


@login_required
@require_POST
def referral_answer(request: HttpRequest, pk: int) -> HttpResponse:
    referral = sel.referral_get_for_actor(actor=request.user, pk=pk)
    perform(request, REFERRAL_ANSWER, referral, center=referral.center)
    return redirect("review:referral", pk=referral.pk)
