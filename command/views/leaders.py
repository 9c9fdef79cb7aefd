"""Pages of 领导通 (seed 002 三(三)): a leader's matter page on the phone (关注、批示、督办), the
instructions and their answers, and the panels on the home page and on a matter's pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from command.leader_forms import FollowForm, InstructForm, InstructionAnswerForm, LeaderSuperviseForm
from command.selectors import leaders as sel
from command.selectors import work as command_sel
from command.services import leaders as svc
from dispatch.services import assignment_supervise_by_leader
from governance.page_actions import Action, next_or, perform
from intake.models import Case
from intake.selectors import case_get_for_actor, case_timeline

FOLLOW = Action(FollowForm, svc.case_follow, "case", gettext_lazy("已关注：此事项的进展将通知您。"))
UNFOLLOW = Action(FollowForm, svc.case_unfollow, "case", gettext_lazy("已取消关注。"))
INSTRUCT = Action(InstructForm, svc.instruction_issue, "case", gettext_lazy("批示已送承办单位，答复后将通知您。"))
INSTRUCT_LETTER = Action(InstructForm, svc.instruction_issue, "letter",
                         gettext_lazy("批示已送收函单位，答复后将通知您。"))
SUPERVISE = Action(LeaderSuperviseForm, assignment_supervise_by_leader, "assignment",
                   gettext_lazy("已督办：您是此事项的督办领导，承办单位将按期报告进度。"))
ANSWER = Action(InstructionAnswerForm, svc.instruction_answer, "instruction", gettext_lazy("已答复领导批示。"))

RECENT_EVENTS = 8


def _require_phone_leader(user: AbstractBaseUser) -> None:
    if not sel.is_phone_leader(user):
        raise PermissionDenied(gettext("关注、批示和督办是领导通的功能，只供领导（含指挥长、副指挥长）使用。"))


@login_required
def leader_matter(request: HttpRequest, pk: int) -> HttpResponse:
    """A matter on the leader's phone: where it stands, 关注, 批示, 督办, the instructions and answers."""
    _require_phone_leader(request.user)
    case = case_get_for_actor(actor=request.user, pk_or_code=pk)
    assignment = sel.supervisable_assignment(user=request.user, case=case)
    events = list(case_timeline(case=case).order_by("-occurred_at", "-id")[:RECENT_EVENTS])
    return render(request, "command/leader_matter.html", {
        "case": case, "following": sel.is_following(user=request.user, case=case),
        "departments": svc.handling_departments(case=case),
        "instructions": list(sel.instructions_on_case(case=case)),
        "instruct_form": InstructForm(), "supervise_form": LeaderSuperviseForm(), "follow_form": FollowForm(),
        "assignment": assignment, "events": events,
        "supervised_by_me": assignment is not None and assignment.supervising_leader_id == request.user.pk,
    })


def _case_action(request: HttpRequest, pk: int, action: Action) -> HttpResponse:
    _require_phone_leader(request.user)
    case = case_get_for_actor(actor=request.user, pk_or_code=pk)
    perform(request, action, case, center=case.center)
    return next_or(request, f"{svc.leader_matter_link(case.pk)}")


@login_required
@require_POST
def leader_follow(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(request, pk, FOLLOW)


@login_required
@require_POST
def leader_unfollow(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(request, pk, UNFOLLOW)


@login_required
@require_POST
def leader_instruct(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(request, pk, INSTRUCT)


@login_required
@require_POST
def leader_supervise(request: HttpRequest, pk: int) -> HttpResponse:
    _require_phone_leader(request.user)
    case = case_get_for_actor(actor=request.user, pk_or_code=pk)
    assignment = sel.supervisable_assignment(user=request.user, case=case)
    if assignment is None:
        raise PermissionDenied(gettext("此事项没有在办的牵头（承办）交办，或您不是其所在中心的督办领导，不能督办。"))
    perform(request, SUPERVISE, assignment, center=case.center)
    return redirect("command:leader-matter", pk=case.pk)


@login_required
@require_POST
def letter_instruct(request: HttpRequest, pk: int) -> HttpResponse:
    _require_phone_leader(request.user)
    letter = command_sel.letter_get_for_actor(actor=request.user, pk=pk)
    perform(request, INSTRUCT_LETTER, letter, center=letter.center)
    return redirect("command:letter", pk=letter.pk)


@login_required
def instruction_list(request: HttpRequest) -> HttpResponse:
    """领导批示: a leader's own (and his followed matters), a department's to answer (unanswered first)."""
    leader = sel.is_phone_leader(request.user)
    given = list(sel.instructions_given(user=request.user)[:50]) if leader else []
    to_answer = list(sel.instructions_to_answer(user=request.user)[:100])
    if not leader and not to_answer and not sel.may_answer_instructions(request.user):
        raise PermissionDenied(gettext("领导批示只供领导和承办单位查看。"))
    return render(request, "command/instructions.html", {
        "leader": leader, "given": given, "to_answer": to_answer,
        "follows": list(sel.follows_of(user=request.user)[:50]) if leader else [], "now": timezone.now()})


@login_required
def instruction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = sel.instruction_get_for_actor(actor=request.user, pk=pk)
    row = svc.instruction_row_for(actor=request.user, instruction=instruction)
    return render(request, "command/instruction.html", {
        "instruction": instruction, "rows": list(instruction.departments.all()),
        "my_row": row, "answer_form": InstructionAnswerForm() if row is not None and row.answered_at is None else None,
        "now": timezone.now()})


@login_required
@require_POST
def instruction_answer(request: HttpRequest, pk: int) -> HttpResponse:
    instruction = sel.instruction_get_for_actor(actor=request.user, pk=pk)
    perform(request, ANSWER, instruction, center=instruction.center)
    return next_or(request, svc.instruction_link(instruction))


# --- panels ----------------------------------------------------------------------------------------
def leader_home_panel(user: AbstractBaseUser) -> dict[str, Any] | None:
    """The leader's home on the phone: 我的关注 and 我的批示 (answered or waiting)."""
    if not sel.is_phone_leader(user):
        return None
    return {"follows": list(sel.follows_of(user=user)[:10]),
            "instructions": list(sel.instructions_given(user=user)[:5]), "now": timezone.now()}


def department_home_panel(user: AbstractBaseUser) -> dict[str, Any] | None:
    """A department's home: the leaders' instructions it has not answered yet, at the top."""
    rows = list(sel.instructions_to_answer(user=user, open_only=True)[:10])
    return {"rows": rows, "now": timezone.now()} if rows else None


def instructions_case_panel(*, case: Case, user: Any, request: HttpRequest | None = None) -> list[SafeString | str]:
    """On a matter's pages: the leaders' instructions and the answers; the department's own unanswered
    ones with the answer form; a leader's way to his phone page (关注、批示、督办)."""
    if not user.is_authenticated:
        return []
    leader = sel.is_phone_leader(user)
    instructions = list(sel.instructions_on_case(case=case)[:20])
    if not instructions and not leader:
        return []
    mine = {}
    for instruction in instructions:
        row = svc.instruction_row_for(actor=user, instruction=instruction)
        if row is not None and row.answered_at is None:
            mine[instruction.pk] = row
    return [render_to_string("command/_case_instructions_panel.html", {
        "case": case, "leader": leader, "instructions": instructions, "mine": mine,
        "answer_form": InstructionAnswerForm() if mine else None,
        "following": leader and sel.is_following(user=user, case=case)})]
