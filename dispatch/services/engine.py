"""The deadline engine: the sweep that fires due steps exactly once, and the auditor that checks it.

The sweep works set-wise per batch of due steps, in one transaction: one conditional UPDATE claims
the batch (`fired_at IS NULL`, tagged with a claim token and the lag), one read loads what the steps
need, one UPDATE per kind of mark (assignments overdue, summons departments escalated), one bulk
insert of timeline events, one bulk insert of the messages (the outbox: in-app rows are delivered by
being written, e-mail/SMS rows wait `pending`), one UPDATE of the outcomes. Two sweeps at once cannot
both claim a step (the second UPDATE re-checks `fired_at` after the first commits); a crash rolls the
whole batch back, marks and messages together, so the next sweep fires it again. Only the publishing
of deliveries happens after commit (one task per batch of messages); if it is lost, beat publishes
the pending rows again. The auditor checks that every fired step has its messages.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, DateTimeField, DurationField, ExpressionWrapper, F, Max, Q, Value
from django.utils import timezone

from dispatch import hooks
from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentStatus,
    DispatchEventType,
    EscalationTarget,
    NotificationChannel,
    StepKind,
    SummonsStatus,
)
from dispatch.links import link_to
from dispatch.models import (
    Assignment,
    AuditAlarm,
    DeadlineStep,
    Notification,
    SummonsDepartment,
    SweepRun,
    WorkReminderLetter,
)
from dispatch.services.channels import EXTERNAL
from dispatch.services.clocks import explanations_request
from dispatch.services.common import (
    DEFAULT_LETTER_AFTER_OVERDUE,
    CommanderCache,
    calendar_for,
    progress_due_at,
    recipients_for,
)
from dispatch.services.delivery import PRIORITY_BULK, PRIORITY_URGENT
from dispatch.services.notifications import (
    NotificationRequest,
    notification_outbox_stats,
    notification_send_many,
    notification_urgent_waiting,
)
from dispatch.services.subjects import subject_steps_fire
from dispatch.voice import voice_configured
from governance.models import Center, Department
from governance.people import display_name
from governance.workcal import WorkingCalendar
from intake.choices import EventSource
from intake.events import case_event_build, case_events_record_many
from intake.models import CaseEvent

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
AUDIT_GRACE = dt.timedelta(minutes=2)  # the sweep runs every 15 s; a step 2 minutes late is missed
ALARM_KIND = "deadline_steps_unfired"
LOST_ALARM_KIND = "deadline_messages_missing"
# A run still "running" after this long died with its process (a catch-up of 10,000 steps takes seconds).
SWEEP_RUN_TIMEOUT = dt.timedelta(minutes=10)
# Finished runs are kept this long (failed ones for good: they are the record of an incident).
SWEEP_RUN_KEPT = dt.timedelta(days=7)
# The auditor looks this far back for fired steps missing their messages.
AUDIT_WINDOW = dt.timedelta(days=2)
# An e-mail/SMS row undelivered this long means deliveries are stuck (broker or worker down).
UNDELIVERED_STALE = dt.timedelta(minutes=10)
LAG_PROMISE = dt.timedelta(seconds=60)


_LINK_SENTINEL = 987654321987


@functools.cache
def _link_template(name: str) -> str:
    return link_to(name, _LINK_SENTINEL)


def _link(name: str, pk: int) -> str:
    """`link_to` without a URL resolution per step (reverse() was the sweep's largest Python cost)."""
    return _link_template(name).replace(str(_LINK_SENTINEL), str(pk))


class Outbox:
    """The messages of one sweep batch, stored in bulk in the batch's transaction; each request
    remembers its step, and the step how many rows it wrote (checked by the auditor)."""

    def __init__(self) -> None:
        self.requests: list[NotificationRequest] = []
        self.counts: dict[int, int] = defaultdict(int)

    def add(self, *, step: Any, recipients: list[Any], kind: str, title: str, body: str = "",
            link: str = "", dedupe_key: str, urgent: bool = False, channels: tuple[str, ...] = ()) -> None:
        people = tuple(user for user in recipients if user is not None)
        if not people:
            return
        # urgent: also outside the app, by the recipient's channels on file (dispatch.services.channels)
        channels = channels or ((NotificationChannel.IN_APP, EXTERNAL) if urgent else (NotificationChannel.IN_APP,))
        request = NotificationRequest(
            recipients=people, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key,
            channels=channels, step_id=step.pk,
            priority=PRIORITY_URGENT if kind.startswith("summons.") else PRIORITY_BULK)
        self.requests.append(request)  # its rows are counted per step as they are stored


@dataclass
class SweepResult:
    fired: int = 0
    skipped: int = 0
    batches: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class _Batch:
    """What one batch decides before writing: events, marks, messages, new steps, outcomes."""

    now: dt.datetime
    events: list[CaseEvent] = field(default_factory=list)
    outbox: Outbox = field(default_factory=Outbox)
    skipped: set[int] = field(default_factory=set)
    new_steps: list[DeadlineStep] = field(default_factory=list)


def deadline_sweep(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH,
                   max_batches: int = 1000) -> SweepResult:
    """Fire every step due at or before `now` not fired yet (also those missed during downtime)."""
    now = now or timezone.now()
    clock_start = timezone.now()
    run = SweepRun.objects.create(started_at=clock_start)
    result = SweepResult()
    commanders = CommanderCache()
    calendars: dict[int, WorkingCalendar] = {}
    letters_issued: set[tuple[int, dt.date]] = set()
    centers: dict[int, Center] = {}
    pending = DeadlineStep.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)
    try:
        for _ in range(max_batches):
            ids = list(pending.order_by("due_at", "pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            result.batches += 1
            # The lag is measured at the moment of the claim: `now` plus the time this sweep has run.
            claimed_at = now + (timezone.now() - clock_start)
            _sweep_batch(ids=ids, now=now, claimed_at=claimed_at, result=result, commanders=commanders,
                         calendars=calendars, letters_issued=letters_issued, centers=centers)
    except Exception as exc:
        SweepRun.objects.filter(pk=run.pk).update(
            status=SweepRun.Status.FAILED, finished_at=timezone.now(), fired=result.fired, skipped=result.skipped,
            batches=result.batches, error=f"{exc.__class__.__name__}: {exc}"[:300])
        raise
    SweepRun.objects.filter(pk=run.pk).update(status=SweepRun.Status.FINISHED, finished_at=timezone.now(),
                                              fired=result.fired, skipped=result.skipped, batches=result.batches)
    return result


def _sweep_batch(*, ids: list[int], now: dt.datetime, claimed_at: dt.datetime, result: SweepResult,
                 commanders: CommanderCache, calendars: dict[int, WorkingCalendar],
                 letters_issued: set[tuple[int, dt.date]], centers: dict[int, Center]) -> None:
    """One batch, set-wise, in one transaction (a bounded number of queries whatever its size)."""
    with transaction.atomic():
        token = uuid.uuid4().hex
        lag = ExpressionWrapper(Value(claimed_at, output_field=DateTimeField()) - F("due_at"),
                                output_field=DurationField())
        claimed = DeadlineStep.objects.filter(
            pk__in=ids, fired_at__isnull=True, cancelled_at__isnull=True
        ).update(fired_at=now, claim=token, lag=lag)
        if not claimed:
            return
        steps = _claimed_steps(token=token, centers=centers)
        batch = _Batch(now=now)
        overdue = _mark_overdue(steps=steps, now=now)
        escalated = _mark_summons_escalated(steps=steps, now=now)
        acknowledged = _escalations_seen(steps=steps)
        newly_overdue: list[tuple[_AssignmentStep, dict[str, Any]]] = []
        # Other apps' deadlines (dispatch.services.subjects): each registered handler gets its claimed
        # steps once per batch, inside this transaction; the steps it did not act on are skipped.
        subject_steps = [step for step in steps if step.subject_type]
        acted_subjects = (subject_steps_fire(steps=subject_steps, now=now, outbox=batch.outbox)
                          if subject_steps else set())
        for step in steps:
            if step.subject_type:
                acted = step.pk in acted_subjects
            elif step.summons_department_id and step.kind == StepKind.VOICE_CALL:
                acted = _fire_voice_call(step=step, seen=acknowledged, batch=batch, commanders=commanders)
            elif step.summons_department_id:
                acted = _fire_summons(step=step, marked=step.summons_department_id in escalated, batch=batch,
                                      commanders=commanders)
            else:
                acted = _fire_assignment(step=step, overdue=overdue, batch=batch, commanders=commanders,
                                         calendars=calendars, newly_overdue=newly_overdue)
            if acted:
                result.kinds[step.kind] = result.kinds.get(step.kind, 0) + 1
            else:
                batch.skipped.add(step.pk)
        if newly_overdue:
            _work_letters(newly_overdue=newly_overdue, batch=batch, letters_issued=letters_issued)
            # 解释回访: each matter's first receiver is asked to call the applicant; the call's clock starts.
            events, new_steps = explanations_request(
                overdue=[(step, step.assignment.case_id, step.assignment.pk) for step, _base in newly_overdue],
                now=now, outbox=batch.outbox, calendars=calendars)
            batch.events += events
            batch.new_steps += new_steps
            # What follows an overdue mark (review's accountability ladder), stored with the batch's steps.
            batch.new_steps.extend(hooks.assignments_overdue(
                assignments=[step.assignment for step, _base in newly_overdue], now=now, calendars=calendars))
        case_events_record_many(events=batch.events)
        if batch.new_steps:
            DeadlineStep.objects.bulk_create(batch.new_steps)
        notification_send_many(requests=batch.outbox.requests, now=now, counts=batch.outbox.counts)
        _record_outcomes(token=token, skipped=batch.skipped, counts=batch.outbox.counts)
        result.fired += len(steps) - len(batch.skipped)
        result.skipped += len(batch.skipped)


@dataclass(slots=True)
class _AssignmentRow:
    """What an assignment step needs of its assignment, read with the step (no model instances: the
    batch's read builds one of these per step instead of seven ORM objects)."""

    pk: int
    status: str
    due_at: dt.datetime
    ack_due_at: dt.datetime
    center_id: int
    department_id: int
    case_id: int
    case_code: str
    case_title: str
    progress_every_working_days: int | None
    supervising_leader_id: int | None
    letter_after_overdue: Any
    handler_id: int | None
    department: Department = field(init=False)
    center: Center = field(init=False)
    supervising_leader: AbstractBaseUser | None = None
    handler: AbstractBaseUser | None = None


@dataclass(slots=True)
class _AssignmentStep:
    """A claimed step of an assignment, as `_fire_assignment` reads it."""

    pk: int
    kind: str
    level: int
    targets: list[str]
    due_at: dt.datetime
    assignment_id: int | None
    assignment: _AssignmentRow | None
    subject_type: str = ""
    summons_department_id: None = None


_STEP_COLUMNS = (
    "pk", "kind", "level", "targets", "due_at", "assignment_id", "summons_department_id", "subject_type",
    "assignment__status", "assignment__due_at", "assignment__ack_due_at", "assignment__center_id",
    "assignment__department_id", "assignment__case_id", "assignment__case__code", "assignment__case__title",
    "assignment__progress_every_working_days", "assignment__supervising_leader_id",
    "assignment__policy_snapshot__letter_after_overdue", "assignment__handler_id",
)


def _claimed_steps(*, token: str, centers: dict[int, Center]) -> list[Any]:
    """The batch's claimed steps in due order, read in a bounded number of queries whatever the batch:
    one read of the steps with their assignments and matters (plain values), one of the departments
    with their liaison and leader, the centers not met yet in this sweep, the supervising leaders
    (progress steps only), and the summons and other apps' steps as model instances (only when the
    batch has any)."""
    rows = list(DeadlineStep.objects.filter(claim=token).order_by("due_at", "pk").values_list(*_STEP_COLUMNS))
    summons_ids = [row[0] for row in rows if row[6] is not None and not row[7]]
    subject_ids = [row[0] for row in rows if row[7]]
    models_by_pk: dict[int, DeadlineStep] = {}
    if summons_ids:
        models_by_pk.update((step.pk, step) for step in DeadlineStep.objects.filter(pk__in=summons_ids).select_related(
            "summons_department__summons__case", "summons_department__summons__center",
            "summons_department__summons__decided_by", "summons_department__department__liaison",
            "summons_department__department__leader_in_charge"))
    if subject_ids:
        models_by_pk.update((step.pk, step) for step in DeadlineStep.objects.filter(pk__in=subject_ids))
    steps: list[Any] = []
    assignments: list[_AssignmentRow] = []
    for (pk, kind, level, targets, due_at, assignment_id, summons_id, subject_type, *fields) in rows:
        if subject_type or summons_id is not None:
            steps.append(models_by_pk[pk])
            continue
        assignment = _AssignmentRow(assignment_id, *fields) if assignment_id is not None else None
        if assignment is not None:
            assignments.append(assignment)
        steps.append(_AssignmentStep(pk=pk, kind=kind, level=level, targets=list(targets or []), due_at=due_at,
                                     assignment_id=assignment_id, assignment=assignment))
    if assignments:
        departments = Department.objects.select_related("liaison", "leader_in_charge").in_bulk({row.department_id for row in assignments})
        missing = {row.center_id for row in assignments} - centers.keys()
        if missing:
            centers.update(Center.objects.in_bulk(missing))
        # The supervising leaders (progress steps) and the named handlers (承办人), in one read.
        people_ids = {row.supervising_leader_id for row in assignments
                      if row.supervising_leader_id and row.progress_every_working_days}
        people_ids |= {row.handler_id for row in assignments if row.handler_id}
        people = get_user_model().objects.in_bulk(people_ids) if people_ids else {}
        for row in assignments:
            row.department = departments[row.department_id]
            row.center = centers[row.center_id]
            if row.progress_every_working_days:
                row.supervising_leader = people.get(row.supervising_leader_id)
            row.handler = people.get(row.handler_id)
    return steps


def _mark_overdue(*, steps: list[Any], now: dt.datetime) -> set[int]:
    """Mark overdue, in one `UPDATE … RETURNING`, the open assignments whose OVERDUE step fell due;
    returns the ids this sweep marked (the conditional update re-checks each row under its lock, so a
    concurrent writer cannot slip between read and write)."""
    candidates = [step.assignment_id for step in steps
                  if step.kind == StepKind.OVERDUE and not step.subject_type and step.assignment is not None
                  and now >= step.assignment.due_at and step.assignment.status in OPEN_ASSIGNMENT_STATUSES]
    if not candidates:
        return set()
    statuses = [str(status) for status in OPEN_ASSIGNMENT_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(Assignment._meta.db_table)} SET overdue_at = %s "  # noqa: S608 - placeholders only
            f"WHERE id IN ({', '.join(['%s'] * len(candidates))}) AND overdue_at IS NULL "
            f"AND status IN ({', '.join(['%s'] * len(statuses))}) RETURNING id",
            [connection.ops.adapt_datetimefield_value(now), *candidates, *statuses])
        return {row[0] for row in cursor.fetchall()}


def _mark_summons_escalated(*, steps: list[DeadlineStep], now: dt.datetime) -> set[int]:
    candidates = [step.summons_department_id for step in steps
                  if step.summons_department_id and not step.subject_type and step.kind == StepKind.SUMMONS_OVERDUE
                  and step.summons_department.summons.status == SummonsStatus.APPROVED
                  and step.summons_department.reported_in_at is None]
    if not candidates:
        return set()
    rows = SummonsDepartment.objects.filter(pk__in=candidates, escalated_at__isnull=True,
                                            reported_in_at__isnull=True)
    marked = set(rows.select_for_update().values_list("pk", flat=True))
    if marked:
        SummonsDepartment.objects.filter(pk__in=marked).update(escalated_at=now)
    return marked


def _record_outcomes(*, token: str, skipped: set[int], counts: dict[int, int]) -> None:
    """One UPDATE: each claimed step's outcome and how many messages it wrote."""
    by_count: dict[int, list[int]] = defaultdict(list)
    for step_id, count in counts.items():
        if step_id not in skipped:
            by_count[count].append(step_id)
    message_count = models.Case(*[models.When(pk__in=ids, then=Value(count)) for count, ids in by_count.items()],
                            default=Value(0))
    outcome = models.Case(models.When(pk__in=list(skipped), then=Value("skipped")), default=Value("fired")) if skipped \
        else Value("fired")
    DeadlineStep.objects.filter(claim=token).update(outcome=outcome, message_count=message_count)


def _case_event(*, case_id: int, type: str, now: dt.datetime, data: dict[str, Any]) -> CaseEvent:
    """An event of the system (no actor; source: task), inserted in bulk with the sweep's batch."""
    return case_event_build(case=case_id, type=type, actor=None, source=EventSource.TASK, data=data, now=now)


def _fire_assignment(*, step: _AssignmentStep, overdue: set[int], batch: _Batch, commanders: CommanderCache,
                     calendars: dict[int, WorkingCalendar],
                     newly_overdue: list[tuple[_AssignmentStep, dict[str, Any]]]) -> bool:
    """Decide one claimed assignment step; False when it no longer applies (the row stays fired,
    marked skipped)."""
    now, events, outbox = batch.now, batch.events, batch.outbox
    assignment = step.assignment
    if assignment is None or assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        return False
    if assignment.status == AssignmentStatus.DECLINED:
        return False
    dept = assignment.department
    base = {"assignment": assignment.pk, "department": dept.pk, "department_name": dept.name, "step": step.pk}
    people = recipients_for(targets=step.targets, department=dept, center=assignment.center, at=now,
                            commanders=commanders, handler=assignment.handler)
    link = _link("work-assignment", assignment.pk)
    key = f"step:{step.pk}"
    if step.kind == StepKind.ACK_REMINDER:
        if assignment.status != AssignmentStatus.ASSIGNED or now >= assignment.ack_due_at:
            return False
        outbox.add(step=step, recipients=people, kind="assignment.ack_reminder", title=f"请及时签收：{assignment.case_code}",
                   body=f"签收期限 {timezone.localtime(assignment.ack_due_at):%m-%d %H:%M}", link=link,
                   dedupe_key=key)
        return True
    if step.kind == StepKind.ACK_OVERDUE:
        if assignment.status != AssignmentStatus.ASSIGNED:
            return False
        events.append(_case_event(case_id=assignment.case_id, type=DispatchEventType.ASSIGNMENT_ACKNOWLEDGEMENT_OVERDUE, now=now,
                                  data={**base, "ack_due_at": assignment.ack_due_at}))
        outbox.add(step=step, recipients=people, kind="assignment.ack_overdue", title=f"签收已超时：{assignment.case_code}",
                   body=assignment.case_title, link=link, dedupe_key=key, urgent=True)
        return True
    if step.kind == StepKind.DUE_REMINDER:
        if now >= assignment.due_at or step.due_at > assignment.due_at:
            return False
        outbox.add(step=step, recipients=people, kind="assignment.due_reminder", title=f"即将到期：{assignment.case_code}",
                   body=f"办理期限 {timezone.localtime(assignment.due_at):%m-%d %H:%M}", link=link,
                   dedupe_key=key)
        return True
    if step.kind == StepKind.OVERDUE:
        if assignment.pk not in overdue:
            return False
        events.append(_case_event(case_id=assignment.case_id, type=DispatchEventType.ASSIGNMENT_OVERDUE, now=now,
                                  data={**base, "due_at": assignment.due_at}))
        outbox.add(step=step, recipients=people, kind="assignment.overdue", title=f"办理已超期：{assignment.case_code}",
                   body=assignment.case_title, link=link, dedupe_key=key, urgent=True)
        newly_overdue.append((step, base))
        return True
    if step.kind == StepKind.ESCALATION:
        if now < assignment.due_at:
            return False
        events.append(_case_event(case_id=assignment.case_id, type=DispatchEventType.ASSIGNMENT_ESCALATED, now=now,
                                  data={**base, "level": step.level, "to": step.targets}))
        outbox.add(step=step, recipients=people, kind="assignment.escalated",
                   title=f"超期督办（第 {step.level} 级）：{dept.name} {assignment.case_code}", body=assignment.case_title,
                   link=link, dedupe_key=key, urgent=True)
        return True
    if step.kind == StepKind.PROGRESS_DUE:
        if assignment.status not in (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.REWORK,
                                     AssignmentStatus.ASSIGNED) or not assignment.progress_every_working_days:
            return False
        events.append(_case_event(case_id=assignment.case_id, type=DispatchEventType.ASSIGNMENT_PROGRESS_REQUESTED, now=now, data=base))
        outbox.add(step=step, recipients=[*people, assignment.supervising_leader], kind="assignment.progress_due",
                   title=f"督办事项请报告进度：{assignment.case_code}", body=assignment.case_title, link=link, dedupe_key=key)
        if assignment.center_id not in calendars:
            calendars[assignment.center_id] = calendar_for(assignment.center)
        next_at = progress_due_at(calendar=calendars[assignment.center_id], assignment=assignment,  # type: ignore[arg-type]
                                  start=now)
        batch.new_steps.append(DeadlineStep(kind=StepKind.PROGRESS_DUE, assignment_id=assignment.pk, due_at=next_at,
                                            targets=step.targets))
        return True
    return False


def _fire_summons(*, step: DeadlineStep, marked: bool, batch: _Batch, commanders: CommanderCache) -> bool:
    if not marked:
        return False
    now = batch.now
    row: SummonsDepartment = step.summons_department
    summons = row.summons
    dept = row.department
    if summons.case_id:
        batch.events.append(_case_event(case_id=summons.case_id, type=DispatchEventType.SUMMONS_OVERDUE, now=now, data={
            "summons": summons.pk, "department": dept.pk, "department_name": dept.name,
            "report_in_due_at": summons.report_in_due_at, "step": step.pk}))
    people = recipients_for(targets=step.targets, department=dept, center=summons.center, at=now,
                            commanders=commanders)
    if summons.decided_by is not None:
        people.append(summons.decided_by)
    batch.outbox.add(
        step=step, recipients=people, kind="summons.overdue", title=f"召集报到超时：{dept.name}",
        body=f"报到截止 {timezone.localtime(summons.report_in_due_at):%H:%M}，{dept.name} 尚未报到。",
        link=_link("work-summons", summons.pk),
        dedupe_key=row.escalation_key, urgent=True)
    # Whoever of the leaders has not seen it some minutes later is called (dispatch.voice).
    leaders = [target for target in step.targets if target in VOICE_CALL_TARGETS]
    if leaders and voice_configured():
        batch.new_steps.append(DeadlineStep(
            kind=StepKind.VOICE_CALL, summons_department_id=row.pk, targets=leaders,
            due_at=now + dt.timedelta(minutes=settings.VOICE_CALL_AFTER_MINUTES)))
    return True


VOICE_CALL_TARGETS = (EscalationTarget.LEADER_IN_CHARGE, EscalationTarget.COMMANDER)


def _escalations_seen(*, steps: list[Any]) -> set[tuple[str, int]]:
    """(escalation key, person) for the batch's voice-call steps whose escalation that person has seen,
    on any channel (read in the app, opened from a message, acknowledged on an earlier call): one read,
    only when the batch has such steps."""
    keys = [step.summons_department.escalation_key for step in steps
            if step.summons_department_id and not step.subject_type and step.kind == StepKind.VOICE_CALL]
    if not keys:
        return set()
    return set(Notification.objects.filter(dedupe_key__in=keys, read_at__isnull=False)
               .values_list("dedupe_key", "recipient_id"))


def _fire_voice_call(*, step: DeadlineStep, seen: set[tuple[str, int]], batch: _Batch,
                     commanders: CommanderCache) -> bool:
    """Call the step's leaders who have not seen the summons' escalation, while the department has still
    not reported in (a call that finds everyone informed, or the summons over, is skipped)."""
    row: SummonsDepartment = step.summons_department
    summons = row.summons
    if summons.status != SummonsStatus.APPROVED or row.reported_in_at is not None:
        return False
    key = row.escalation_key
    people = recipients_for(targets=step.targets, department=row.department, center=summons.center, at=batch.now,
                            commanders=commanders)
    unseen = list({person.pk: person for person in people if (key, person.pk) not in seen}.values())
    if not unseen:
        return False
    dept = row.department
    due = timezone.localtime(summons.report_in_due_at)
    if summons.case_id:
        batch.events.append(_case_event(case_id=summons.case_id, type=DispatchEventType.SUMMONS_VOICE_CALLED,
                                        now=batch.now, data={
            "summons": summons.pk, "department": dept.pk, "department_name": dept.name, "step": step.pk,
            "called": [person.pk for person in unseen], "called_names": [display_name(person) for person in unseen]}))
    batch.outbox.add(
        step=step, recipients=unseen, kind="summons.voice_call", title=f"召集报到超时：{dept.name}",
        body=f"报到截止 {due:%H:%M}，{dept.name} 尚未报到",
        link=_link("work-summons", summons.pk), dedupe_key=key, channels=(NotificationChannel.VOICE,))
    return True


def _work_letters(*, newly_overdue: list[tuple[_AssignmentStep, dict[str, Any]]], batch: _Batch,
                  letters_issued: set[tuple[int, dt.date]]) -> None:
    """工作提示函 once per department and month when its overdue count reaches the threshold: one read
    of this month's letters and one grouped count for the departments this batch marked overdue."""
    now = batch.now
    local = timezone.localtime(now)
    month = local.date().replace(day=1)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    marked: dict[int, list[tuple[_AssignmentStep, dict[str, Any]]]] = defaultdict(list)
    for step, base in newly_overdue:
        if (step.assignment.department_id, month) not in letters_issued:
            marked[step.assignment.department_id].append((step, base))
    if not marked:
        return
    issued = set(WorkReminderLetter.objects.filter(department_id__in=list(marked), month=month)
                 .values_list("department_id", flat=True))
    letters_issued.update((dept_id, month) for dept_id in issued)
    todo = [dept_id for dept_id in marked if dept_id not in issued]
    if not todo:
        return
    # This batch's marks are in this transaction: the counts include them.
    counts = dict(Assignment.objects.filter(department_id__in=todo, overdue_at__gte=start)
                  .values("department_id").annotate(n=Count("pk")).values_list("department_id", "n"))
    for dept_id in todo:
        # Count up through this batch's marks, in due order: the letter names the one that reached
        # the threshold (its policy gives the threshold) and the count at that point.
        count = counts.get(dept_id, 0) - len(marked[dept_id])
        reached = None
        for step, base in marked[dept_id]:
            count += 1
            threshold = int(step.assignment.letter_after_overdue or DEFAULT_LETTER_AFTER_OVERDUE)
            if count >= threshold:
                reached = (step, base)
                break
        if reached is None:
            continue
        step, base = reached
        assignment = step.assignment
        letters_issued.add((dept_id, month))
        try:  # at most once per department and month: bounded by departments, not by steps
            with transaction.atomic():
                letter = WorkReminderLetter.objects.create(department_id=dept_id, month=month, overdue_count=count,
                                                           trigger_id=assignment.pk, issued_at=now)
        except IntegrityError:
            continue
        dept = assignment.department
        batch.events.append(_case_event(
            case_id=assignment.case_id, type=DispatchEventType.DEPARTMENT_WORK_LETTER_ISSUED, now=now,
            data={**base, "letter": letter.pk, "overdue_count": count, "month": f"{month:%Y-%m}"}))
        batch.outbox.add(step=step, recipients=[dept.leader_in_charge, dept.liaison], kind="department.work_letter",
                         title=f"工作提示函：{dept.name} {month:%Y年%m月} 已超期 {count} 件",
                         body="请切实履行主体责任，按期办理交办事项。", link="",
                         dedupe_key=f"work-letter:{dept.pk}:{month:%Y-%m}", urgent=True)


# --- the auditor -------------------------------------------------------------------------------
def deadline_steps_missed(*, now: dt.datetime) -> int:
    return DeadlineStep.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True,
                                       due_at__lt=now - AUDIT_GRACE).count()


