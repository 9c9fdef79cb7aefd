"""Pages of dispatch work: the board, the department inbox, a matter's work page, assignments, summons.

Every page action in the one way of `governance.page_actions`: a form (`dispatch.forms`) parses the
input, the view fetches and authorises through a selector (404 when not yours), `perform` calls one
service with the form's cleaned data and shows its ApplicationError as a message, the view redirects.
"""

from __future__ import annotations

import operator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from dispatch import services as svc
from dispatch.choices import (
    AssignmentStatus,
    ExtensionStatus,
    ResolvedAnswer,
    RevisitMethod,
    RevisitOutcome,
    Satisfaction,
    SummonsStatus,
)
from dispatch.duty_forms import ActingGrantForm
from dispatch.forms import (
    AcknowledgeForm,
    DispatchForm,
    ExclusionDecideForm,
    ExclusionForm,
    ExtensionDecideForm,
    ExtensionForm,
    MoveForm,
    NoteForm,
    NotesForm,
    ReasonForm,
    ReassignForm,
    ReportBackForm,
    ReportInForm,
    RevisitAttemptForm,
    RevisitForm,
    RuleDeclineForm,
    SummonsRequestForm,
    SuperviseForm,
    TextForm,
    VerifyForm,
    WorkForm,
)
from dispatch.models import ExtensionRequest
from dispatch.selectors import summons_work as summons_sel
from dispatch.selectors import work as sel
from dispatch.selectors.clocks import case_clocks
from dispatch.selectors.duty import acting_grants_recent, duty_now, duty_standing
from dispatch.selectors.handlers import department_handlers
from dispatch.selectors.limits import decline_window_ends_at, handling_limits
from dispatch.selectors.revisits import exclusion_in_force, exclusions_pending, revisit_attempts_so_far
from dispatch.selectors.supervision import assignments_supervised_by, supervising_leaders
from dispatch.selectors.wartime import wartime_for_board
from dispatch.services.closing import may_follow_up, may_revisit
from dispatch.views.common import center_or_404
from governance.counting import CappedPaginator, count_label
from governance.errors import NotFoundError
from governance.models import Center, Department
from governance.page_actions import Action, ActionsOn, next_or, perform
from governance.roles import (
    MAY_APPROVE_SUMMONS,
    MAY_CONFIRM_EXCLUSION,
    MAY_DISPATCH,
    MAY_GRANT_ACTING,
    MAY_HANDLE_ASSIGNMENTS,
    MAY_LEAD_SUPERVISION,
    MAY_SUPERVISE_WORK,
    MAY_VERIFY,
    MAY_VIEW_BOARD,
    may,
    user_department_ids,
)
from governance.scope import reads_center_territory, territory_for_user
from intake import hooks as intake_hooks
from intake.choices import OPEN_STATUSES, HandlingMode


# --- board -------------------------------------------------------------------------------------
def duty_context(request: HttpRequest, center: Center) -> dict[str, object]:
    """What the user may do at the center now (duty, not only role: `dispatch.selectors.duty`), and
    why not: an off-duty director sees the buttons greyed with the reason, the board says who is on
    duty and which grants run, and the commanders get the form that opens the rights to someone."""
    user = request.user
    duty = duty_now(center=center)
    standing = duty_standing(actor=user, center=center, now=duty)
    dispatcher_role = may(user, MAY_DISPATCH)
    decides = dispatcher_role or may(user, MAY_APPROVE_SUMMONS)
    can_grant = may(user, MAY_GRANT_ACTING)
    return {
        "duty": duty, "standing": standing,
        # the banner of who is on duty (`dispatch/_on_duty.html`) from the same reads
        "on_duty": {"duty": duty.day, "commanders": duty.commanders, "deputy_commanders": duty.deputies},
        "can_dispatch": dispatcher_role and standing.may_flow,
        "dispatch_blocked": standing.flow_refusal if dispatcher_role and not standing.may_flow else "",
        "can_summon": dispatcher_role and standing.may_direct,
        "summon_blocked": standing.direct_refusal if dispatcher_role and not standing.may_direct else "",
        "can_decide": decides and standing.may_direct,
        "decide_blocked": standing.direct_refusal if decides and not standing.may_direct else "",
        "can_approve": may(user, MAY_APPROVE_SUMMONS),
        "can_grant": can_grant,
        "acting_grants": acting_grants_recent(center=center, at=duty.at) if can_grant else duty.grants,
        "grant_form": ActingGrantForm(center=center, actor=user, target=center, initial={
            "starts_at": timezone.localtime(duty.at).replace(second=0, microsecond=0),
            "ends_at": timezone.localtime(duty.at).replace(hour=23, minute=59, second=0, microsecond=0)})
        if can_grant else None,
    }


