"""The accountability ladder of an overdue assignment (issue 22 item 8; seeds 004, 000 七).

The rungs are 催办 → 督办通知 → 工作提示函 → 风险预警函 → 通报批评 → 移交区效能办, each due the year's
number of working days (or the unit the year sets) after the assignment's deadline. When the deadline
engine marks an assignment overdue, `ladder_schedule` (dispatch's hook `assignments_overdue`) adds the
first rung's step to the same batch; each rung's step, when the sweep hands it to `ladder_steps_fire`,
issues every rung due by then not recorded yet, once (a row per assignment and rung, unique in the
database) and in order, only while the assignment is still open and overdue, and schedules the next
rung's step: one pending step per overdue assignment, not six (an assignment settled early leaves no
five dead steps behind, and a sweep of 10,000 newly overdue assignments writes 10,000 rows, not
60,000). A step whose time moved (an extension after the mark) waits for its new time. A second pending
step of the same assignment (one left by the six-step schedule of before, or a mark after an
extension) does not start a second chain: the next rung is scheduled only when none is pending. The letters are the letters service's; the
通报批评 is listed in the month's work report; the referral carries the facts and the 区效能办 answers
it for the department and the named staff. The commander may go up the ladder at once, skipping
rungs with a reason (`ladder_escalate`). Every rung and skip is on the matter's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import LetterSource
from command.services.letters import letter_issue
from dispatch.choices import OPEN_ASSIGNMENT_STATUSES, AssignmentStatus, StepKind
from dispatch.models import Assignment, DeadlineStep
from dispatch.services import StepOutbox
from dispatch.services.common import CommanderCache, calendar_for, check_text, notify_on_commit
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center, Profile
from governance.people import display_name
from governance.roles import MAY_ANSWER_REFERRALS, MAY_SKIP_RUNGS, Role, require_role
from governance.scope import require_acts_here
from governance.workcal import WorkingCalendar
from intake.choices import EventSource
from intake.events import case_event_record
from review.choices import (
    LADDER_SUBJECT,
    RUNG_BY_LEVEL,
    RUNG_LETTER_KIND,
    RUNG_ORDER,
    LadderEventType,
    ReferralOutcome,
    ReferralStatus,
    Rung,
    RungStatus,
)
from review.models import AccountabilityRung, EfficiencyReferral, ReferralPerson
from review.selectors.ladder import LadderPlan, ladder_plans

REASON_MAX_CHARS = 500
ANSWER_MAX_CHARS = 2000

# A message: recipients, kind, title, body, link, dedupe key, urgent. In the sweep it goes to the batch's
# outbox with its step; from the commander's action, after commit.
Send = Callable[..., None]


def _assignment_link(assignment: Assignment) -> str:
    return reverse("dispatch:work-assignment", args=[assignment.pk])


def referral_link(referral: EfficiencyReferral) -> str:
    return reverse("review:referral", args=[referral.pk])


def _efficiency_office(center: Center) -> list[AbstractBaseUser]:
    """The 区效能办's people of the center (the district's office reads the district's referrals)."""
    return list(get_user_model().objects.filter(is_active=True, groups__name=Role.EFFICIENCY_OFFICE,
                                                profile__center=center).distinct())


def _people(*users: AbstractBaseUser | None) -> list[AbstractBaseUser]:
    seen: dict[int, AbstractBaseUser] = {}
    for user in users:
        if user is not None and user.pk not in seen:
            seen[user.pk] = user
    return list(seen.values())


# --- scheduling (dispatch's hook `assignments_overdue`) ------------------------------------------
def ladder_schedule(*, assignments: Sequence[Any], now: dt.datetime,
                    calendars: dict[int, WorkingCalendar]) -> list[DeadlineStep]:
    """The first rung's step of each assignment a sweep batch marked overdue (unsaved: the batch stores
    them with its other new steps); the rungs after it are scheduled one at a time as each falls due.
    One read of the year's schemes for the batch."""
    centers = list({row.center.pk: row.center for row in assignments}.values())
    plans = ladder_plans(centers=centers, year=timezone.localtime(now).year)
    first = RUNG_ORDER[0]
    steps = []
    for row in assignments:
        if row.center.pk not in calendars:
            calendars[row.center.pk] = calendar_for(row.center)
        steps.append(_rung_step(assignment_id=row.pk, rung=first, due_at=plans[row.center.pk].due_at(
            rung=first, deadline=row.due_at, calendar=calendars[row.center.pk])))
    return steps


