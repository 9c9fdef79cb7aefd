"""Warning letters (工作提示函 / 风险预警函): issue, answer, and their deadline on the deadline engine.

Issuing numbers the letter per center, kind and year, schedules its answer deadline as steps of the
deadline engine (a reminder the working day before, the overdue mark, then escalation to the
department's leader in charge and the commander), records `letter.issued` in the timeline of every
matter it concerns, and notifies the department after commit. Answering is one guarded transition
(issued → answered) that records whether it came late, cancels the remaining steps and writes
`letter.answered` to the same timelines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import (
    LETTER_SUBJECT,
    CommandEventType,
    LetterKind,
    LetterSource,
    LetterStatus,
    SignalStatus,
)
from command.models import LetterSequence, RiskSignal, WarningLetter
from command.selectors.work import case_in_command_territory, require_command_center
from command.services.signals import signal_transition
from dispatch.choices import EscalationTarget, StepKind
from dispatch.models import DeadlineStep, WorkReminderLetter
from dispatch.selectors.duty import DIRECT, require_on_duty
from dispatch.services import PlannedStep, StepOutbox, deadline_steps_cancel, deadline_steps_schedule
from dispatch.services.common import CommanderCache, notify_on_commit, recipients_for
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center, Department
from governance.roles import MAY_HANDLE_ASSIGNMENTS, MAY_ISSUE_LETTERS, may, user_department_ids
from governance.scope import require_acts_here
from governance.transitions import guarded_move
from governance.workcal import WorkingCalendar
from intake.choices import EventSource
from intake.events import case_event_build, case_events_record_many
from intake.models import Case

DEFAULT_ANSWER_WORKING_DAYS = 5
MAX_ANSWER_WORKING_DAYS = 30
# Escalation after the answer deadline: the leader in charge at once, the commander a working day on.
ESCALATION_AFTER = dt.timedelta(days=1)


def letter_link(letter: WarningLetter) -> str:
    return reverse("command:letter", args=[letter.pk])


def _next_number(*, center: Center, kind: str, year: int) -> int:
    sequence, _ = LetterSequence.objects.get_or_create(center=center, kind=kind, year=year)
    LetterSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    return LetterSequence.objects.values_list("last_value", flat=True).get(pk=sequence.pk)


def letter_case_ids(letter: WarningLetter) -> list[int]:
    """The matters a letter concerns: its matter, or the matters of its signal."""
    ids: list[int] = []
    if letter.case_id:
        ids.append(letter.case_id)
    if letter.signal_id:
        ids.extend(letter.signal.signal_cases.values_list("case_id", flat=True))
    return list(dict.fromkeys(ids))


def _timeline(*, letter: WarningLetter, type: str, actor: AbstractBaseUser | None, source: str,
              now: dt.datetime, data: dict[str, Any]) -> None:
    ids = letter_case_ids(letter)
    if not ids:
        return
    base = {"letter": letter.pk, "reference": letter.reference, "kind": letter.kind,
            "department": letter.department_id, "department_name": letter.department.name, **data}
    cases = Case.objects.filter(pk__in=ids).only("pk")
    case_events_record_many(events=[
        case_event_build(case=case, type=type, actor=actor, source=source, data=base, now=now) for case in cases
    ])


def _answer_steps(*, due_at: dt.datetime, calendar: WorkingCalendar) -> list[PlannedStep]:
    reminder_day = due_at - dt.timedelta(days=1)
    return [
        PlannedStep(kind=StepKind.DUE_REMINDER, due_at=reminder_day, targets=(EscalationTarget.LIAISON,)),
        PlannedStep(kind=StepKind.OVERDUE, due_at=due_at, level=0,
                    targets=(EscalationTarget.LIAISON, EscalationTarget.LEADER_IN_CHARGE)),
        PlannedStep(kind=StepKind.ESCALATION, due_at=due_at + ESCALATION_AFTER, level=1,
                    targets=(EscalationTarget.LEADER_IN_CHARGE, EscalationTarget.COMMANDER)),
    ]


@transaction.atomic
def letter_issue(
    *, actor: AbstractBaseUser | None, center: Center, kind: str, department: Department, subject: str,
    body: str, requirements: str = "", answer_limit_working_days: int = DEFAULT_ANSWER_WORKING_DAYS,
    source: str = LetterSource.MATTER, case: Case | None = None, signal: RiskSignal | None = None,
    assessment_month: dt.date | None = None, trigger_record: WorkReminderLetter | None = None,
    event_source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> WarningLetter:
    """Issue a letter to a department or town (a territory department). `actor` None is the system
    (the overdue-count letter)."""
    now = now or timezone.now()
    if actor is not None and not may(actor, MAY_ISSUE_LETTERS):
        raise PermissionDeniedError(gettext("只有轮值主任、指挥长可以发函。"))
    if actor is not None:
        require_command_center(actor=actor, center=center)
        if case is not None:  # a matter held above the issuer's center is not theirs to write about
            require_acts_here(actor=actor, center=case.center)
        require_on_duty(actor=actor, center=center, task=DIRECT, now=now)
    if kind not in LetterKind.values:
        raise ApplicationError(gettext("请选择函件类型。"), code="invalid", field="kind")
    if source not in LetterSource.values:
        raise ApplicationError(gettext("函件来源无效。"), code="invalid", field="source")
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or len(subject) > 200:
        raise ApplicationError(gettext("请填写事由（不超过 200 字）。"), code="invalid", field="subject")
    if not body:
        raise ApplicationError(gettext("请填写正文。"), code="invalid", field="body")
    if not 1 <= int(answer_limit_working_days) <= MAX_ANSWER_WORKING_DAYS:
        raise ApplicationError(gettext("答复时限须为 1 至 30 个工作日。"), code="invalid",
                               field="answer_limit_working_days")
    if department.center_id != center.pk or not department.active:
        raise ApplicationError(gettext("收函单位不属于本中心或已停用。"), code="invalid", field="department")
    if case is not None and not case_in_command_territory(case=case, center=center):
        raise ApplicationError(gettext("事项不属于本中心。"), code="invalid", field="case")
    if signal is not None:
        if signal.center_id != center.pk:
            raise ApplicationError(gettext("研判信号不属于本中心。"), code="invalid", field="signal")
        signal_transition(signal=signal, to_status=SignalStatus.LETTERED, actor=actor, now=now)
    calendar = WorkingCalendar(center=center)
    due_at = calendar.working_days_deadline(now, int(answer_limit_working_days))
    year = timezone.localtime(now).year
    try:
        with transaction.atomic():
            letter = WarningLetter.objects.create(
                center=center, kind=kind, year=year, number=_next_number(center=center, kind=kind, year=year),
                department=department, subject=subject, body=body, requirements=(requirements or "").strip(),
                source=source, case=case, signal=signal, trigger_record=trigger_record,
                assessment_month=assessment_month, answer_limit_working_days=int(answer_limit_working_days),
                issued_by=actor, issued_at=now, answer_due_at=due_at,
            )
    except IntegrityError:
        earlier = WarningLetter.objects.filter(signal=signal).first() if signal is not None else None
        if earlier is None:
            raise
        raise ApplicationError(gettext("该信号已发函（%(reference)s），不再重复发函。") % {"reference": earlier.reference},
                               code="conflict", field="signal") from None
    deadline_steps_schedule(subject_type=LETTER_SUBJECT, subject_id=letter.pk,
                            steps=_answer_steps(due_at=due_at, calendar=calendar), now=now)
    _timeline(letter=letter, type=CommandEventType.LETTER_ISSUED, actor=actor, source=event_source, now=now,
              data={"subject": subject, "answer_due_at": due_at})
    notify_on_commit(
        recipients=[department.liaison, department.leader_in_charge], kind="letter.issued",
        title=f"{letter.get_kind_display()} {letter.reference}：{subject}",
        body=f"请于 {timezone.localtime(due_at):%Y-%m-%d %H:%M} 前书面答复。", link=letter_link(letter),
        dedupe_key=f"letter:{letter.pk}:issued", now=now, urgent=kind == LetterKind.RISK_WARNING)
    return letter


def letter_may_answer(actor: AbstractBaseUser, letter: WarningLetter) -> bool:
    if letter.department.leader_in_charge_id == actor.pk:
        return True
    return may(actor, MAY_HANDLE_ASSIGNMENTS) and letter.department_id in user_department_ids(actor)


@transaction.atomic
def letter_answer(*, actor: AbstractBaseUser, letter: WarningLetter, answer: str,
                  source: str = EventSource.WEB, now: dt.datetime | None = None) -> WarningLetter:
    """The recipient department's written answer; late when after the answer deadline."""
    now = now or timezone.now()
    if not letter_may_answer(actor, letter):
        raise PermissionDeniedError(gettext("只有收函单位的联络员、承办人或分管领导可以答复。"))
    answer = (answer or "").strip()
    if not answer:
        raise ApplicationError(gettext("请填写答复内容。"), code="invalid", field="answer")
    late = now > letter.answer_due_at
    guarded_move(letter, LetterStatus.ANSWERED, answered_at=now, answered_by=actor, answer=answer,
                 answered_late=late)
    letter.refresh_from_db()
    deadline_steps_cancel(subject_type=LETTER_SUBJECT, subject_id=letter.pk, now=now)
    _timeline(letter=letter, type=CommandEventType.LETTER_ANSWERED, actor=actor, source=source, now=now,
              data={"late": late, "answer_due_at": letter.answer_due_at})
    notify_on_commit(
        recipients=[letter.issued_by], kind="letter.answered",
        title=f"{letter.department.name} 已答复 {letter.reference}{'（逾期）' if late else ''}",
        body=answer[:200], link=letter_link(letter), dedupe_key=f"letter:{letter.pk}:answered", now=now)
    return letter