@login_required
def board(request: HttpRequest) -> HttpResponse:
    # the center's matters: its own people only (a leader in charge reads his departments' matters)
    if not may(request.user, MAY_VIEW_BOARD) or not reads_center_territory(user=request.user):
        raise PermissionDenied
    center = center_or_404(request)
    data = sel.dispatch_board(center=center)
    context = {
        "board": data,
        "rows": [(case, data.suggestions.get(case.pk)) for case in data.pending],
        "clocks": case_clocks(case_ids=[case.pk for case in data.pending]),
        **duty_context(request, center),
        "modes": [(m.value, m.label) for m in HandlingMode if m != HandlingMode.SELF],
        "summons_groups": summons_sel.summons_department_groups(departments=data.departments),
        "exclusions_pending": exclusions_pending(center=center),
        "wartime": wartime_for_board(center=center, at=timezone.now()),
    }
    if context["can_dispatch"]:
        context["leaders"] = list(supervising_leaders(center=center))
    return render(request, "dispatch/work/board.html", context)


INBOX_PAGE_SIZE = 50

DISPATCH = Action(DispatchForm, svc.case_dispatch, "case", gettext_lazy("已派单"))


@login_required
@require_POST
def case_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    case = sel.case_get_for_work(actor=request.user, pk=pk)
    perform(request, DISPATCH, case, center=case.center)
    return redirect("dispatch:board")


# --- a matter's work page ------------------------------------------------------------------------
@login_required
def case_work(request: HttpRequest, pk: int) -> HttpResponse:
    case = sel.case_get_for_work(actor=request.user, pk=pk)
    # Read here, acted on where it is held (`governance.scope`): another center's matter shows why
    # its buttons are missing; the station or sub-center of the place still checks it on site.
    scope = territory_for_user(user=request.user)
    acts_here = scope.acts_on(case.center)
    is_center = may(request.user, MAY_SUPERVISE_WORK)
    duty = duty_context(request, case.center)
    if not acts_here:
        duty.update(can_dispatch=False, can_summon=False, can_decide=False, dispatch_blocked="", summon_blocked="",
                    decide_blocked="")
    summons_groups = []
    if duty["can_summon"] and case.status in OPEN_STATUSES:
        departments = list(Department.objects.filter(center=case.center, active=True).order_by("short_code"))
        territory = sel.case_territory(case=case)
        summons_groups = summons_sel.summons_department_groups(departments=departments,
                                                       preselected={territory.pk} if territory else set())
    context = {
        "case": case,
        **sel.case_work_detail(case=case),
        "is_center": is_center and (acts_here or scope.holds_grid(case.grid_id)),
        "not_here": gettext("此事项现由%(center)s承办：您可以查看，办理由%(center)s或其上级中心进行。")
        % {"center": case.center.name} if is_center and not acts_here else "",
        **duty,
        "can_follow_up": may_follow_up(actor=request.user, case=case),
        "can_revisit": may_revisit(actor=request.user, case=case),
        "summons_groups": summons_groups,
        "centers": Center.objects.filter(active=True).exclude(pk=case.center_id).filter(
            pk__in=[case.center.parent_id or 0, *case.center.children.values_list("pk", flat=True)]),
        "resolved_choices": ResolvedAnswer.choices,
        "satisfaction_choices": Satisfaction.choices,
        "method_choices": RevisitMethod.choices,
        "outcome_choices": RevisitOutcome.choices,
        "attempts_so_far": revisit_attempts_so_far(case=case),
        "unreachable_after": handling_limits(center=case.center, at=timezone.now()).revisit_unreachable_attempts,
        "exclusion": exclusion_in_force(case=case),
        "may_confirm_exclusion": may(request.user, MAY_CONFIRM_EXCLUSION) and acts_here,
        "panels": intake_hooks.case_panels(case=case, user=request.user, request=request),
        "clocks": case_clocks(case_ids=[case.pk]).get(case.pk, []),
    }
    return render(request, "dispatch/work/case.html", context)


