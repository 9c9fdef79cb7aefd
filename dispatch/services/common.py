"""Shared pieces of the dispatch work services: who may act, deadlines from policies, step planning,
and notifications queued after commit."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from dispatch.choices import AssignmentStatus, EscalationTarget, LimitUnit, NotificationChannel, StepKind
from dispatch.models import Assignment, DeadlinePolicy, DeadlineStep
from dispatch.selectors.mode import mode_current
from dispatch.selectors.roster import commanders_on_duty
from dispatch.services.channels import EXTERNAL
from dispatch.services.notifications import notification_send
from governance.models import Center, Department
from governance.workcal import WorkingCalendar
from intake.answer_limits import AnswerLimit, case_answer_limit, complexity_answer_limit
from intake.choices import AnswerLimitUnit, Complexity, OperatingMode
from intake.models import Case
from intake.services.cleaning import FieldErrors, clean_text

# Defaults when no DeadlinePolicy row matches (issue 4 point 4; seed 004: 7 working days, ~3 weeks).
DEFAULT_ACK = (2, LimitUnit.WORKING_HOURS)
DEFAULT_HANDLE = {
    Complexity.ORDINARY: (7, LimitUnit.WORKING_DAYS),
    Complexity.COMPLEX: (15, LimitUnit.WORKING_DAYS),
    Complexity.URGENT: (4, LimitUnit.CALENDAR_HOURS),
}
DEFAULT_REWORK = (3, LimitUnit.WORKING_DAYS)
DEFAULT_REMINDER_LEAD_MINUTES = [24 * 60, 120]
DEFAULT_ACK_REMINDER_LEAD_MINUTES = [30]
DEFAULT_ESCALATION_CHAIN = [
    {"after_minutes": 0, "to": [EscalationTarget.LIAISON]},
    {"after_minutes": 4 * 60, "to": [EscalationTarget.LEADER_IN_CHARGE]},
    {"after_minutes": 24 * 60, "to": [EscalationTarget.COMMANDER]},
]
DEFAULT_LETTER_AFTER_OVERDUE = 3
SUPERVISED_DEFAULT_PROGRESS_DAYS = 2


# Longest a working deadline may be pushed (an extension to 9999-12-31 used to be accepted and then
# could not be approved), and the longest progress interval a supervision may ask for.
MAX_DEADLINE_DAYS = 366
MAX_PROGRESS_EVERY_WORKING_DAYS = 60
# The limits of typed text: a page's form and the API's serializer for the same input take the same one.
NOTE_MAX_CHARS = 2000  # notes of verification, revisit, explanation, decisions, supervision
REASON_MAX_CHARS = 1000  # reasons to return, reassign, extend, summon
TEXT_MAX_CHARS = 5000  # a department's progress and report-back text
INSTRUCTIONS_MAX_CHARS = 1000  # 交办意见 and each department's part
MOVE_REASON_MAX_CHARS = 500
SHIFT_REASON_MAX_CHARS = 200  # the roster's reason column
WARTIME_REASON_MAX_CHARS = 300  # the mode's reason column


def check_text(value: str | None, *, field: str, label: str, max_chars: int = NOTE_MAX_CHARS,
               required: bool = False) -> str:
    """One rule for every typed note, reason and instruction of dispatch: trimmed, no NUL or
    control characters, not only invisible characters, within the column's length."""
    errors = FieldErrors()
    text = clean_text(errors, field, value, label=label, max_chars=max_chars, required=required)
    errors.raise_if_any()
    return text


def check_length_for(model: Any, column: str, value: str | None, *, field: str, label: str,
                     required: bool = False) -> str:
    """`check_text` with the column's own max_length (PostgreSQL refuses longer: a 500 before)."""
    return check_text(value, field=field, label=label, required=required,
                      max_chars=model._meta.get_field(column).max_length)