def letter_steps_fire(steps: Sequence[DeadlineStep], now: dt.datetime, outbox: StepOutbox) -> set[int]:
    """The deadline sweep's handler for letters (runs inside the sweep's transaction; its messages go
    to the batch's outbox with their step, so the auditor covers them)."""
    letters = {
        letter.pk: letter
        for letter in WarningLetter.objects.filter(pk__in={step.subject_id for step in steps})
        .select_related("department__liaison", "department__leader_in_charge", "center")
    }
    commanders = CommanderCache()
    acted: set[int] = set()
    for step in steps:
        letter = letters.get(step.subject_id)
        if letter is None or letter.status != LetterStatus.ISSUED:
            continue
        people = recipients_for(targets=step.targets, department=letter.department, center=letter.center, at=now,
                                commanders=commanders)
        title_base = f"{letter.get_kind_display()} {letter.reference}"
        link, key = letter_link(letter), f"step:{step.pk}"
        if step.kind == StepKind.DUE_REMINDER:
            if now >= letter.answer_due_at:
                continue
            outbox.add(step=step, recipients=people, kind="letter.due_reminder", title=f"请按期答复：{title_base}",
                       body=f"答复期限 {timezone.localtime(letter.answer_due_at):%m-%d %H:%M}", link=link,
                       dedupe_key=key)
        elif step.kind == StepKind.OVERDUE:
            if now < letter.answer_due_at or not WarningLetter.objects.filter(
                    pk=letter.pk, status=LetterStatus.ISSUED, overdue_at__isnull=True).update(overdue_at=now):
                continue
            _timeline(letter=letter, type=CommandEventType.LETTER_OVERDUE, actor=None, source=EventSource.TASK, now=now,
                      data={"answer_due_at": letter.answer_due_at, "step": step.pk})
            outbox.add(step=step, recipients=people, kind="letter.overdue", title=f"函件答复已逾期：{title_base}",
                       body=letter.subject, link=link, dedupe_key=key, urgent=True)
        elif step.kind == StepKind.ESCALATION:
            if now < letter.answer_due_at:
                continue
            _timeline(letter=letter, type=CommandEventType.LETTER_ESCALATED, actor=None, source=EventSource.TASK, now=now,
                      data={"level": step.level, "to": step.targets, "step": step.pk})
            outbox.add(step=step, recipients=people, kind="letter.escalated",
                       title=f"函件逾期未答复（第 {step.level} 级督办）：{letter.department.name} {letter.reference}",
                       body=letter.subject, link=link, dedupe_key=key, urgent=True)
        else:
            continue
        acted.add(step.pk)
    return acted


