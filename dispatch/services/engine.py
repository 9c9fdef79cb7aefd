"""The deadline engine: the sweep that fires due steps exactly once, and the auditor that checks it.

The sweep claims due steps in batches with one conditional UPDATE (`fired_at IS NULL`) tagged with
a claim token, then acts only on the rows carrying its token, in the same transaction: two sweeps
at once cannot both claim a step (the second UPDATE re-checks `fired_at` after the first commits),
and a crash rolls the claim back so the next sweep catches up. Notifications are queued after
commit under a dedupe key, the second guard.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentStatus,
    DispatchEventType,
    NotificationChannel,
    StepKind,
    SummonsStatus,
)
from dispatch.links import link_to
from dispatch.models import (
    Assignment,
    AuditAlarm,
    DeadlineStep,
    SummonsDepartment,
    SweepRun,
    WorkReminderLetter,
)
from dispatch.services.common import (
    DEFAULT_LETTER_AFTER_OVERDUE,
    CommanderCache,
    calendar_for,
    progress_due_at,
    recipients_for,
)
from dispatch.services.notifications import NotificationRequest, notification_send_many
from intake.choices import EventSource
from intake.events import case_event_build, case_events_record_many
from intake.models import CaseEvent

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
AUDIT_GRACE = dt.timedelta(minutes=5)
ALARM_KIND = "deadline_steps_unfired"


class Outbox:
    """The notifications of one sweep batch, stored in bulk after it commits (the dedupe key of each
    is the step, so a repeat stores nothing)."""

    def __init__(self) -> None:
        self.requests: list[NotificationRequest] = []

    def add(self, *, recipients: list[Any], kind: str, title: str, body: str = "", link: str = "",
            dedupe_key: str, now: dt.datetime, urgent: bool = False) -> None:
        people = tuple(user for user in recipients if user is not None)
        if people:
            channels = (NotificationChannel.IN_APP, NotificationChannel.SMS) if urgent else (NotificationChannel.IN_APP,)
            self.requests.append(NotificationRequest(recipients=people, kind=kind, title=title, body=body,
                                                     link=link, dedupe_key=dedupe_key, channels=channels))

    def send_on_commit(self, *, now: dt.datetime) -> None:
        requests, self.requests = self.requests, []
        if requests:
            transaction.on_commit(lambda: notification_send_many(requests=requests, now=now))


@dataclass
class SweepResult:
    fired: int = 0
    skipped: int = 0
    batches: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def deadline_sweep(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH,
                   max_batches: int = 1000) -> SweepResult:
    """Fire every step due at or before `now` not fired yet (also those missed during downtime)."""
    now = now or timezone.now()
    run = SweepRun.objects.create(started_at=timezone.now())
    result = SweepResult()
    commanders = CommanderCache()
    tally = LetterTally()
    pending = DeadlineStep.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)
    for _ in range(max_batches):
        ids = list(pending.order_by("due_at", "pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        result.batches += 1
        with transaction.atomic():
            token = uuid.uuid4().hex
            claimed = DeadlineStep.objects.filter(
                pk__in=ids, fired_at__isnull=True, cancelled_at__isnull=True
            ).update(fired_at=now, claim=token)
            if not claimed:
                continue
            steps = list(
                DeadlineStep.objects.filter(claim=token).select_related(
                    "assignment__case", "assignment__center", "assignment__department__liaison",
                    "assignment__department__leader_in_charge",
                    "summons_department__summons__case", "summons_department__summons__center",
                    "summons_department__summons__decided_by",
                    "summons_department__department__liaison",
                    "summons_department__department__leader_in_charge",
                )
            )
            events: list[CaseEvent] = []
            skipped: list[int] = []
            outbox = Outbox()
            for step in steps:
                acted = _fire(step=step, now=now, events=events, commanders=commanders, outbox=outbox,
                              tally=tally)
                if acted:
                    result.kinds[step.kind] = result.kinds.get(step.kind, 0) + 1
                else:
                    skipped.append(step.pk)
            case_events_record_many(events=events)
            if skipped:
                DeadlineStep.objects.filter(pk__in=skipped).update(outcome="skipped")
            DeadlineStep.objects.filter(claim=token).exclude(pk__in=skipped).update(outcome="fired")
            outbox.send_on_commit(now=now)
            result.fired += len(steps) - len(skipped)
            result.skipped += len(skipped)
    SweepRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), fired=result.fired,
                                              skipped=result.skipped)
    return result


def _case_event(*, case_id: int, type: str, now: dt.datetime, data: dict[str, Any]) -> CaseEvent:
    """An event of the system (no actor; source: task), inserted in bulk with the sweep's batch."""
    return case_event_build(case=case_id, type=type, actor=None, source=EventSource.TASK, data=data, now=now)