def _rung_step(*, assignment_id: int, rung: str, due_at: dt.datetime) -> DeadlineStep:
    return DeadlineStep(kind=StepKind.ESCALATION, subject_type=LADDER_SUBJECT, subject_id=assignment_id,
                        level=RUNG_ORDER.index(rung) + 1, due_at=due_at)


# --- issuing a rung --------------------------------------------------------------------------------
def _facts(*, assignment: Assignment, now: dt.datetime, rungs: list[AccountabilityRung]) -> str:
    """The facts attached to a referral: the matter, the assignment's clock and every rung before it."""
    local = timezone.localtime
    lines = [
        f"事项：{assignment.case.code} {assignment.case.title}",
        f"承办部门：{assignment.department.name}；承办人：{display_name(assignment.handler) or '（未指定）'}；"
        f"联络员：{display_name(assignment.department.liaison) or '（无）'}",
        f"交办时间：{local(assignment.assigned_at):%Y-%m-%d %H:%M}；办理期限：{local(assignment.due_at):%Y-%m-%d %H:%M}；"
        f"标记超期：{local(assignment.overdue_at):%Y-%m-%d %H:%M}" if assignment.overdue_at else "",
        f"签收：{local(assignment.acknowledged_at):%Y-%m-%d %H:%M}" if assignment.acknowledged_at else "签收：未签收",
        f"截至移交（{local(now):%Y-%m-%d %H:%M}）仍未反馈办理结果，超期 {max(0, (now - assignment.due_at).days)} 天。",
        "此前问责环节：",
    ]
    for rung in rungs:
        line = f"  {rung.get_rung_display()}：{rung.get_status_display()} {local(rung.occurred_at):%Y-%m-%d %H:%M}"
        if rung.letter_id:
            letter = rung.letter
            line += f"（{letter.reference}，{letter.get_status_display()}"
            line += f"：{letter.answer[:200]}）" if letter.answer else "）"
        if rung.reason:
            line += f"，越级理由：{rung.reason}"
        lines.append(line)
    return "\n".join(line for line in lines if line)


def _record(*, assignment: Assignment, rung: str, status: str, now: dt.datetime, actor: AbstractBaseUser | None,
            due_at: dt.datetime | None, reason: str = "") -> AccountabilityRung | None:
    """The rung's row, once: None when it was recorded before (the unique constraint decides)."""
    try:
        with transaction.atomic():
            return AccountabilityRung.objects.create(
                assignment=assignment, center_id=assignment.center_id, department_id=assignment.department_id,
                handler_id=assignment.handler_id, rung=rung, level=RUNG_ORDER.index(rung) + 1, status=status,
                due_at=due_at, occurred_at=now, actor=actor, reason=reason,
                days_overdue=max(0, (now - assignment.due_at).days))
    except IntegrityError:
        return None


def _event(*, row: AccountabilityRung, type: str, actor: AbstractBaseUser | None, source: str, now: dt.datetime,
           **data: Any) -> None:
    assignment = row.assignment
    case_event_record(case=assignment.case, type=type, actor=actor, source=source, now=now, data={
        "assignment": assignment.pk, "department": assignment.department_id,
        "department_name": assignment.department.name, "rung": row.rung, "rung_label": row.get_rung_display(),
        "level": row.level, "days_overdue": row.days_overdue, "handler": assignment.handler_id,
        "handler_name": display_name(assignment.handler), **data})