# --- notifications ---------------------------------------------------------------------------
def notify_on_commit(
    *,
    recipients: Iterable[AbstractBaseUser | None],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str,
    now: dt.datetime,
    urgent: bool = False,
) -> None:
    """Store the notification in the caller's transaction (the outbox: the action and its messages
    commit together) and publish its e-mail/SMS delivery after commit; the dedupe key makes a repeat
    a no-op."""
    people = [user for user in recipients if user is not None]
    if not people:
        return
    # urgent: also outside the app, by the recipient's channels on file (dispatch.services.channels)
    channels = (NotificationChannel.IN_APP, EXTERNAL) if urgent else (NotificationChannel.IN_APP,)
    notification_send(recipients=people, kind=kind, title=title, body=body, link=link,
                      dedupe_key=dedupe_key, channels=channels, now=now)


class CommanderCache:
    """Commanders on duty per (center, local day), read once per sweep or request."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, dt.date], list[AbstractBaseUser]] = {}

    def get(self, *, center: Center, at: dt.datetime) -> list[AbstractBaseUser]:
        key = (center.pk, timezone.localtime(at).date())
        if key not in self._cache:
            on_duty = commanders_on_duty(center=center, at=at)
            people = list(getattr(on_duty, "commanders", []) or []) or list(getattr(on_duty, "deputies", []) or [])
            self._cache[key] = people
        return self._cache[key]


def recipients_for(
    *, targets: Iterable[str], department: Department, center: Center, at: dt.datetime,
    commanders: CommanderCache | None = None, handler: AbstractBaseUser | None = None,
) -> list[AbstractBaseUser]:
    """The people a step's targets name; the liaison target also reaches the assignment's named
    承办人 (`handler`), when there is one and it is not the liaison."""
    people: list[AbstractBaseUser] = []
    for target in targets:
        if target == EscalationTarget.LIAISON and department.liaison_id:
            people.append(department.liaison)
        if target == EscalationTarget.LIAISON and handler is not None and handler.pk != department.liaison_id:
            people.append(handler)
        elif target == EscalationTarget.LEADER_IN_CHARGE and department.leader_in_charge_id:
            people.append(department.leader_in_charge)
        elif target == EscalationTarget.COMMANDER:
            people.extend((commanders or CommanderCache()).get(center=center, at=at))
    return people


def handler_and_liaison(assignment: Assignment) -> list[AbstractBaseUser]:
    """The department's liaison and the assignment's named 承办人 (once when they are the same person)."""
    people = [assignment.department.liaison] if assignment.department.liaison_id else []
    if assignment.handler_id and assignment.handler_id != assignment.department.liaison_id:
        people.append(assignment.handler)
    return people


# --- deadlines -------------------------------------------------------------------------------
def deadline_add(*, calendar: WorkingCalendar, start: dt.datetime, amount: float, unit: str) -> dt.datetime:
    """`amount` of `unit` after `start` on the working calendar (or the clock, for calendar units)."""
    if unit == LimitUnit.WORKING_DAYS:
        return calendar.working_days_deadline(start, max(1, math.ceil(amount)))
    if unit == LimitUnit.WORKING_HOURS:
        return calendar.add_working_hours(start, amount)
    if unit == LimitUnit.CALENDAR_DAYS:
        return start + dt.timedelta(days=amount)
    if unit == LimitUnit.CALENDAR_HOURS:
        return start + dt.timedelta(hours=amount)
    if unit == LimitUnit.CALENDAR_MINUTES:
        return start + dt.timedelta(minutes=amount)
    raise ValueError(f"unknown limit unit {unit}")


def policy_select(*, case: Case, mode: str, center: Center) -> tuple[DeadlinePolicy | None, int]:
    """The most specific active policy for the matter, and the limit percentage to apply.

    A matter keeps the mode it started under (`case.operating_mode`): wartime policies when it
    started in wartime; without any, the normal policy shortened by the current wartime percentage.
    """
    category_ids = [case.category_id]
    parent_id = getattr(case.category, "parent_id", None)
    if parent_id:
        category_ids.append(parent_id)
    rows = list(
        DeadlinePolicy.objects.filter(center=center, active=True)
        .filter(Q(category__isnull=True) | Q(category_id__in=category_ids))
        .filter(Q(handling_mode="") | Q(handling_mode=mode))
        .filter(Q(complexity="") | Q(complexity=case.complexity))
    )

    def score(policy: DeadlinePolicy) -> tuple[int, int]:
        category = 4 if policy.category_id == case.category_id else 2 if policy.category_id else 0
        return (category + (2 if policy.handling_mode else 0) + (1 if policy.complexity else 0), -policy.pk)

    wartime = case.operating_mode == OperatingMode.WARTIME
    if wartime:
        wartime_rows = [row for row in rows if row.operating_mode == OperatingMode.WARTIME]
        if wartime_rows:
            return max(wartime_rows, key=score), 100
    normal_rows = [row for row in rows if row.operating_mode == OperatingMode.NORMAL]
    percent = 100
    if wartime:
        current = mode_current(center=center)
        if getattr(current, "kind", OperatingMode.NORMAL) == OperatingMode.WARTIME:
            percent = int(getattr(current, "assignment_limit_percent", 100) or 100)
    return (max(normal_rows, key=score) if normal_rows else None), percent


ANSWER_UNIT_TO_LIMIT_UNIT = {
    AnswerLimitUnit.WORKING_DAYS: LimitUnit.WORKING_DAYS,
    AnswerLimitUnit.CALENDAR_DAYS: LimitUnit.CALENDAR_DAYS,
    AnswerLimitUnit.HOURS: LimitUnit.CALENDAR_HOURS,
}


def kind_limit(case: Case) -> AnswerLimit | None:
    """The limit of the matter's kind, as fixed on it at registration (issue 22 item 11), when no
    DeadlinePolicy row matches: a 信访 matter is handled in 60 days, a burst main in 24 hours, so the
    department is held to (and assessed by) the matter's own limit. None when the matter was promised
    by complexity, and for an urgent matter (its default, hours, is shorter than any kind's)."""
    if case.complexity == Complexity.URGENT or not (case.answer_limit and case.answer_limit_unit):
        return None
    limit = case_answer_limit(case)
    return None if limit == complexity_answer_limit(case.complexity) else limit


def policy_snapshot(*, policy: DeadlinePolicy | None, case: Case, mode: str, percent: int) -> dict[str, Any]:
    """The limits in force, frozen onto the assignment."""
    if policy is None:
        handle = DEFAULT_HANDLE.get(case.complexity, DEFAULT_HANDLE[Complexity.ORDINARY])
        kind = kind_limit(case)
        extra: dict[str, Any] = {}
        if kind is not None:
            handle = (kind.amount, ANSWER_UNIT_TO_LIMIT_UNIT[kind.unit])
            extra = {"answer_limit": [kind.amount, kind.unit]}
        return {
            "policy_id": None,
            "name": "事项类别时限" if kind is not None else "默认时限",
            **extra,
            "ack": list(DEFAULT_ACK),
            "handle": list(handle),
            "rework": list(DEFAULT_REWORK),
            "percent": percent,
            "reminder_lead_minutes": DEFAULT_REMINDER_LEAD_MINUTES,
            "ack_reminder_lead_minutes": DEFAULT_ACK_REMINDER_LEAD_MINUTES,
            "escalation_chain": DEFAULT_ESCALATION_CHAIN,
            "progress_every_working_days": SUPERVISED_DEFAULT_PROGRESS_DAYS if mode == "supervised" else None,
            "letter_after_overdue": DEFAULT_LETTER_AFTER_OVERDUE,
            "operating_mode": case.operating_mode,
        }
    return {
        "policy_id": policy.pk,
        "name": policy.name,
        "ack": [policy.ack_amount, policy.ack_unit],
        "handle": [policy.handle_amount, policy.handle_unit],
        "rework": [policy.rework_amount, policy.rework_unit],
        "percent": percent,
        "reminder_lead_minutes": list(policy.reminder_lead_minutes or []),
        "ack_reminder_lead_minutes": DEFAULT_ACK_REMINDER_LEAD_MINUTES,
        "escalation_chain": list(policy.escalation_chain or DEFAULT_ESCALATION_CHAIN),
        "progress_every_working_days": policy.progress_every_working_days
        or (SUPERVISED_DEFAULT_PROGRESS_DAYS if mode == "supervised" else None),
        "letter_after_overdue": policy.letter_after_overdue,
        "operating_mode": policy.operating_mode,
    }


def snapshot_deadline(
    *, calendar: WorkingCalendar, snapshot: dict[str, Any], which: str, start: dt.datetime
) -> dt.datetime:
    amount, unit = snapshot[which]
    if which != "ack":
        amount = amount * snapshot.get("percent", 100) / 100
    if which == "handle" and snapshot.get("answer_limit"):
        # The kind's limit, counted as the matter's promise is (a period in days ends at the end of
        # its last day, moved past a holiday), shortened in wartime like any other.
        kind_unit = snapshot["answer_limit"][1]
        return AnswerLimit(max(1, math.ceil(amount)), kind_unit).deadline(start=start, calendar=calendar)
    return deadline_add(calendar=calendar, start=start, amount=amount, unit=unit)


# --- steps -----------------------------------------------------------------------------------
HANDLING_STEP_KINDS = (StepKind.DUE_REMINDER, StepKind.OVERDUE, StepKind.ESCALATION)
ACK_STEP_KINDS = (StepKind.ACK_REMINDER, StepKind.ACK_OVERDUE)


def _chain_targets(entry: dict[str, Any]) -> list[str]:
    to = entry.get("to", [])
    return [to] if isinstance(to, str) else list(to)


def steps_for_assignment(
    *, assignment: Assignment, now: dt.datetime, ack: bool = True, handling: bool = True,
    progress_at: dt.datetime | None = None,
) -> list[DeadlineStep]:
    """Unsaved steps for an assignment from its snapshot (reminders already in the past are left out)."""
    snap = assignment.policy_snapshot
    steps: list[DeadlineStep] = []
    if ack:
        for lead in snap.get("ack_reminder_lead_minutes", []):
            at = assignment.ack_due_at - dt.timedelta(minutes=lead)
            if at > now:
                steps.append(DeadlineStep(kind=StepKind.ACK_REMINDER, assignment=assignment, due_at=at,
                                          targets=[EscalationTarget.LIAISON]))
        steps.append(DeadlineStep(kind=StepKind.ACK_OVERDUE, assignment=assignment, due_at=assignment.ack_due_at,
                                  targets=[EscalationTarget.LIAISON]))
    if handling:
        for lead in snap.get("reminder_lead_minutes", []):
            at = assignment.due_at - dt.timedelta(minutes=lead)
            if at > now:
                steps.append(DeadlineStep(kind=StepKind.DUE_REMINDER, assignment=assignment, due_at=at,
                                          targets=[EscalationTarget.LIAISON]))
        for level, entry in enumerate(snap.get("escalation_chain", [])):
            at = assignment.due_at + dt.timedelta(minutes=int(entry.get("after_minutes", 0)))
            kind = StepKind.OVERDUE if level == 0 else StepKind.ESCALATION
            steps.append(DeadlineStep(kind=kind, assignment=assignment, due_at=at, level=level,
                                      targets=_chain_targets(entry)))
    if progress_at is not None:
        steps.append(DeadlineStep(kind=StepKind.PROGRESS_DUE, assignment=assignment, due_at=progress_at,
                                  targets=[EscalationTarget.LIAISON]))
    return steps


def steps_cancel(*, assignment_ids: Iterable[int], kinds: Iterable[str] | None, now: dt.datetime) -> int:
    rows = DeadlineStep.objects.filter(assignment_id__in=list(assignment_ids), fired_at__isnull=True,
                                       cancelled_at__isnull=True)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return rows.update(cancelled_at=now)


def progress_due_at(*, calendar: WorkingCalendar, assignment: Assignment, start: dt.datetime) -> dt.datetime | None:
    if not assignment.progress_every_working_days:
        return None
    return calendar.working_days_deadline(start, assignment.progress_every_working_days)


def calendar_for(center: Center) -> WorkingCalendar:
    return WorkingCalendar(center=center)


ACTIVE_ASSIGNMENT = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.REWORK)