def _fire(*, step: DeadlineStep, now: dt.datetime, events: list[CaseEvent], commanders: CommanderCache,
          outbox: Outbox, tally: LetterTally) -> bool:
    """Act on one claimed step; False when it no longer applies (the row stays fired, marked skipped)."""
    if step.summons_department_id:
        return _fire_summons(step=step, now=now, events=events, commanders=commanders, outbox=outbox)
    assignment = step.assignment
    if assignment is None or assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        return False
    if assignment.status == AssignmentStatus.DECLINED:
        return False
    case = assignment.case
    dept = assignment.department
    base = {"assignment": assignment.pk, "department": dept.pk, "department_name": dept.name, "step": step.pk}
    people = recipients_for(targets=step.targets, department=dept, center=assignment.center, at=now,
                            commanders=commanders)
    link = link_to("work-assignment", assignment.pk)
    key = f"step:{step.pk}"
    if step.kind == StepKind.ACK_REMINDER:
        if assignment.status != AssignmentStatus.ASSIGNED or now >= assignment.ack_due_at:
            return False
        outbox.add(recipients=people, kind="assignment.ack_reminder", title=f"请及时签收：{case.code}",
                         body=f"签收期限 {timezone.localtime(assignment.ack_due_at):%m-%d %H:%M}", link=link,
                         dedupe_key=key, now=now)
        return True
    if step.kind == StepKind.ACK_OVERDUE:
        if assignment.status != AssignmentStatus.ASSIGNED:
            return False
        events.append(_case_event(case_id=case.pk, type=DispatchEventType.ASSIGNMENT_ACKNOWLEDGEMENT_OVERDUE, now=now,
                                  data={**base, "ack_due_at": assignment.ack_due_at}))
        outbox.add(recipients=people, kind="assignment.ack_overdue", title=f"签收已超时：{case.code}",
                         body=case.title, link=link, dedupe_key=key, now=now, urgent=True)
        return True
    if step.kind == StepKind.DUE_REMINDER:
        if now >= assignment.due_at or step.due_at > assignment.due_at:
            return False
        outbox.add(recipients=people, kind="assignment.due_reminder", title=f"即将到期：{case.code}",
                         body=f"办理期限 {timezone.localtime(assignment.due_at):%m-%d %H:%M}", link=link,
                         dedupe_key=key, now=now)
        return True
    if step.kind == StepKind.OVERDUE:
        if now < assignment.due_at:
            return False
        marked = Assignment.objects.filter(pk=assignment.pk, overdue_at__isnull=True,
                                           status__in=OPEN_ASSIGNMENT_STATUSES).update(overdue_at=now)
        if not marked:
            return False
        events.append(_case_event(case_id=case.pk, type=DispatchEventType.ASSIGNMENT_OVERDUE, now=now,
                                  data={**base, "due_at": assignment.due_at}))
        outbox.add(recipients=people, kind="assignment.overdue", title=f"办理已超期：{case.code}",
                         body=case.title, link=link, dedupe_key=key, now=now, urgent=True)
        _work_letter_if_repeated(assignment=assignment, now=now, events=events, base=base, outbox=outbox,
                                 tally=tally)
        return True
    if step.kind == StepKind.ESCALATION:
        if now < assignment.due_at:
            return False
        events.append(_case_event(case_id=case.pk, type=DispatchEventType.ASSIGNMENT_ESCALATED, now=now,
                                  data={**base, "level": step.level, "to": step.targets}))
        outbox.add(recipients=people, kind="assignment.escalated",
                         title=f"超期督办（第 {step.level} 级）：{dept.name} {case.code}", body=case.title,
                         link=link, dedupe_key=key, now=now, urgent=True)
        return True
    if step.kind == StepKind.PROGRESS_DUE:
        if assignment.status not in (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.REWORK,
                                     AssignmentStatus.ASSIGNED) or not assignment.progress_every_working_days:
            return False
        events.append(_case_event(case_id=case.pk, type=DispatchEventType.ASSIGNMENT_PROGRESS_REQUESTED, now=now, data=base))
        outbox.add(recipients=[*people, assignment.supervising_leader], kind="assignment.progress_due",
                         title=f"督办事项请报告进度：{case.code}", body=case.title, link=link, dedupe_key=key, now=now)
        next_at = progress_due_at(calendar=calendar_for(assignment.center), assignment=assignment, start=now)
        DeadlineStep.objects.create(kind=StepKind.PROGRESS_DUE, assignment=assignment, due_at=next_at,
                                    targets=step.targets)
        return True
    return False


