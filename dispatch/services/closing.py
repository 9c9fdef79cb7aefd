"""Verification on site, the explanation call, and closing (核查、解释、办结); who may revisit and close.
The revisit itself: `dispatch.services.revisits`."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    DispatchEventType,
    ExclusionStatus,
    ResolvedAnswer,
)
from dispatch.links import link_to
from dispatch.models import Assignment, ExplanationCall, Revisit, RevisitExclusion, Verification
from dispatch.selectors.duty import FLOW, duty_standing, require_on_duty
from dispatch.selectors.work import case_ids_handled_by
from dispatch.services.assignments import assignment_reopen
from dispatch.services.clocks import explanation_clock_stop
from dispatch.services.common import notify_on_commit, steps_cancel
from governance.errors import ApplicationError, PermissionDeniedError
from governance.roles import (
    MAY_CLOSE,
    MAY_FOLLOW_UP_ANY,
    MAY_REVISIT,
    MAY_SEE_GRID_MATTERS,
    MAY_SUPERVISE_WORK,
    MAY_VERIFY,
    may,
    require_role,
)
from governance.scope import require_acts_here, territory_for_user
from governance.selectors import center_for_user, grid_ids_of_worker, grid_ids_to_verify
from governance.transitions import guarded_bulk_move
from intake import hooks as intake_hooks
from intake.choices import CaseStatus, Channel, EventSource
from intake.events import case_event_record
from intake.models import Case
from intake.services.transition import case_transition


def may_follow_up(*, actor: AbstractBaseUser, case: Case) -> bool:
    """First-receiver responsibility (首接责任制, seeds 000/001): the clerk who registered a matter
    revisits and closes it; the command center (MAY_FOLLOW_UP_ANY) may for any matter; another
    window clerk may not."""
    return case.first_receiver_id == actor.pk or (
        may(actor, MAY_FOLLOW_UP_ANY) and territory_for_user(user=actor).acts_on(case.center)
        and duty_standing(actor=actor, center=center_for_user(user=actor) or case.center).may_flow)


def may_revisit(*, actor: AbstractBaseUser, case: Case) -> bool:
    """Who may revisit the applicant and record an explanation call: whoever follows the matter up
    (`may_follow_up`), and the grid workers of the matter's grid (they call on the applicant on site;
    their 待回访 list is the same grids). Closing stays with the first receiver and the center."""
    if may_follow_up(actor=actor, case=case):
        return True
    return (may(actor, MAY_REVISIT) and may(actor, MAY_SEE_GRID_MATTERS) and case.grid_id is not None
            and case.grid_id in grid_ids_of_worker(user=actor))


def _require_follow_up(actor: AbstractBaseUser, case: Case, *, closing: bool) -> None:
    if may_follow_up(actor=actor, case=case) or (not closing and may_revisit(actor=actor, case=case)):
        return
    if may(actor, MAY_FOLLOW_UP_ANY):  # the command center of another center: say whose matter it is
        require_acts_here(actor=actor, center=case.center)
        require_on_duty(actor=actor, center=case.center, task=FLOW)  # an off-duty director: say so
    if closing:
        raise PermissionDeniedError(gettext("只有首接责任人或轮值主任（调度人员、指挥长）可以办结此事项。"))
    raise PermissionDeniedError(gettext("只有首接责任人或轮值主任（调度人员、指挥长）可以回访此事项。"))


def _answering_assignment(case: Case) -> Assignment | None:
    """The assignment whose answer the matter stands on: the lead (joint) or the sole department."""
    return (
        Assignment.objects.filter(case=case, role__in=[AssignmentRole.LEAD, AssignmentRole.SOLE])
        .exclude(status=AssignmentStatus.WITHDRAWN)
        .select_related("department", "center")
        .order_by("-assigned_at", "-pk")
        .first()
    )


def four_eyes_refusal(*, actor: AbstractBaseUser, case: Case) -> PermissionDeniedError | None:
    """Why `actor` may not verify `case`, or None. Whoever settled or reported back the matter never
    verifies it (`verifier_handled_it`); the first receiver who registered an applicant's matter (at
    the window, on the phone, from a platform) never also verifies it on site (`verifier_registered_it`).
    A grid worker's own discovery is what the seven steps build on (源头发现 … 核查反馈 by the grid
    forces, SCENARIOS story 6): she verifies a department's answer to what she reported, never her
    own settlement of it."""
    if case_ids_handled_by(user=actor).filter(case=case).exists():
        return PermissionDeniedError(
            gettext("您办理或反馈了此事项，不能再核查自己的办理结果：请由网格其他人员或中心工作人员核查。"),
            code="verifier_handled_it")
    if case.first_receiver_id == actor.pk and case.channel != Channel.GRID_REPORT:
        return PermissionDeniedError(
            gettext("您是此事项的首接登记人，不能再现场核查：请由网格员或中心其他工作人员核查。"),
            code="verifier_registered_it")
    return None


def require_four_eyes(*, actor: AbstractBaseUser, case: Case) -> None:
    refusal = four_eyes_refusal(actor=actor, case=case)
    if refusal is not None:
        raise refusal


def _require_verifier(actor: AbstractBaseUser, case: Case) -> None:
    require_role(actor, MAY_VERIFY, gettext("只有中心工作人员或该网格的网格员可以核查。"))
    require_four_eyes(actor=actor, case=case)
    if may(actor, MAY_SUPERVISE_WORK):
        # The center that holds the matter (or one above it) checks it, and so does the station or
        # sub-center of the place where it happened (on site, like the grid's workers).
        territory = territory_for_user(user=actor)
        if not (territory.holds_grid(case.grid_id)
                or (may(actor, MAY_SEE_GRID_MATTERS) and case.grid_id in grid_ids_to_verify(user=actor))):
            require_acts_here(actor=actor, center=case.center)
        require_on_duty(actor=actor, center=case.center, task=FLOW)
        return
    # A grid worker verifies matters of their own grid (profile post records the grid code when the
    # grid app has no assignment table yet); a matter with no grid can only be verified by the center.
    if case.grid_id is None or case.grid_id not in grid_ids_to_verify(user=actor):
        raise PermissionDeniedError(gettext("只能核查本网格的事项。"))


@transaction.atomic
def case_verify(
    *, actor: AbstractBaseUser, case: Case, passed: bool, notes: str = "", source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Verification:
    """A grid worker of the matter's grid, or the center, checks the reported result on site."""
    now = now or timezone.now()
    _require_verifier(actor, case)
    verification = Verification.objects.create(case=case, verifier=actor, passed=passed, notes=notes,
                                               verified_at=now)
    data = {"verification": verification.pk, "passed": passed, "notes": notes}
    if passed:
        case_transition(case=case, to_status=CaseStatus.VERIFIED, actor=actor, event_type=DispatchEventType.CASE_VERIFIED,
                        source=source, data=data, now=now)
        return verification
    answering = _answering_assignment(case)
    case_transition(case=case, to_status=CaseStatus.IN_PROGRESS, actor=actor, event_type=DispatchEventType.CASE_VERIFICATION_FAILED,
                    source=source, data={**data, "assignment": answering.pk if answering else None}, now=now)
    if answering is not None and answering.status == AssignmentStatus.REPORTED:
        assignment_reopen(assignment=answering, now=now)
        notify_on_commit(recipients=[answering.department.liaison], kind="case.verification_failed",
                         title=f"核查未通过，请重办：{case.code}", body=notes,
                         link=link_to("work-assignment", answering.pk),
                         dedupe_key=f"verification:{verification.pk}:failed", now=now)
    return verification


