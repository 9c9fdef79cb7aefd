"""The revisit as 12345 centers run it (issue 22 item 4): its method (电话/上门/短信), each attempt that
reached nobody, and its outcome: the two answers, 无法联系 (only after the year's number of attempts on
different days) or 拒绝评价. Only an answered revisit counts in the 解决率 and 满意率; a matter the center
rules 不参评 (unreachable, a duplicate of another matter, an unreasonable demand the commander confirms)
is left out of them. "未解决" or "不满意" sends the matter back to the department (重办) with a new
deadline, unless the demand is put to the commander as unreasonable; if he does not confirm, it goes back then."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import (
    AssignmentStatus,
    DispatchEventType,
    ExclusionReason,
    ExclusionStatus,
    ResolvedAnswer,
    RevisitMethod,
    RevisitOutcome,
    Satisfaction,
)
from dispatch.links import link_to
from dispatch.models import Revisit, RevisitAttempt, RevisitExclusion
from dispatch.selectors.duty import FLOW, require_on_duty
from dispatch.selectors.limits import handling_limits
from dispatch.selectors.revisits import AttemptsSoFar, exclusion_in_force, revisit_attempts_so_far
from dispatch.services.assignments import assignment_reopen
from dispatch.services.closing import _answering_assignment, _require_follow_up, may_follow_up
from dispatch.services.common import CommanderCache, check_text, notify_on_commit
from governance.errors import ApplicationError, PermissionDeniedError
from governance.roles import MAY_CONFIRM_EXCLUSION, MAY_FOLLOW_UP_ANY, MAY_REVISIT, may, require_role
from governance.scope import require_acts_here
from intake.choices import CaseStatus, EventSource
from intake.events import case_event_record
from intake.models import Case
from intake.services.transition import case_transition

REVISIT_OPEN_STATUSES = (CaseStatus.VERIFIED, CaseStatus.SETTLED_ON_SPOT)


def _require_revisit_open(case: Case) -> None:
    if case.status not in REVISIT_OPEN_STATUSES:
        raise ApplicationError(gettext("核查后（或当场办结的事项）才能回访。"), code="invalid_transition")


def _check_method(method: str) -> None:
    if method not in RevisitMethod.values:
        raise ApplicationError(gettext("请选择回访方式（电话、上门或短信）。"), code="invalid", field="method")


def sends_back(revisit: Revisit) -> bool:
    """An answered revisit that says "未解决" or "不满意": the department redoes the matter."""
    return revisit.answered and (revisit.resolved == ResolvedAnswer.NO
                                 or revisit.satisfaction == Satisfaction.NOT_SATISFIED)


@transaction.atomic
def revisit_attempt_record(
    *, actor: AbstractBaseUser, case: Case, method: str, notes: str = "", source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> RevisitAttempt:
    """One attempt that reached nobody (no answer, switched off, nobody at home), on the timeline."""
    now = now or timezone.now()
    require_role(actor, MAY_REVISIT, gettext("您没有回访权限。"))
    _require_follow_up(actor, case, closing=False)
    _check_method(method)
    _require_revisit_open(case)
    notes = check_text(notes, field="notes", label=gettext("情况"))
    attempt = RevisitAttempt.objects.create(case=case, attempted_by=actor, method=method, notes=notes,
                                            attempted_at=now)
    so_far = revisit_attempts_so_far(case=case)
    case_event_record(case=case, type=DispatchEventType.CASE_REVISIT_ATTEMPTED, actor=actor, source=source,
                      data={"attempt": attempt.pk, "method": method, "notes": notes, "attempts": so_far.count,
                            "attempt_days": so_far.days}, now=now)
    return attempt


def _require_unreachable_allowed(case: Case, so_far: AttemptsSoFar, now: dt.datetime) -> int:
    required = handling_limits(center=case.center, at=now).revisit_unreachable_attempts
    if so_far.days < required:
        raise ApplicationError(
            gettext("须在 %(required)s 个不同日期各回访一次未联系上，才能认定“无法联系”：本轮已记录 %(count)s 次未联系上，"
                    "分布在 %(days)s 个日期（同一天多次只算一天）。")
            % {"required": required, "count": so_far.count, "days": so_far.days},
            code="too_few_attempts", field="outcome")
    return required


@transaction.atomic
def case_revisit(
    *, actor: AbstractBaseUser, case: Case, resolved: str = "", satisfaction: str = "", notes: str = "",
    method: str = RevisitMethod.PHONE, outcome: str = RevisitOutcome.ANSWERED, unreasonable: bool = False,
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Revisit:
    """The revisit's outcome. Answered: two separate answers (resolved? satisfied?); "未解决" or "不满意"
    sends the matter back (the answering department redoes it with a new deadline, counted; a
    self-settled matter goes back to the board), unless `unreasonable` puts the demand to the commander
    first. 无法联系: after the year's number of failed attempts on different days; the matter is 不参评.
    拒绝评价: recorded, not in the rates."""
    now = now or timezone.now()
    require_role(actor, MAY_REVISIT, gettext("您没有回访权限。"))
    _require_follow_up(actor, case, closing=False)
    _check_method(method)
    if outcome not in RevisitOutcome.values:
        raise ApplicationError(gettext("请选择回访结果。"), code="invalid", field="outcome")
    if outcome == RevisitOutcome.ANSWERED:
        if resolved not in ResolvedAnswer.values:
            raise ApplicationError(gettext("请选择是否解决。"), code="invalid", field="resolved")
        if satisfaction not in Satisfaction.values:
            raise ApplicationError(gettext("请选择满意度。"), code="invalid", field="satisfaction")
    else:
        resolved = satisfaction = ""
    _require_revisit_open(case)
    so_far = revisit_attempts_so_far(case=case)
    required = _require_unreachable_allowed(case, so_far, now) if outcome == RevisitOutcome.UNREACHABLE else None
    revisit = Revisit(case=case, revisited_by=actor, method=method, outcome=outcome, resolved=resolved,
                      satisfaction=satisfaction, notes=notes, revisited_at=now)
    if unreasonable and not sends_back(revisit):
        raise ApplicationError(gettext("只有回访答复“未解决”或“不满意”时，才能以诉求不合理申请不参评。"),
                               code="invalid", field="unreasonable")
    if unreasonable and exclusion_in_force(case=case) is not None:
        raise ApplicationError(gettext("此事项已有不参评认定。"), code="exclusion_exists", field="unreasonable")
    revisit.save()
    data = {"revisit": revisit.pk, "method": method, "outcome": outcome, "resolved": resolved,
            "satisfaction": satisfaction, "notes": notes, "attempts": so_far.count, "attempt_days": so_far.days}
    case_transition(case=case, to_status=CaseStatus.REVISITED, actor=actor, event_type=DispatchEventType.CASE_REVISITED,
                    source=source, data=data, now=now)
    if outcome == RevisitOutcome.UNREACHABLE:
        if exclusion_in_force(case=case) is None:  # a duplicate already ruled stays the reason
            _exclusion_create(case=case, actor=actor, reason=ExclusionReason.UNREACHABLE, notes=notes,
                              status=ExclusionStatus.CONFIRMED, source=source, now=now,
                              data={"revisit": revisit.pk, "attempts": so_far.count, "attempt_days": so_far.days,
                                    "required_days": required})
        return revisit
    if not sends_back(revisit):
        return revisit
    if unreasonable:
        _exclusion_create(case=case, actor=actor, reason=ExclusionReason.UNREASONABLE, notes=notes,
                          status=ExclusionStatus.PENDING, source=source, now=now, data={"revisit": revisit.pk})
        return revisit
    _send_back(case=case, revisit=revisit, actor=actor, source=source, now=now)
    return revisit


def _send_back(*, case: Case, revisit: Revisit, actor: AbstractBaseUser, source: str, now: dt.datetime) -> None:
    """重办: the answering department works the matter again with a fresh deadline (a self-settled
    matter, or one whose department is no longer on it, goes back to the dispatch board)."""
    answer = {"revisit": revisit.pk, "resolved": revisit.resolved, "satisfaction": revisit.satisfaction}
    answering = _answering_assignment(case)
    if answering is not None and answering.status == AssignmentStatus.REPORTED:
        case_transition(case=case, to_status=CaseStatus.IN_PROGRESS, actor=actor,
                        event_type=DispatchEventType.CASE_REOPENED, source=source,
                        data={**answer, "assignment": answering.pk}, now=now)
        assignment_reopen(assignment=answering, now=now)
        what = (gettext("未解决") if revisit.resolved == ResolvedAnswer.NO else gettext("不满意"))
        notify_on_commit(recipients=[answering.department.liaison], kind="case.reopened",
                         title=f"回访{what}，请重办：{case.code}", body=revisit.notes,
                         link=link_to("work-assignment", answering.pk),
                         dedupe_key=f"revisit:{revisit.pk}:reopened", now=now)
        return
    case_transition(case=case, to_status=CaseStatus.PENDING_DISPATCH, actor=actor,
                    event_type=DispatchEventType.CASE_REOPENED, source=source, data=answer, now=now)


def _exclusion_create(
    *, case: Case, actor: AbstractBaseUser, reason: str, status: str, notes: str, source: str,
    now: dt.datetime, duplicate_of: Case | None = None, data: dict[str, object] | None = None,
) -> RevisitExclusion:
    confirmed = status == ExclusionStatus.CONFIRMED
    try:
        with transaction.atomic():
            exclusion = RevisitExclusion.objects.create(
                case=case, reason=reason, duplicate_of=duplicate_of, notes=notes, proposed_by=actor,
                proposed_at=now, status=status, decided_by=actor if confirmed else None,
                decided_at=now if confirmed else None)
    except IntegrityError:  # another ruling got there first (the one-in-force constraint)
        raise ApplicationError(gettext("此事项已有不参评认定。"), code="exclusion_exists") from None
    event_data = {"exclusion": exclusion.pk, "exclusion_reason": reason, "notes": notes, **(data or {})}
    if duplicate_of is not None:
        event_data |= {"duplicate_of": duplicate_of.pk, "duplicate_of_code": duplicate_of.code}
    case_event_record(case=case, actor=actor, source=source, now=now, data=event_data,
                      type=DispatchEventType.CASE_EXCLUDED if confirmed else DispatchEventType.CASE_EXCLUSION_PROPOSED)
    if not confirmed:
        notify_on_commit(recipients=CommanderCache().get(center=case.center, at=now), kind="case.exclusion_proposed",
                         title=f"请确认不参评（诉求不合理）：{case.code} {case.title}", body=notes,
                         link=link_to("work-case", case.pk), dedupe_key=f"exclusion:{exclusion.pk}:proposed", now=now)
    return exclusion


@transaction.atomic
def case_exclusion_propose(
    *, actor: AbstractBaseUser, case: Case, reason: str, duplicate_of: Case | None = None, notes: str = "",
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> RevisitExclusion:
    """The first receiver or the command center rules the matter a duplicate of another (不参评 at once),
    or puts its demand to the commander as unreasonable (after an answered revisit). 无法联系 is the
    revisit's outcome, not proposed here."""
    now = now or timezone.now()
    require_role(actor, MAY_REVISIT, gettext("您没有回访权限。"))
    if not may_follow_up(actor=actor, case=case):
        if may(actor, MAY_FOLLOW_UP_ANY):  # the command center of another center, or off duty: say so
            require_acts_here(actor=actor, center=case.center)
            require_on_duty(actor=actor, center=case.center, task=FLOW)
        raise PermissionDeniedError(gettext("只有首接责任人或轮值主任（调度人员、指挥长）可以认定不参评。"),
                                    code="may_not_exclude")
    notes = check_text(notes, field="notes", label=gettext("说明"), required=reason == ExclusionReason.UNREASONABLE)
    if exclusion_in_force(case=case) is not None:
        raise ApplicationError(gettext("此事项已有不参评认定。"), code="exclusion_exists")
    if reason == ExclusionReason.DUPLICATE:
        if duplicate_of is None:
            raise ApplicationError(gettext("请填写所重复的事项编号。"), code="required", field="duplicate_of")
        if duplicate_of.pk == case.pk:
            raise ApplicationError(gettext("不能认定事项重复于它自己。"), code="invalid", field="duplicate_of")
        return _exclusion_create(case=case, actor=actor, reason=reason, status=ExclusionStatus.CONFIRMED,
                                 notes=notes, source=source, now=now, duplicate_of=duplicate_of)
    if reason == ExclusionReason.UNREASONABLE:
        if not Revisit.objects.filter(case=case, outcome=RevisitOutcome.ANSWERED).exists():
            raise ApplicationError(gettext("回访答复后才能以诉求不合理申请不参评。"), code="not_revisited")
        return _exclusion_create(case=case, actor=actor, reason=reason, status=ExclusionStatus.PENDING,
                                 notes=notes, source=source, now=now)
    raise ApplicationError(gettext("“无法联系”由回访认定：请在回访中记录未联系上的各次回访。"), code="invalid",
                           field="reason")


