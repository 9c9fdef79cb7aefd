"""领导通 (seed 002 三(三)): a leader follows a matter (关注), gives an instruction (批示) on a matter or a
warning letter that the handling departments answer, and starts 督办 (dispatch's
`assignment_supervise_by_leader`).

- Following: one row per leader and matter. Every event of note later appended to the matter's
  timeline (`FOLLOWED_EVENT_TYPES`) is a notification to each follower, written in the transaction
  that appends the event (intake's `events_recorded` hook), under the key `follow:<event id>`, so
  once per event; never to the person who did it, nor to the leader an event already addresses
  (the instructing leader of an answer, the supervising leader of a 督办).
- An instruction is addressed to the departments handling the matter (its open or reported lead and
  co assignments) or to the letter's recipient; it is on the timeline of the matter (of every
  matter the letter concerns), and each department answers it once before a deadline in working
  days kept by the deadline engine (a reminder the working day before; at the deadline the
  department's liaison, its leader in charge and the instructing leader are told, and the timeline
  says so). The answer is on the timeline and notifies the leader.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import INSTRUCTION_SUBJECT, CommandEventType, LeaderEventType
from command.models import Follow, Instruction, InstructionDepartment, WarningLetter
from command.selectors.work import letters_visible
from command.services.letters import letter_case_ids
from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    DispatchEventType,
    EscalationTarget,
    NotificationChannel,
    StepKind,
)
from dispatch.models import Assignment, DeadlineStep
from dispatch.services import PlannedStep, StepOutbox, deadline_steps_cancel, deadline_steps_schedule
from dispatch.services.channels import EXTERNAL
from dispatch.services.notifications import NotificationRequest, notification_send, notification_send_many
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.models import Department
from governance.roles import (
    MAY_HANDLE_ASSIGNMENTS,
    MAY_LEAD_FROM_PHONE,
    may,
    require_role,
    user_department_ids,
)
from governance.text import FreeTextError, check_free_text
from governance.workcal import WorkingCalendar
from intake.choices import CaseEventType, EventSource
from intake.events import case_event_build, case_events_record_many, event_label
from intake.models import Case, CaseEvent
from intake.selectors import cases_visible_to

INSTRUCTION_MAX_CHARS = 1000
ANSWER_MAX_CHARS = 2000
DEFAULT_ANSWER_WORKING_DAYS = 3
MAX_ANSWER_WORKING_DAYS = 10

# The events of a followed matter that reach its followers: the steps of its handling, lateness, the
# command's interventions and the answers to instructions (not every acknowledgement or ID view).
FOLLOWED_EVENT_TYPES = frozenset({
    CaseEventType.CASE_SETTLED_ON_SPOT, CaseEventType.CASE_SENT_TO_DISPATCH,
    DispatchEventType.CASE_DISPATCHED, DispatchEventType.CASE_SELF_HANDLED, DispatchEventType.CASE_ESCALATED,
    DispatchEventType.CASE_PUSHED_DOWN, DispatchEventType.CASE_RETURNED_TO_BOARD, DispatchEventType.CASE_VERIFIED,
    DispatchEventType.CASE_VERIFICATION_FAILED, DispatchEventType.CASE_REVISITED, DispatchEventType.CASE_REOPENED,
    DispatchEventType.CASE_CLOSED, DispatchEventType.ASSIGNMENT_REPORTED_BACK,
    DispatchEventType.ASSIGNMENT_PROGRESS_REPORTED, DispatchEventType.ASSIGNMENT_DECLINED,
    DispatchEventType.ASSIGNMENT_EXTENSION_APPROVED, DispatchEventType.ASSIGNMENT_RETURNED_FOR_REWORK,
    DispatchEventType.ASSIGNMENT_SUPERVISED, DispatchEventType.ASSIGNMENT_REASSIGNED,
    DispatchEventType.ASSIGNMENT_OVERDUE, DispatchEventType.ASSIGNMENT_ESCALATED,
    DispatchEventType.SUMMONS_APPROVED, DispatchEventType.SUMMONS_CLOSED,
    CommandEventType.LETTER_ISSUED, CommandEventType.LETTER_ANSWERED, CommandEventType.LETTER_OVERDUE,
    LeaderEventType.INSTRUCTION_ISSUED, LeaderEventType.INSTRUCTION_ANSWERED, LeaderEventType.INSTRUCTION_OVERDUE,
})
# The statuses of an assignment whose department handles the matter (and answers an instruction on it).
HANDLING_STATUSES = frozenset(OPEN_ASSIGNMENT_STATUSES | {AssignmentStatus.REPORTED})


def leader_matter_link(case_id: int) -> str:
    return reverse("command:leader-matter", args=[case_id])


def instruction_link(instruction: Instruction) -> str:
    return reverse("command:instruction", args=[instruction.pk])


def _name(user: AbstractBaseUser | None) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


def _text(value: Any, *, field: str, label: str, max_chars: int) -> str:
    try:
        return check_free_text(value, label=label, max_chars=max_chars, required=True)
    except FreeTextError as error:
        raise ApplicationError(error.message, code="invalid" if error.code != "required" else "required",
                               field=field) from None


def _require_leader(actor: AbstractBaseUser, message: str) -> None:
    require_role(actor, MAY_LEAD_FROM_PHONE, message)


def _require_sees(*, actor: AbstractBaseUser, case: Case) -> None:
    """The leader's scope (`intake.selectors.cases_visible_to`): a leader in charge of departments sees
    only their matters; out of scope is not found (its existence is not revealed)."""
    if not cases_visible_to(user=actor).filter(pk=case.pk).exists():
        raise NotFoundError(gettext("事项不存在或不在您的查看范围内。"))


# --- 关注 -------------------------------------------------------------------------------------------
def case_follow(*, actor: AbstractBaseUser, case: Case, now: dt.datetime | None = None) -> Follow:
    """关注: the leader hears of the matter's events of note from now on (following twice changes nothing)."""
    now = now or timezone.now()
    _require_leader(actor, gettext("只有领导（含指挥长、副指挥长）可以关注事项。"))
    _require_sees(actor=actor, case=case)
    follow = Follow.objects.filter(user=actor, case=case).first()
    if follow is not None:
        return follow
    try:
        with transaction.atomic():
            return Follow.objects.create(user=actor, case=case, created_at=now)
    except IntegrityError:  # the same leader followed it at the same moment in another tab
        return Follow.objects.get(user=actor, case=case)