def _issue(*, assignment: Assignment, rung: str, now: dt.datetime, actor: AbstractBaseUser | None,
           due_at: dt.datetime | None, send: Send, commanders: CommanderCache, reason: str = "",
           step: int | None = None) -> AccountabilityRung | None:
    row = _record(assignment=assignment, rung=rung, status=RungStatus.ISSUED, now=now, actor=actor, due_at=due_at,
                  reason=reason)
    if row is None:
        return None
    dept, case = assignment.department, assignment.case
    source = EventSource.WEB if actor is not None else EventSource.TASK
    link = _assignment_link(assignment)
    data: dict[str, Any] = {"step": step} if step else {}
    if reason:
        data["reason"] = reason
    title = f"{row.get_rung_display()}：{dept.name} {case.code}（超期 {row.days_overdue} 天）"
    handler_and_liaison = _people(dept.liaison, assignment.handler)
    if rung in RUNG_LETTER_KIND:
        letter = letter_issue(
            actor=actor, center=assignment.center, kind=RUNG_LETTER_KIND[rung], department=dept,
            subject=f"{case.code} 交办事项超期未办结"[:200],
            body=(f"贵单位承办的交办事项“{case.title}”（{case.code}）办理期限为 "
                  f"{timezone.localtime(assignment.due_at):%Y年%m月%d日 %H:%M}，至今已超期 {row.days_overdue} 天仍未反馈办理结果。"
                  "请切实履行主体责任，说明超期原因，落实整改，尽快办结。"),
            requirements="请于答复期限前书面答复超期原因、整改措施和办结时间。", source=LetterSource.LADDER,
            case=case, event_source=source, now=now)
        AccountabilityRung.objects.filter(pk=row.pk).update(letter=letter)
        row.letter = letter
        data.update(letter=letter.pk, reference=letter.reference)
        link = reverse("command:letter", args=[letter.pk])
        recipients = _people(assignment.handler)  # the letters service writes to the liaison and the leader
    elif rung == Rung.REMINDER:
        recipients = handler_and_liaison
    elif rung == Rung.SUPERVISION_NOTICE:
        recipients = _people(*handler_and_liaison, dept.leader_in_charge, assignment.supervising_leader)
    elif rung == Rung.CRITICISM:
        recipients = _people(*handler_and_liaison, dept.leader_in_charge,
                             *commanders.get(center=assignment.center, at=now))
    else:  # the referral to the 区效能办, with the facts of the ladder so far
        earlier = list(assignment.ladder_rungs.filter(level__lt=row.level).select_related("letter").order_by("level"))
        referral = EfficiencyReferral.objects.create(
            rung=row, center_id=assignment.center_id, department=dept, case=case, referred_at=now,
            facts=_facts(assignment=assignment, now=now, rungs=earlier))
        named = [(assignment.handler, "承办人"), (dept.liaison, "联络员")]
        seen: set[int] = set()
        for person, duty in named:
            if person is not None and person.pk not in seen:
                seen.add(person.pk)
                ReferralPerson.objects.create(referral=referral, person=person, duty=duty)
        data["referral"] = referral.pk
        link = referral_link(referral)
        recipients = _people(*_efficiency_office(assignment.center), dept.leader_in_charge,
                             *commanders.get(center=assignment.center, at=now))
    _event(row=row, type=LadderEventType.LADDER_ISSUED, actor=actor, source=source, now=now, **data)
    send(recipients=recipients, kind=f"ladder.{rung}", title=title, body=case.title, link=link,
         dedupe_key=f"ladder:{assignment.pk}:{rung}", urgent=rung != Rung.REMINDER)
    return row


def _open_and_overdue(assignment: Assignment) -> bool:
    return (assignment.status in OPEN_ASSIGNMENT_STATUSES and assignment.status != AssignmentStatus.DECLINED
            and assignment.overdue_at is not None)