CASE_ACTIONS = ActionsOn(sel.case_get_for_work, {
    "verify": Action(VerifyForm, svc.case_verify, "case", gettext_lazy("已记录核查结果")),
    "revisit": Action(RevisitForm, svc.case_revisit, "case", gettext_lazy("已记录回访")),
    "revisit_attempt": Action(RevisitAttemptForm, svc.revisit_attempt_record, "case",
                              gettext_lazy("已记录本次回访未联系上")),
    "exclude": Action(ExclusionForm, svc.case_exclusion_propose, "case", gettext_lazy("已记录不参评认定")),
    "decide_exclusion": Action(ExclusionDecideForm, svc.case_exclusion_decide, "case", gettext_lazy("已确认")),
    "close": Action(NoteForm, svc.case_close, "case", gettext_lazy("事项已办结")),
    "explain": Action(NotesForm, svc.case_record_explanation_call, "case", gettext_lazy("已记录解释回访")),
    "move": Action(MoveForm, svc.case_move_center, "case", gettext_lazy("已转至其他中心")),
})


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    CASE_ACTIONS.perform(request, pk, action)
    try:  # an action may take the matter out of the actor's hands (moved to another center)
        sel.case_get_for_work(actor=request.user, pk=pk)
    except NotFoundError:
        return redirect("dispatch:board")
    return redirect("dispatch:work-case", pk)