def case_unfollow(*, actor: AbstractBaseUser, case: Case) -> bool:
    """取消关注; True when the leader followed the matter."""
    _require_leader(actor, gettext("只有领导（含指挥长、副指挥长）可以关注事项。"))
    deleted, _rows = Follow.objects.filter(user=actor, case=case).delete()
    return bool(deleted)


def follow_events_notify(*, events: Sequence[CaseEvent]) -> list[Any]:
    """intake's `events_recorded` hook: one notification per follower and event of note (not to its
    actor, nor to the leader the event already addresses), in the caller's transaction, under the key
    `follow:<event id>`. No query when no event is of note."""
    noted = [event for event in events if event.type in FOLLOWED_EVENT_TYPES and event.pk is not None]
    if not noted:
        return []
    followers: dict[int, list[Follow]] = defaultdict(list)
    for follow in (Follow.objects.filter(case_id__in={event.case_id for event in noted}, user__is_active=True)
                   .select_related("user", "case")):
        followers[follow.case_id].append(follow)
    requests: list[NotificationRequest] = []
    for event in noted:
        data = event.data or {}
        addressed = {event.actor_id, data.get("leader")}
        for follow in followers.get(event.case_id, []):
            if follow.user_id in addressed:
                continue
            detail = data.get("department_name") or ""
            requests.append(NotificationRequest(
                recipients=(follow.user,), kind="follow.event",
                title=gettext("关注事项 %(code)s：%(what)s") % {"code": follow.case.code, "what": event_label(event.type)},
                body=f"{follow.case.title}{'（' + detail + '）' if detail else ''}",
                link=leader_matter_link(event.case_id), dedupe_key=f"follow:{event.pk}"))
    if requests:
        notification_send_many(requests=requests, now=max(event.occurred_at for event in noted))
    return []


# --- 批示 -------------------------------------------------------------------------------------------
def handling_departments(*, case: Case) -> list[Department]:
    """The departments handling a matter now: its open or reported assignments' (lead first)."""
    rows = sorted(Assignment.objects.filter(case=case, status__in=HANDLING_STATUSES).select_related("department"),
                  key=lambda row: (row.role == AssignmentRole.CO, row.pk))
    return list({row.department_id: row.department for row in rows}.values())


def _answer_steps(*, due_at: dt.datetime) -> list[PlannedStep]:
    return [
        PlannedStep(kind=StepKind.DUE_REMINDER, due_at=due_at - dt.timedelta(days=1),
                    targets=(EscalationTarget.LIAISON,)),
        PlannedStep(kind=StepKind.OVERDUE, due_at=due_at, level=0,
                    targets=(EscalationTarget.LIAISON, EscalationTarget.LEADER_IN_CHARGE)),
    ]


