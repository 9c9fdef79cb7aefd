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
import logging
import uuid
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Value
from django.utils import timezone

from dispatch import hooks
from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    StepKind,
    SummonsStatus,
)
from dispatch.models import (
    Assignment,
    DeadlineStep,
    SummonsDepartment,
    SweepRun,
)
from dispatch.services.clocks import explanations_request
from dispatch.services.common import (
    CommanderCache,
)
from dispatch.services.engine_batch import (
    STEP_COLUMNS,
    AssignmentRow,
    AssignmentStep,
    Batch,
    SweepResult,
)
from dispatch.services.engine_fire import (
    escalations_seen,
    fire_assignment,
    fire_summons,
    fire_voice_call,
    work_letters,
)
from dispatch.services.notifications import (
    notification_send_many,
)
from dispatch.services.subjects import subject_steps_fire
from governance.collections_gc import fewer_collections
from governance.models import Center, Department
from governance.workcal import WorkingCalendar
from intake.events import case_events_record_many

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def deadline_sweep(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH,
                   max_batches: int = 1000) -> SweepResult:
    """Fire every step due at or before `now` not fired yet (also those missed during downtime)."""
    now = now or timezone.now()
    clock_start = timezone.now()
    run = SweepRun.objects.create(started_at=clock_start, fired_at=now)
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
            with fewer_collections():  # a batch's thousands of rows live until it commits
                _sweep_batch(ids=ids, now=now, claimed_at=claimed_at, result=result, commanders=commanders,
                             calendars=calendars, letters_issued=letters_issued, centers=centers)
    except Exception as exc:
        SweepRun.objects.filter(pk=run.pk).update(
            status=SweepRun.Status.FAILED, finished_at=timezone.now(), fired=result.fired, skipped=result.skipped,
            batches=result.batches, worst_lag=result.worst_lag, error=f"{exc.__class__.__name__}: {exc}"[:300])
        raise
    SweepRun.objects.filter(pk=run.pk).update(status=SweepRun.Status.FINISHED, finished_at=timezone.now(),
                                              fired=result.fired, skipped=result.skipped, batches=result.batches,
                                              worst_lag=result.worst_lag)
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
        worst = claimed_at - min(step.due_at for step in steps)
        if result.worst_lag is None or worst > result.worst_lag:
            result.worst_lag = worst
        batch = Batch(now=now)
        overdue = _mark_overdue(steps=steps, now=now)
        escalated = _mark_summons_escalated(steps=steps, now=now)
        acknowledged = escalations_seen(steps=steps)
        newly_overdue: list[tuple[AssignmentStep, dict[str, Any]]] = []
        # Other apps' deadlines (dispatch.services.subjects): each registered handler gets its claimed
        # steps once per batch, inside this transaction; the steps it did not act on are skipped.
        subject_steps = [step for step in steps if step.subject_type]
        acted_subjects = (subject_steps_fire(steps=subject_steps, now=now, outbox=batch.outbox)
                          if subject_steps else set())
        for step in steps:
            if step.subject_type:
                acted = step.pk in acted_subjects
            elif step.summons_department_id and step.kind == StepKind.VOICE_CALL:
                acted = fire_voice_call(step=step, seen=acknowledged, batch=batch, commanders=commanders)
            elif step.summons_department_id:
                acted = fire_summons(step=step, marked=step.summons_department_id in escalated, batch=batch,
                                      commanders=commanders)
            else:
                acted = fire_assignment(step=step, overdue=overdue, batch=batch, commanders=commanders,
                                         calendars=calendars, newly_overdue=newly_overdue)
            if acted:
                result.kinds[step.kind] = result.kinds.get(step.kind, 0) + 1
            else:
                batch.skipped.add(step.pk)
        if newly_overdue:
            work_letters(newly_overdue=newly_overdue, batch=batch, letters_issued=letters_issued)
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


def _claimed_steps(*, token: str, centers: dict[int, Center]) -> list[Any]:
    """The batch's claimed steps in due order, read in a bounded number of queries whatever the batch:
    one read of the steps with their assignments and matters (plain values), one of the departments
    with their liaison and leader, the centers not met yet in this sweep, the supervising leaders
    (progress steps only), and the summons and other apps' steps as model instances (only when the
    batch has any)."""
    rows = list(DeadlineStep.objects.filter(claim=token).order_by("due_at", "pk").values_list(*STEP_COLUMNS))
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
    assignments: list[AssignmentRow] = []
    for (pk, kind, level, targets, due_at, assignment_id, summons_id, subject_type, *fields) in rows:
        if subject_type or summons_id is not None:
            steps.append(models_by_pk[pk])
            continue
        assignment = AssignmentRow(assignment_id, *fields) if assignment_id is not None else None
        if assignment is not None:
            assignments.append(assignment)
        steps.append(AssignmentStep(pk=pk, kind=kind, level=level, targets=list(targets or []), due_at=due_at,
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