# --- department inbox and assignment page --------------------------------------------------------
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_HANDLE_ASSIGNMENTS):
        raise PermissionDenied
    # A page at a time, nearest deadline first (issue 25: a department with thousands of open
    # assignments drew them all on one page); counted up to the cap like the list.
    page = CappedPaginator(sel.assignments_for_department_user(user=request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = list(page.object_list)
    now = timezone.now()
    for row in rows:
        row.is_overdue = row.is_open and row.due_at < now
    return render(request, "dispatch/work/inbox.html", {
        "assignments": rows, "page": page, "count_label": count_label(page.paginator.count), "now": now,
        "summons_panel": {"rows": summons_sel.summonses_awaiting_report_in(user=request.user, now=now)}})


@login_required
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
        **(duty_context(request, assignment.center) if may(request.user, MAY_SUPERVISE_WORK) else {}),
        "is_center": may(request.user, MAY_SUPERVISE_WORK),
        "departments": Department.objects.filter(center=assignment.center, active=True).order_by("short_code"),
        "leaders": supervising_leaders(center=assignment.center),
        "decline_window_ends_at": decline_window_ends_at(assignment=assignment),
        "decline_request": assignment.decline_requests.filter(status=ExtensionStatus.PENDING).first(),
        "decline_requests": assignment.decline_requests.select_related("requested_by", "decided_by"),
        "limits": handling_limits(center=assignment.center, at=timezone.now()),
        "now": timezone.now(),
    }
    if context["is_department"] and assignment.status == AssignmentStatus.ASSIGNED:
        context["handlers"] = department_handlers(department=assignment.department)
    return render(request, "dispatch/work/assignment.html", context)


@login_required
def supervised_list(request: HttpRequest) -> HttpResponse:
    """我督办的事项: the assignments naming the signed-in leader as supervising leader."""
    if not may(request.user, MAY_LEAD_SUPERVISION):
        raise PermissionDenied
    now = timezone.now()
    rows = list(assignments_supervised_by(user=request.user))
    for row in rows:
        row.is_overdue = row.is_open and row.due_at < now
    return render(request, "dispatch/work/supervised.html", {"assignments": rows, "now": now})


ASSIGNMENT_ACTIONS = ActionsOn(sel.assignment_get_for_actor, {
    "acknowledge": Action(AcknowledgeForm, svc.assignment_acknowledge, "assignment", gettext_lazy("已签收")),
    "progress": Action(TextForm, svc.assignment_report_progress, "assignment", gettext_lazy("已报告进度")),
    "report_back": Action(ReportBackForm, svc.assignment_report_back, "assignment", gettext_lazy("已反馈办理结果")),
    "extension": Action(ExtensionForm, svc.assignment_request_extension, "assignment", gettext_lazy("已提交延期申请")),
    "decline": Action(ReasonForm, svc.assignment_decline, "assignment", gettext_lazy("已提交退回，待轮值主任裁定")),
    "rule_decline": Action(RuleDeclineForm, svc.assignment_rule_decline, "assignment", gettext_lazy("已裁定")),
    "rework": Action(ReasonForm, svc.assignment_return_for_rework, "assignment", gettext_lazy("已退回重办")),
    "remind": Action(NoteForm, svc.assignment_remind, "assignment", gettext_lazy("已催办")),
    "supervise": Action(SuperviseForm, svc.assignment_supervise, "assignment", gettext_lazy("已督办")),
    "reassign": Action(ReassignForm, svc.assignment_reassign, "assignment", gettext_lazy("已改派")),
})


@login_required
@require_POST
def assignment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ASSIGNMENT_ACTIONS.perform(request, pk, action)
    return next_or(request, reverse("dispatch:work-assignment", args=[pk]))


EXTENSION_DECIDE = Action(ExtensionDecideForm, svc.extension_decide, "extension", gettext_lazy("已裁定延期申请"))


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    if not may(request.user, MAY_SUPERVISE_WORK):
        raise Http404
    extension = ExtensionRequest.objects.select_related("assignment__case", "assignment__department").filter(
        pk=pk).first()
    if extension is None:
        raise Http404
    perform(request, EXTENSION_DECIDE, extension, center=extension.assignment.center)
    return next_or(request, reverse("dispatch:board"))


# --- summons -------------------------------------------------------------------------------------
SUMMONS_REQUEST = Action(SummonsRequestForm, svc.summons_request, "center",
                         gettext_lazy("已提交召集申请，待指挥长或副指挥长审批"))


@login_required
@require_POST
def summons_new(request: HttpRequest) -> HttpResponse:
    """申请召集部门, from the board or from a matter's page (which fixes the matter's code)."""
    center = center_or_404(request)
    summons = perform(request, SUMMONS_REQUEST, center, center=center)
    if summons:
        return redirect("dispatch:work-summons", summons.pk)
    return next_or(request, reverse("dispatch:board"))


@login_required
def summons_page(request: HttpRequest, pk: int) -> HttpResponse:
    summons = sel.summons_get_for_actor(actor=request.user, pk=pk)
    now = timezone.now()
    rows = summons_sel.summons_rows(summons=summons, now=now)
    mine = user_department_ids(request.user)
    for row in rows:
        row.is_mine = row.department_id in mine
    return render(request, "dispatch/work/summons.html", {
        **(duty_context(request, summons.center) if may(request.user, MAY_SUPERVISE_WORK) else {}),
        "summons": summons, "rows": rows, "now": now,
        "all_reported_in": bool(rows) and all(row.reported_in_at for row in rows),
        "can_approve": may(request.user, MAY_APPROVE_SUMMONS) and summons.status == SummonsStatus.REQUESTED,
        "is_center": may(request.user, MAY_SUPERVISE_WORK),
    })


SUMMONS_ACTIONS = ActionsOn(sel.summons_get_for_actor, {
    "approve": Action(NoteForm, svc.summons_approve, "summons", gettext_lazy("已批准召集")),
    "refuse": Action(NoteForm, svc.summons_refuse, "summons", gettext_lazy("已不予召集")),
    "close": Action(NoteForm, svc.summons_close, "summons", gettext_lazy("召集已结束")),
})


@login_required
@require_POST
def summons_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    SUMMONS_ACTIONS.perform(request, pk, action)
    return redirect("dispatch:work-summons", pk)


SUMMONS_DEPARTMENT_ACTIONS = ActionsOn(sel.summons_department_get_for_actor, {
    "acknowledge": Action(WorkForm, svc.summons_acknowledge, "row", gettext_lazy("已确认召集")),
    "report_in": Action(ReportInForm, svc.summons_report_in, "row", lambda row: gettext("已报到（到场）") if row.reported_in_at
                        else gettext("已登记远程报到：未到指挥中心，不计报到。到达后请输入大屏上的签到码报到。")),
}, center=operator.attrgetter("summons.center"))


@login_required
@require_POST
def summons_department_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    row = SUMMONS_DEPARTMENT_ACTIONS.perform(request, pk, action)
    return redirect("dispatch:work-summons", row.summons_id)


@login_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    """待核查: matters reported back in my grids (grid worker) or my center (center staff)."""
    if not may(request.user, MAY_VERIFY):
        raise PermissionDenied
    cases = sel.cases_awaiting_verification(actor=request.user, center=center_or_404(request))
    clocks = case_clocks(case_ids=[case.pk for case in cases])
    for case in cases:
        case.clocks = clocks.get(case.pk, [])
    return render(request, "dispatch/work/verification_queue.html", {"cases": cases})