def deadline_steps_without_messages(*, now: dt.datetime) -> int:
    """Steps fired in the audit window that have fewer messages than they wrote when they fired
    (it cannot happen while marks and messages share a transaction; the auditor makes sure)."""
    return (DeadlineStep.objects.filter(fired_at__gte=now - AUDIT_WINDOW, outcome="fired", message_count__gt=0)
            .annotate(stored=Count("notifications")).filter(stored__lt=F("message_count")).count())


def sweep_runs_close_dead(*, now: dt.datetime) -> int:
    """Close as failed the runs still open long after any sweep could have finished (their process died),
    and forget finished runs older than `SWEEP_RUN_KEPT` (a run every 15 s is 5,760 rows a day)."""
    SweepRun.objects.filter(status=SweepRun.Status.FINISHED, started_at__lt=now - SWEEP_RUN_KEPT).delete()
    return SweepRun.objects.filter(status=SweepRun.Status.RUNNING, started_at__lt=now - SWEEP_RUN_TIMEOUT).update(
        status=SweepRun.Status.FAILED, finished_at=now, error="巡检进程中断（未正常结束），已由核查关闭")


def _alarm(*, kind: str, count: int, message: str, now: dt.datetime) -> AuditAlarm | None:
    open_alarms = AuditAlarm.objects.filter(kind=kind, resolved_at__isnull=True)
    if not count:
        open_alarms.update(resolved_at=now)
        return None
    if not open_alarms.update(last_seen_at=now, missed=count, message=message):
        try:
            with transaction.atomic():
                AuditAlarm.objects.create(kind=kind, message=message, missed=count, raised_at=now, last_seen_at=now)
        except IntegrityError:  # another auditor raised it at the same moment
            open_alarms.update(last_seen_at=now, missed=count, message=message)
    logger.error("deadline audit: %s", message)
    return open_alarms.first()