# --- the sweep's handler -------------------------------------------------------------------------------
def ladder_steps_fire(steps: Sequence[DeadlineStep], now: dt.datetime, outbox: StepOutbox) -> set[int]:
    """Issue the rungs that fell due (inside the sweep's transaction; messages to the batch's outbox with
    their step) and schedule each climbing assignment's next rung. A step acts when it issues a rung now:
    its own, the ones below it not recorded yet, and (after a downtime) the ones above it due by now, in
    order. A closed or no longer overdue assignment stops climbing; a step whose rung is not due any more
    (the deadline moved later) waits for its new time."""
    assignments = Assignment.objects.select_related(
        "case", "center", "department__liaison", "department__leader_in_charge", "handler", "supervising_leader",
    ).in_bulk({step.subject_id for step in steps})
    recorded = set(AccountabilityRung.objects.filter(assignment_id__in=list(assignments))
                   .values_list("assignment_id", "rung"))
    # The assignments with a ladder step still pending (the batch's own steps are claimed, so not these).
    pending = set(DeadlineStep.objects.filter(
        subject_type=LADDER_SUBJECT, subject_id__in=list(assignments), fired_at__isnull=True,
        cancelled_at__isnull=True).values_list("subject_id", flat=True)) if assignments else set()
    plans: dict[int, LadderPlan] = ladder_plans(centers=list({a.center_id: a.center for a in assignments.values()}.values()),
                                                year=timezone.localtime(now).year) if assignments else {}
    calendars: dict[int, WorkingCalendar] = {}
    commanders = CommanderCache()
    acted: set[int] = set()
    later: list[DeadlineStep] = []

    def schedule(*, assignment_id: int, rung: str, due_at: dt.datetime) -> None:
        if assignment_id not in pending:
            pending.add(assignment_id)
            later.append(_rung_step(assignment_id=assignment_id, rung=rung, due_at=due_at))

    for step in sorted(steps, key=lambda s: (s.due_at, s.level, s.pk)):
        assignment = assignments.get(step.subject_id)
        if (assignment is None or step.level not in RUNG_BY_LEVEL or assignment.overdue_at is None
                or assignment.status not in OPEN_ASSIGNMENT_STATUSES):
            continue  # closed, or no longer overdue: it stops climbing
        if assignment.center_id not in calendars:
            calendars[assignment.center_id] = calendar_for(assignment.center)
        plan, calendar = plans[assignment.center_id], calendars[assignment.center_id]
        dues = {each: plan.due_at(rung=each, deadline=assignment.due_at, calendar=calendar) for each in RUNG_ORDER}
        unrecorded = [each for each in RUNG_ORDER if (assignment.pk, each) not in recorded]
        if not _open_and_overdue(assignment):
            # Declined, waiting for the ruling: nothing is issued now; the climb goes on at the next rung
            # still ahead, which then issues the ones below it if the department keeps the matter.
            ahead = [each for each in unrecorded if dues[each] > now]
            if ahead:
                schedule(assignment_id=assignment.pk, rung=ahead[0], due_at=dues[ahead[0]])
            continue
        # The rungs due by now (the highest of them: a rung issues those below it too); a rung not due
        # any more (the deadline moved later) is scheduled again for its new time.
        reached = max((RUNG_ORDER.index(each) for each in RUNG_ORDER if dues[each] <= now), default=-1)

        def send(*, step: DeadlineStep = step, **message: Any) -> None:
            outbox.add(step=step, **message)

        for lower in unrecorded:
            if RUNG_ORDER.index(lower) > reached:
                schedule(assignment_id=assignment.pk, rung=lower, due_at=dues[lower])
                break
            recorded.add((assignment.pk, lower))
            if _issue(assignment=assignment, rung=lower, now=now, actor=None, due_at=dues[lower], send=send,
                      commanders=commanders, step=step.pk) is not None:
                acted.add(step.pk)
    if later:
        DeadlineStep.objects.bulk_create(later)
    return acted


# --- the commander goes up the ladder at once -------------------------------------------------------
@transaction.atomic
def ladder_escalate(*, actor: AbstractBaseUser, assignment: Assignment, rung: str, reason: str,
                    source: str = EventSource.WEB, now: dt.datetime | None = None) -> AccountabilityRung:
    """越级: the commander issues `rung` now; each rung below it not issued yet is recorded as skipped
    with his reason (on the timeline too). Only above the highest rung recorded, only on an open
    overdue assignment of a matter he acts on."""
    now = now or timezone.now()
    require_role(actor, MAY_SKIP_RUNGS, gettext("只有指挥长、副指挥长可以越级升级问责。"))
    # Lock the assignment's row only: PostgreSQL refuses FOR UPDATE on the nullable side of the joins
    # (the handler, the supervising leader, the department's liaison).
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related(
        "case", "center", "department__liaison", "department__leader_in_charge", "handler", "supervising_leader",
    ).get(pk=assignment.pk)
    require_acts_here(actor=actor, center=assignment.case.center)
    if rung not in RUNG_ORDER:
        raise ApplicationError(gettext("请选择要升级到的问责环节。"), code="invalid", field="rung")
    if not _open_and_overdue(assignment):
        raise ApplicationError(gettext("只有超期未办结的交办才能升级问责。"), code="invalid_transition")
    reason = check_text(reason, field="reason", label=gettext("越级理由"), max_chars=REASON_MAX_CHARS, required=True)
    recorded = set(assignment.ladder_rungs.values_list("rung", flat=True))
    highest = max((RUNG_ORDER.index(done) for done in recorded), default=-1)
    target = RUNG_ORDER.index(rung)
    if target <= highest:
        raise ApplicationError(gettext("该交办已到“%(rung)s”，只能升级到更高的环节。") % {
            "rung": Rung(RUNG_ORDER[highest]).label}, code="invalid_transition", field="rung")
    for lower in RUNG_ORDER[highest + 1:target]:
        row = _record(assignment=assignment, rung=lower, status=RungStatus.SKIPPED, now=now, actor=actor, due_at=None,
                      reason=reason)
        if row is not None:
            _event(row=row, type=LadderEventType.LADDER_SKIPPED, actor=actor, source=source, now=now, reason=reason)

    def send(**message: Any) -> None:
        notify_on_commit(now=now, **message)

    row = _issue(assignment=assignment, rung=rung, now=now, actor=actor, due_at=None, send=send,
                 commanders=CommanderCache(), reason=reason)
    if row is None:
        raise ApplicationError(gettext("该环节已发出，不再重复。"), code="conflict")
    return row