@transaction.atomic
def case_exclusion_decide(
    *, actor: AbstractBaseUser, case: Case, confirm: bool, note: str = "",
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> RevisitExclusion:
    """The commander (or a deputy commander), not the proposer, confirms that the matter's demand was
    unreasonable (不参评) or not: then the matter counts, and an unresolved or unsatisfied answer goes back
    to the department (重办)."""
    now = now or timezone.now()
    require_role(actor, MAY_CONFIRM_EXCLUSION, gettext("只有指挥长或副指挥长可以确认不参评。"))
    require_acts_here(actor=actor, center=case.center)
    exclusion = RevisitExclusion.objects.filter(case=case, status=ExclusionStatus.PENDING).first()
    if exclusion is None:
        raise ApplicationError(gettext("此事项没有待确认的不参评申请。"), code="stale_state")
    if exclusion.proposed_by_id == actor.pk:
        raise PermissionDeniedError(gettext("不参评须由提出人以外的指挥长或副指挥长确认。"), code="confirmer_proposed_it")
    note = check_text(note, field="note", label=gettext("确认意见"))
    status = ExclusionStatus.CONFIRMED if confirm else ExclusionStatus.REFUSED
    changed = RevisitExclusion.objects.filter(pk=exclusion.pk, status=ExclusionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note)
    if changed != 1:
        raise ApplicationError(gettext("该不参评申请已处理。"), code="stale_state")
    exclusion.status, exclusion.decided_by, exclusion.decided_at, exclusion.decision_note = status, actor, now, note
    case_event_record(case=case, actor=actor, source=source, now=now,
                      type=DispatchEventType.CASE_EXCLUDED if confirm else DispatchEventType.CASE_EXCLUSION_REFUSED,
                      data={"exclusion": exclusion.pk, "exclusion_reason": exclusion.reason, "note": note,
                            "proposed_by": exclusion.proposed_by_id})
    notify_on_commit(recipients=[exclusion.proposed_by], kind=f"case.exclusion_{status}",
                     title=f"不参评申请{ExclusionStatus(status).label}：{case.code}", body=note,
                     link=link_to("work-case", case.pk), dedupe_key=f"exclusion:{exclusion.pk}:{status}", now=now)
    if not confirm:
        case.refresh_from_db(fields=["status"])
        revisit = Revisit.objects.filter(case=case).order_by("-revisited_at", "-pk").first()
        if case.status == CaseStatus.REVISITED and revisit is not None and sends_back(revisit):
            _send_back(case=case, revisit=revisit, actor=actor, source=source, now=now)
    return exclusion