def _timeline(*, case_ids: Iterable[int], type: str, actor: AbstractBaseUser | None, source: str,
              now: dt.datetime, data: dict[str, Any]) -> None:
    ids = sorted(set(case_ids))
    if ids:
        case_events_record_many(events=[case_event_build(case=pk, type=type, actor=actor, source=source, data=data,
                                                         now=now) for pk in ids])


def instruction_case_ids(instruction: Instruction) -> list[int]:
    """The matters whose timelines carry an instruction: its matter, or those its letter concerns."""
    if instruction.case_id:
        return [instruction.case_id]
    return letter_case_ids(instruction.letter)


def _department_people(departments: Iterable[Department]) -> list[AbstractBaseUser]:
    people: list[AbstractBaseUser] = []
    for department in departments:
        people += [person for person in (department.liaison, department.leader_in_charge) if person is not None]
    return people


@transaction.atomic
def instruction_issue(
    *, actor: AbstractBaseUser, text: str, case: Case | None = None, letter: WarningLetter | None = None,
    answer_limit_working_days: int = DEFAULT_ANSWER_WORKING_DAYS, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Instruction:
    """批示 on a matter the leader may see (to the departments handling it) or on a letter he may read
    (to its recipient), answered within `answer_limit_working_days` working days."""
    now = now or timezone.now()
    _require_leader(actor, gettext("只有领导（含指挥长、副指挥长）可以作出批示。"))
    if (case is None) == (letter is None):
        raise ApplicationError(gettext("批示须针对一件事项或一份函件。"), code="invalid", field="case")
    if case is not None:
        _require_sees(actor=actor, case=case)
        departments = handling_departments(case=case)
        if not departments:
            raise ApplicationError(
                gettext("此事项目前没有承办部门（%(status)s），批示无人答复：请在派单后批示，或由调度中心处置。")
                % {"status": case.get_status_display()}, code="no_handling_department")
        center = case.center
    else:
        if not letters_visible(actor=actor).filter(pk=letter.pk).exists():
            raise NotFoundError(gettext("函件不存在或不在您的查看范围内。"))
        departments = [letter.department]
        center = letter.center
    text = _text(text, field="text", label=gettext("批示内容"), max_chars=INSTRUCTION_MAX_CHARS)
    try:
        limit = int(answer_limit_working_days)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_ANSWER_WORKING_DAYS:
        raise ApplicationError(gettext("答复时限须为 1 至 %(max)s 个工作日。") % {"max": MAX_ANSWER_WORKING_DAYS},
                               code="invalid", field="answer_limit_working_days")
    due_at = WorkingCalendar(center=center).working_days_deadline(now, limit)
    instruction = Instruction.objects.create(center=center, case=case, letter=letter, leader=actor, text=text,
                                             issued_at=now, answer_limit_working_days=limit, answer_due_at=due_at)
    rows = InstructionDepartment.objects.bulk_create(
        [InstructionDepartment(instruction=instruction, department=department) for department in departments])
    for row in rows:
        deadline_steps_schedule(subject_type=INSTRUCTION_SUBJECT, subject_id=row.pk, steps=_answer_steps(due_at=due_at),
                                now=now)
    names = "、".join(department.name for department in departments)
    data: dict[str, Any] = {"instruction": instruction.pk, "leader": actor.pk, "instructed_by": _name(actor),
                            "text": text, "departments": [department.pk for department in departments],
                            "department_name": names, "answer_due_at": due_at}
    if letter is not None:
        data.update(letter=letter.pk, reference=letter.reference)
    _timeline(case_ids=instruction_case_ids(instruction), type=LeaderEventType.INSTRUCTION_ISSUED, actor=actor,
              source=source, now=now, data=data)
    notification_send(
        recipients=_department_people(departments), kind="instruction.issued",
        title=gettext("领导批示（%(leader)s）：%(subject)s") % {
            "leader": _name(actor), "subject": case.code if case is not None else letter.reference},
        body=gettext("%(text)s（请于 %(due)s 前答复）") % {"text": text[:150],
                                                         "due": f"{timezone.localtime(due_at):%Y-%m-%d %H:%M}"},
        link=instruction_link(instruction), dedupe_key=f"instruction:{instruction.pk}:issued",
        channels=(NotificationChannel.IN_APP, EXTERNAL), now=now)
    return instruction


def instruction_may_answer(*, actor: AbstractBaseUser, row: InstructionDepartment) -> bool:
    """The department's liaison or handlers, or its leader in charge (as for a letter)."""
    if row.department.leader_in_charge_id == actor.pk:
        return True
    return may(actor, MAY_HANDLE_ASSIGNMENTS) and row.department_id in user_department_ids(actor)


def instruction_row_for(*, actor: AbstractBaseUser, instruction: Instruction) -> InstructionDepartment | None:
    """The actor's department's part of an instruction (the unanswered one first), if any."""
    rows = [row for row in instruction.departments.select_related("department").order_by("answered_at", "pk")
            if instruction_may_answer(actor=actor, row=row)]
    return next((row for row in rows if row.answered_at is None), rows[0] if rows else None)


@transaction.atomic
def instruction_answer(*, actor: AbstractBaseUser, instruction: Instruction, answer: str,
                       source: str = EventSource.WEB, now: dt.datetime | None = None) -> InstructionDepartment:
    """The handling department's answer (once); late when after the deadline."""
    now = now or timezone.now()
    row = instruction_row_for(actor=actor, instruction=instruction)
    if row is None:
        raise PermissionDeniedError(gettext("只有批示所指承办单位的联络员、承办人或分管领导可以答复领导批示。"),
                                    code="not_your_department")
    answer = _text(answer, field="answer", label=gettext("答复内容"), max_chars=ANSWER_MAX_CHARS)
    late = now > instruction.answer_due_at
    changed = InstructionDepartment.objects.filter(pk=row.pk, answered_at__isnull=True).update(
        answered_at=now, answered_by=actor, answer=answer, answered_late=late)
    if not changed:
        raise ApplicationError(gettext("本单位已答复该批示。"), code="invalid_transition")
    row.refresh_from_db()
    deadline_steps_cancel(subject_type=INSTRUCTION_SUBJECT, subject_id=row.pk, now=now)
    _timeline(case_ids=instruction_case_ids(instruction), type=LeaderEventType.INSTRUCTION_ANSWERED, actor=actor,
              source=source, now=now,
              data={"instruction": instruction.pk, "leader": instruction.leader_id, "department": row.department_id,
                    "department_name": row.department.name, "answer": answer, "answered_late": late})
    notification_send(
        recipients=[instruction.leader], kind="instruction.answered",
        title=gettext("%(department)s 已答复您的批示%(late)s") % {
            "department": row.department.name, "late": gettext("（逾期）") if late else ""},
        body=answer[:200], link=instruction_link(instruction), dedupe_key=f"instruction-answer:{row.pk}",
        channels=(NotificationChannel.IN_APP, EXTERNAL), now=now)
    return row


def instruction_steps_fire(steps: Sequence[DeadlineStep], now: dt.datetime, outbox: StepOutbox) -> set[int]:
    """The deadline sweep's handler for an instruction's answer (inside the sweep's transaction)."""
    rows = {row.pk: row for row in InstructionDepartment.objects.filter(pk__in={step.subject_id for step in steps})
            .select_related("instruction__leader", "instruction__case", "instruction__letter",
                            "department__liaison", "department__leader_in_charge")}
    acted: set[int] = set()
    for step in steps:
        row = rows.get(step.subject_id)
        if row is None or row.answered_at is not None:
            continue
        instruction = row.instruction
        subject = instruction.case.code if instruction.case_id else instruction.letter.reference
        people = _department_people([row.department]) if step.targets else []
        link, key = instruction_link(instruction), f"step:{step.pk}"
        if step.kind == StepKind.DUE_REMINDER:
            if now >= instruction.answer_due_at:
                continue
            outbox.add(step=step, recipients=[row.department.liaison], kind="instruction.due_reminder",
                       title=gettext("请按期答复领导批示：%(subject)s") % {"subject": subject},
                       body=gettext("答复期限 %(due)s") % {"due": f"{timezone.localtime(instruction.answer_due_at):%m-%d %H:%M}"},
                       link=link, dedupe_key=key)
        elif step.kind == StepKind.OVERDUE:
            if now < instruction.answer_due_at or not InstructionDepartment.objects.filter(
                    pk=row.pk, answered_at__isnull=True, overdue_at__isnull=True).update(overdue_at=now):
                continue
            _timeline(case_ids=instruction_case_ids(instruction), type=LeaderEventType.INSTRUCTION_OVERDUE, actor=None,
                      source=EventSource.TASK, now=now,
                      data={"instruction": instruction.pk, "leader": instruction.leader_id,
                            "department": row.department_id, "department_name": row.department.name,
                            "answer_due_at": instruction.answer_due_at, "step": step.pk})
            outbox.add(step=step, recipients=[*people, instruction.leader], kind="instruction.overdue",
                       title=gettext("领导批示答复已逾期：%(department)s %(subject)s") % {
                           "department": row.department.name, "subject": subject},
                       body=instruction.text[:150], link=link, dedupe_key=key, urgent=True)
        else:
            continue
        acted.add(step.pk)
    return acted