def _fire_summons(*, step: DeadlineStep, now: dt.datetime, events: list[CaseEvent],
                  commanders: CommanderCache, outbox: Outbox) -> bool:
    row: SummonsDepartment = step.summons_department
    summons = row.summons
    if summons.status != SummonsStatus.APPROVED or row.reported_in_at is not None:
        return False
    marked = SummonsDepartment.objects.filter(pk=row.pk, escalated_at__isnull=True,
                                              reported_in_at__isnull=True).update(escalated_at=now)
    if not marked:
        return False
    dept = row.department
    if summons.case_id:
        events.append(_case_event(case_id=summons.case_id, type=DispatchEventType.SUMMONS_OVERDUE, now=now, data={
            "summons": summons.pk, "department": dept.pk, "department_name": dept.name,
            "report_in_due_at": summons.report_in_due_at, "step": step.pk}))
    people = recipients_for(targets=step.targets, department=dept, center=summons.center, at=now,
                            commanders=commanders)
    if summons.decided_by is not None:
        people.append(summons.decided_by)
    outbox.add(
        recipients=people, kind="summons.overdue", title=f"召集报到超时：{dept.name}",
        body=f"报到截止 {timezone.localtime(summons.report_in_due_at):%H:%M}，{dept.name} 尚未报到。",
        link=link_to("work-summons", summons.pk),
        dedupe_key=f"summons:{summons.pk}:department:{dept.pk}:overdue", now=now, urgent=True)
    return True


class LetterTally:
    """Per sweep: which departments already have this month's 工作提示函, and their overdue counts
    (read once, then counted up as the sweep marks more overdue) — not two queries per step."""

    def __init__(self) -> None:
        self.issued: set[tuple[int, dt.date]] = set()
        self.counts: dict[tuple[int, dt.date], int] = {}