@transaction.atomic
def case_close(
    *, actor: AbstractBaseUser, case: Case, note: str = "", source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Case:
    """Close after verification and revisit (a self-settled matter after its revisit).
    Closing is not the same as resolved: `resolved` records the applicant's answer."""
    now = now or timezone.now()
    require_role(actor, MAY_CLOSE, gettext("您没有办结权限。"))
    _require_follow_up(actor, case, closing=True)
    revisit = Revisit.objects.filter(case=case).order_by("-revisited_at", "-pk").first()
    if case.status != CaseStatus.REVISITED or revisit is None:
        raise ApplicationError(gettext("事项须经核查和回访后才能办结。"), code="not_revisited")
    if RevisitExclusion.objects.filter(case=case, status=ExclusionStatus.PENDING).exists():
        raise ApplicationError(gettext("“诉求不合理”不参评申请正待指挥长确认，确认后才能办结。"),
                               code="exclusion_pending")
    intake_hooks.case_close_check(case=case)  # the grid: a grid report needs its on-site verification
    ids = list(Assignment.objects.filter(case=case).exclude(status=AssignmentStatus.WITHDRAWN)
               .values_list("pk", flat=True))
    if Assignment.objects.filter(pk__in=ids, status__in=OPEN_ASSIGNMENT_STATUSES).exists():
        raise ApplicationError(gettext("仍有未反馈的交办，不能办结。"), code="assignments_open")
    case_transition(case=case, to_status=CaseStatus.CLOSED, actor=actor, event_type=DispatchEventType.CASE_CLOSED, source=source,
                    data={"note": note, "resolved": revisit.resolved, "satisfaction": revisit.satisfaction,
                          "outcome": revisit.outcome},
                    extra_fields={"closed_at": now,
                                  "resolved": revisit.resolved != ResolvedAnswer.NO if revisit.answered else None},
                    now=now)
    guarded_bulk_move(Assignment, ids, from_statuses=[AssignmentStatus.REPORTED], to=AssignmentStatus.COMPLETED,
                      closed_at=now)
    steps_cancel(assignment_ids=ids, kinds=None, now=now)
    return case


@transaction.atomic
def case_record_explanation_call(
    *, actor: AbstractBaseUser, case: Case, notes: str, source: str = EventSource.WEB, now: dt.datetime | None = None
) -> ExplanationCall:
    """A matter that cannot meet its deadline: the applicant is called and told why (seed 000 二(二))."""
    now = now or timezone.now()
    require_role(actor, MAY_REVISIT, gettext("您没有回访权限。"))
    _require_follow_up(actor, case, closing=False)
    if case.status == CaseStatus.CLOSED:
        raise ApplicationError(gettext("事项已办结。"), code="invalid_transition")
    if not notes.strip():
        raise ApplicationError(gettext("请填写解释内容。"), code="required", field="notes")
    call = ExplanationCall.objects.create(case=case, called_by=actor, notes=notes, called_at=now)
    explanation_clock_stop(case=case, now=now)
    case_event_record(case=case, type=DispatchEventType.CASE_EXPLANATION_CALLED, actor=actor, source=source,
                      data={"call": call.pk, "notes": notes, "due_at": case.due_at}, now=now)
    return call