def deadline_audit(*, now: dt.datetime | None = None) -> AuditAlarm | None:
    """Close dead sweep runs as failed; raise (or refresh) an alarm when steps fell due and did not
    fire, or fired steps lack their messages; resolve each when it no longer holds. Returns an open
    alarm, if any."""
    now = now or timezone.now()
    sweep_runs_close_dead(now=now)
    missed = deadline_steps_missed(now=now)
    unfired = _alarm(kind=ALARM_KIND, count=missed, now=now,
                     message=f"有 {missed} 个时限节点到期超过 {AUDIT_GRACE.seconds // 60} 分钟仍未执行："
                             "定时调度（beat）或巡检任务可能已停止。")
    lost = deadline_steps_without_messages(now=now)
    missing = _alarm(kind=LOST_ALARM_KIND, count=lost, now=now,
                     message=f"有 {lost} 个已执行的时限节点缺少应发的通知：请核查并补发。")
    return unfired or missing


def deadline_lag_today(*, now: dt.datetime) -> dict[str, Any]:
    """The worst lag of the steps fired today (local day) and of the last 15 minutes."""
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    fired = DeadlineStep.objects.filter(fired_at__gte=midnight, fired_at__lte=now, lag__isnull=False)
    stats = fired.aggregate(worst=Max("lag"), recent=Max("lag", filter=Q(fired_at__gte=now - dt.timedelta(minutes=15))),
                            count=Count("pk"))
    worst, recent = stats["worst"], stats["recent"]
    return {"fired_today": stats["count"],
            "worst_lag_seconds": round(worst.total_seconds(), 1) if worst is not None else None,
            "recent_worst_lag_seconds": round(recent.total_seconds(), 1) if recent is not None else None}