def _work_letter_if_repeated(*, assignment: Assignment, now: dt.datetime, events: list[CaseEvent],
                             base: dict[str, Any], outbox: Outbox, tally: LetterTally) -> None:
    """工作提示函 once per department and month when its overdue count reaches the threshold."""
    threshold = int(assignment.policy_snapshot.get("letter_after_overdue") or DEFAULT_LETTER_AFTER_OVERDUE)
    local = timezone.localtime(now)
    month = local.date().replace(day=1)
    slot = (assignment.department_id, month)
    if slot in tally.issued:
        return
    if slot not in tally.counts:
        if WorkReminderLetter.objects.filter(department_id=assignment.department_id, month=month).exists():
            tally.issued.add(slot)
            return
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        # This assignment was marked overdue just now, in this transaction: the count includes it.
        tally.counts[slot] = Assignment.objects.filter(department_id=assignment.department_id,
                                                       overdue_at__gte=start).count()
    else:
        tally.counts[slot] += 1
    count = tally.counts[slot]
    if count < threshold:
        return
    tally.issued.add(slot)
    try:
        with transaction.atomic():
            letter = WorkReminderLetter.objects.create(department_id=assignment.department_id, month=month,
                                                       overdue_count=count, trigger=assignment, issued_at=now)
    except IntegrityError:
        return
    dept = assignment.department
    events.append(_case_event(case_id=assignment.case_id, type=DispatchEventType.DEPARTMENT_WORK_LETTER_ISSUED, now=now,
                              data={**base, "letter": letter.pk, "overdue_count": count, "month": f"{month:%Y-%m}"}))
    outbox.add(recipients=[dept.leader_in_charge, dept.liaison], kind="department.work_letter",
               title=f"工作提示函：{dept.name} {month:%Y年%m月} 已超期 {count} 件",
               body="请切实履行主体责任，按期办理交办事项。", link="",
               dedupe_key=f"work-letter:{dept.pk}:{month:%Y-%m}", now=now, urgent=True)


# --- the auditor -------------------------------------------------------------------------------
def deadline_steps_missed(*, now: dt.datetime) -> int:
    return DeadlineStep.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True,
                                       due_at__lt=now - AUDIT_GRACE).count()


def deadline_audit(*, now: dt.datetime | None = None) -> AuditAlarm | None:
    """Raise (or refresh) an alarm when steps fell due more than five minutes ago and did not fire;
    resolve it when everything due has fired. Returns the open alarm, if any."""
    now = now or timezone.now()
    missed = deadline_steps_missed(now=now)
    open_alarms = AuditAlarm.objects.filter(kind=ALARM_KIND, resolved_at__isnull=True)
    if not missed:
        open_alarms.update(resolved_at=now)
        return None
    message = f"有 {missed} 个时限节点到期超过 5 分钟仍未执行：定时调度（beat）或后台任务可能已停止。"
    if not open_alarms.update(last_seen_at=now, missed=missed, message=message):
        try:
            with transaction.atomic():
                AuditAlarm.objects.create(kind=ALARM_KIND, message=message, missed=missed, raised_at=now,
                                          last_seen_at=now)
        except IntegrityError:  # another auditor raised it at the same moment
            open_alarms.update(last_seen_at=now, missed=missed, message=message)
    logger.error("deadline audit: %s", message)
    return open_alarms.first()


def deadline_engine_checks(*, now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """For the status page's `report.extra_checks`: live missed steps plus any open alarm."""
    now = now or timezone.now()
    missed = deadline_steps_missed(now=now)
    alarm = AuditAlarm.objects.filter(resolved_at__isnull=True).order_by("-raised_at").first()
    last = SweepRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    last_text = f"最近一次巡检 {timezone.localtime(last.started_at):%Y-%m-%d %H:%M:%S}" if last else "尚未巡检"
    if missed or alarm:
        message = alarm.message if alarm else f"有 {missed} 个时限节点到期超过 5 分钟仍未执行。"
        return {"时限督办": {"ok": False, "message": f"{message}（{last_text}）", "missed": missed}}
    return {"时限督办": {"ok": True, "message": f"所有到期节点均已执行（{last_text}）", "missed": 0}}


def sweep_stats(*, now: dt.datetime) -> dict[str, int]:
    """Counts for the board and the benchmark."""
    return DeadlineStep.objects.aggregate(
        pending=Count("pk", filter=Q(fired_at__isnull=True, cancelled_at__isnull=True)),
        due=Count("pk", filter=Q(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)),
    )