def letters_from_overdue_records(*, center: Center, now: dt.datetime | None = None) -> list[WarningLetter]:
    """Turn each of the sweep's threshold records (a department's overdue count reaching the policy's
    threshold in a month) into the numbered 工作提示函 it stands for, once (one-to-one)."""
    now = now or timezone.now()
    made: list[WarningLetter] = []
    records = (WorkReminderLetter.objects.filter(department__center=center, letter__isnull=True)
               .select_related("department").order_by("issued_at", "pk"))
    for record in records:
        month = f"{record.month:%Y年%m月}"
        with transaction.atomic():
            if WarningLetter.objects.filter(trigger_record=record).exists():
                continue
            made.append(letter_issue(
                actor=None, center=center, kind=LetterKind.WORK_REMINDER, department=record.department,
                subject=f"{month}交办事项超期 {record.overdue_count} 件",
                body=(f"贵单位{month}承办的交办事项已超期 {record.overdue_count} 件，达到工作提示的标准。"
                      "请切实履行主体责任，逐件说明超期原因和整改措施，按期办理交办事项。"),
                requirements="请于答复期限前书面答复超期原因及整改措施。",
                source=LetterSource.OVERDUE_COUNT, trigger_record=record, event_source=EventSource.TASK,
                case=record.trigger.case if record.trigger_id else None, now=max(now, record.issued_at)))
    return made