# --- the 区效能办 answers ------------------------------------------------------------------------------
@transaction.atomic
def referral_answer(*, actor: AbstractBaseUser, referral: EfficiencyReferral, outcome: str, answer: str,
                    people: dict[int, str] | None = None, source: str = EventSource.WEB,
                    now: dt.datetime | None = None) -> EfficiencyReferral:
    """The office's answer: its outcome for the department, its opinion, and an outcome for each named
    person (`people`: person id → outcome). Once (open → answered); on the matter's timeline."""
    now = now or timezone.now()
    require_role(actor, MAY_ANSWER_REFERRALS, gettext("只有区效能办可以答复问责移交。"))
    if not Profile.objects.filter(user=actor, center_id=referral.center_id).exists():
        raise PermissionDeniedError(gettext("该移交不属于您所在的中心。"), code="not_your_center")
    if outcome not in ReferralOutcome.values:
        raise ApplicationError(gettext("请选择对部门的处理。"), code="invalid", field="outcome")
    answer = check_text(answer, field="answer", label=gettext("答复意见"), max_chars=ANSWER_MAX_CHARS, required=True)
    people = people or {}
    named = {row.person_id: row for row in referral.people.all()}
    for person_id, person_outcome in people.items():
        if person_id not in named or person_outcome not in ReferralOutcome.values:
            raise ApplicationError(gettext("请为移交涉及的人员选择处理。"), code="invalid", field="people")
    missing = [row for pk, row in named.items() if pk not in people]
    if missing:
        raise ApplicationError(gettext("请为移交涉及的每位人员选择处理：%(names)s。") % {
            "names": "、".join(display_name(row.person) for row in missing)}, code="invalid", field="people")
    changed = EfficiencyReferral.objects.filter(pk=referral.pk, status=ReferralStatus.OPEN).update(
        status=ReferralStatus.ANSWERED, outcome=outcome, answer=answer, answered_by=actor, answered_at=now)
    if not changed:
        raise ApplicationError(gettext("该移交已答复。"), code="invalid_transition")
    for person_id, person_outcome in people.items():
        ReferralPerson.objects.filter(referral=referral, person_id=person_id).update(outcome=person_outcome)
    referral.refresh_from_db()
    rung = referral.rung
    case_event_record(case=referral.case, type=LadderEventType.REFERRAL_ANSWERED, actor=actor, source=source, now=now,
                      data={"referral": referral.pk, "assignment": rung.assignment_id,
                            "department": referral.department_id, "department_name": referral.department.name,
                            "outcome": outcome, "outcome_label": str(ReferralOutcome(outcome).label),
                            "people": {str(pk): value for pk, value in people.items()}})
    center_people = _people(referral.department.leader_in_charge,
                            *CommanderCache().get(center=referral.center, at=now))
    notify_on_commit(recipients=center_people, kind="ladder.referral_answered",
                     title=f"区效能办已答复：{referral.department.name} {referral.case.code}",
                     body=f"{ReferralOutcome(outcome).label}：{answer[:150]}", link=referral_link(referral),
                     dedupe_key=f"referral:{referral.pk}:answered", now=now)
    return referral