def deadline_engine_checks(*, now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """For the status page's and /healthz's `extra_checks`: missed steps, fired steps without their
    messages, dead sweep runs, the outbox (undelivered e-mail/SMS and the oldest) and the lag."""
    now = now or timezone.now()
    missed = deadline_steps_missed(now=now)
    lost = deadline_steps_without_messages(now=now)
    alarm = AuditAlarm.objects.filter(resolved_at__isnull=True).order_by("-raised_at").first()
    last = SweepRun.objects.filter(status=SweepRun.Status.FINISHED).order_by("-started_at").first()
    dead = SweepRun.objects.filter(
        Q(status=SweepRun.Status.FAILED) | Q(status=SweepRun.Status.RUNNING, started_at__lt=now - SWEEP_RUN_TIMEOUT),
        started_at__gte=now - dt.timedelta(hours=1)).count()
    last_text = f"最近一次巡检 {timezone.localtime(last.started_at):%Y-%m-%d %H:%M:%S}" if last else "尚未巡检"
    if dead:
        last_text += f"；最近一小时 {dead} 次巡检中断"
    checks: dict[str, dict[str, Any]] = {}
    if missed or lost or alarm:
        parts = []
        if missed:
            parts.append(f"有 {missed} 个时限节点到期超过 {AUDIT_GRACE.seconds // 60} 分钟仍未执行")
        if lost:
            parts.append(f"有 {lost} 个已执行的时限节点缺少应发的通知")
        message = "；".join(parts) or (alarm.message if alarm else "")
        checks["时限督办"] = {"ok": False, "message": f"{message}（{last_text}）", "missed": missed,
                           "without_messages": lost}
    else:
        checks["时限督办"] = {"ok": True, "message": f"所有到期节点均已执行，通知齐全（{last_text}）", "missed": 0,
                           "without_messages": 0}
    outbox = notification_outbox_stats(now=now)
    stale = outbox["oldest_age_seconds"] is not None and outbox["oldest_age_seconds"] > UNDELIVERED_STALE.total_seconds()
    if outbox["undelivered"]:
        text = (f"待发送短信/邮件 {outbox['undelivered']} 条，最早一条已等待 "
                f"{_duration_text(outbox['oldest_age_seconds'])}")
    else:
        text = "没有待发送的短信/邮件"
    if stale:
        text += "：投递可能已停止"
    if outbox["held_for_office_hours"]:
        opens = dt.datetime.fromisoformat(outbox["office_opens_at"])
        text += f"；另有 {outbox['held_for_office_hours']} 条非紧急消息在静默时段暂缓，{opens:%m-%d %H:%M} 上班后发送"
    if outbox["held_by_gateway_limits"]:
        frees = dt.datetime.fromisoformat(outbox["gateway_limits_free_at"])
        text += (f"；{outbox['held_by_gateway_limits']} 条因接收人已达网关频率上限暂缓，"
                 f"最早 {frees:%m-%d %H:%M:%S} 发送")
    checks["消息投递"] = {"ok": not stale, "message": text, **outbox}
    urgent = notification_urgent_waiting(now=now)
    if urgent["failing"]:
        # red: the gateway refuses a summons message (it keeps retrying while the report-in runs)
        checks["紧急消息"] = {"ok": False, "message": f"召集短信/邮件有 {urgent['failing']} 条发送失败：网关异常，"
                                                   "系统持续重试，请电话通知被召集部门", **urgent}
    elif urgent["waiting"]:
        # amber: a call-up waits (the urgent worker is busy, down, or taking over a crashed delivery)
        checks["紧急消息"] = {"ok": False, "soft": True, **urgent,
                           "message": f"召集短信/邮件 {urgent['waiting']} 条待发送，最早一条已等待 "
                                      f"{_duration_text(urgent['oldest_age_seconds'])}"}
    else:
        checks["紧急消息"] = {"ok": True, "message": "没有待发送的召集短信/邮件", **urgent}
    lag = deadline_lag_today(now=now)
    recent = lag["recent_worst_lag_seconds"]
    late = recent is not None and recent > LAG_PROMISE.total_seconds()
    worst = lag["worst_lag_seconds"]
    checks["执行延迟"] = {
        # A step fired late in the last 15 minutes while none is missed now: the engine has caught up,
        # the center is recovering (amber), not down.
        "ok": not late, "soft": not missed,
        "message": (f"今日已执行 {lag['fired_today']} 个节点，最大延迟 {_duration_text(worst)}"
                    if worst is not None else "今日尚无执行的节点") + ("：最近 15 分钟超过 1 分钟" if late else ""),
        **lag,
    }
    return checks


def _duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} 秒"
    if seconds < 7200:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds / 3600:.1f} 小时"


def sweep_stats(*, now: dt.datetime) -> dict[str, int]:
    """Counts for the board and the benchmark."""
    return DeadlineStep.objects.aggregate(
        pending=Count("pk", filter=Q(fired_at__isnull=True, cancelled_at__isnull=True)),
        due=Count("pk", filter=Q(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)),
    )
