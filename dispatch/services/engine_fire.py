"""Firing one due step of the deadline engine: an assignment's reminder, overdue mark and escalation,
a summons department's escalation and the voice call after it, and the work letters a month's overdue
count calls for; each adds its marks, events and messages to the sweep's batch."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentStatus,
    DispatchEventType,
    EscalationTarget,
    NotificationChannel,
    StepKind,
    SummonsStatus,
)
from dispatch.links import link_for
from dispatch.models import (
    Assignment,
    DeadlineStep,
    Notification,
    SummonsDepartment,
    WorkReminderLetter,
)
from dispatch.services.common import (
    DEFAULT_LETTER_AFTER_OVERDUE,
    CommanderCache,
    calendar_for,
    progress_due_at,
    recipients_for,
)
from dispatch.services.engine_batch import AssignmentStep, Batch
from dispatch.voice import voice_configured
from governance.people import display_name
from governance.workcal import WorkingCalendar
from intake.events import case_system_event_build


def fire_assignment(*, step: AssignmentStep, overdue: set[int], batch: Batch, commanders: CommanderCache,
                     calendars: dict[int, WorkingCalendar],
                     newly_overdue: list[tuple[AssignmentStep, dict[str, Any]]]) -> bool:
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
    link = link_for("work-assignment", assignment.pk)
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
        events.append(case_system_event_build(
            case=assignment.case_id, type=DispatchEventType.ASSIGNMENT_ACKNOWLEDGEMENT_OVERDUE, now=now,
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
        events.append(case_system_event_build(case=assignment.case_id, type=DispatchEventType.ASSIGNMENT_OVERDUE,
                                              now=now, data={**base, "due_at": assignment.due_at}))
        outbox.add(step=step, recipients=people, kind="assignment.overdue", title=f"办理已超期：{assignment.case_code}",
                   body=assignment.case_title, link=link, dedupe_key=key, urgent=True)
        newly_overdue.append((step, base))
        return True
    if step.kind == StepKind.ESCALATION:
        if now < assignment.due_at:
            return False
        events.append(case_system_event_build(case=assignment.case_id, type=DispatchEventType.ASSIGNMENT_ESCALATED,
                                              now=now, data={**base, "level": step.level, "to": step.targets}))
        outbox.add(step=step, recipients=people, kind="assignment.escalated",
                   title=f"超期督办（第 {step.level} 级）：{dept.name} {assignment.case_code}", body=assignment.case_title,
                   link=link, dedupe_key=key, urgent=True)
        return True
    if step.kind == StepKind.PROGRESS_DUE:
        if assignment.status not in (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.REWORK,
                                     AssignmentStatus.ASSIGNED) or not assignment.progress_every_working_days:
            return False
        events.append(case_system_event_build(case=assignment.case_id,
                                              type=DispatchEventType.ASSIGNMENT_PROGRESS_REQUESTED, now=now, data=base))
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


def fire_summons(*, step: DeadlineStep, marked: bool, batch: Batch, commanders: CommanderCache) -> bool:
    if not marked:
        return False
    now = batch.now
    row: SummonsDepartment = step.summons_department
    summons = row.summons
    dept = row.department
    if summons.case_id:
        batch.events.append(case_system_event_build(case=summons.case_id, type=DispatchEventType.SUMMONS_OVERDUE, now=now, data={
            "summons": summons.pk, "department": dept.pk, "department_name": dept.name,
            "report_in_due_at": summons.report_in_due_at, "step": step.pk}))
    people = recipients_for(targets=step.targets, department=dept, center=summons.center, at=now,
                            commanders=commanders)
    if summons.decided_by is not None:
        people.append(summons.decided_by)
    batch.outbox.add(
        step=step, recipients=people, kind="summons.overdue", title=f"召集报到超时：{dept.name}",
        body=f"报到截止 {timezone.localtime(summons.report_in_due_at):%H:%M}，{dept.name} 尚未报到。",
        link=link_for("work-summons", summons.pk),
        dedupe_key=row.escalation_key, urgent=True)
    # Whoever of the leaders has not seen it some minutes later is called (dispatch.voice).
    leaders = [target for target in step.targets if target in VOICE_CALL_TARGETS]
    if leaders and voice_configured():
        batch.new_steps.append(DeadlineStep(
            kind=StepKind.VOICE_CALL, summons_department_id=row.pk, targets=leaders,
            due_at=now + dt.timedelta(minutes=settings.VOICE_CALL_AFTER_MINUTES)))
    return True


VOICE_CALL_TARGETS = (EscalationTarget.LEADER_IN_CHARGE, EscalationTarget.COMMANDER)


def escalations_seen(*, steps: list[Any]) -> set[tuple[str, int]]:
    """(escalation key, person) for the batch's voice-call steps whose escalation that person has seen,
    on any channel (read in the app, opened from a message, acknowledged on an earlier call): one read,
    only when the batch has such steps."""
    keys = [step.summons_department.escalation_key for step in steps
            if step.summons_department_id and not step.subject_type and step.kind == StepKind.VOICE_CALL]
    if not keys:
        return set()
    return set(Notification.objects.filter(dedupe_key__in=keys, read_at__isnull=False)
               .values_list("dedupe_key", "recipient_id"))


def fire_voice_call(*, step: DeadlineStep, seen: set[tuple[str, int]], batch: Batch,
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
        batch.events.append(case_system_event_build(case=summons.case_id, type=DispatchEventType.SUMMONS_VOICE_CALLED,
                                                    now=batch.now, data={
            "summons": summons.pk, "department": dept.pk, "department_name": dept.name, "step": step.pk,
            "called": [person.pk for person in unseen], "called_names": [display_name(person) for person in unseen]}))
    batch.outbox.add(
        step=step, recipients=unseen, kind="summons.voice_call", title=f"召集报到超时：{dept.name}",
        body=f"报到截止 {due:%H:%M}，{dept.name} 尚未报到",
        link=link_for("work-summons", summons.pk), dedupe_key=key, channels=(NotificationChannel.VOICE,))
    return True


def work_letters(*, newly_overdue: list[tuple[AssignmentStep, dict[str, Any]]], batch: Batch,
                  letters_issued: set[tuple[int, dt.date]]) -> None:
    """工作提示函 once per department and month when its overdue count reaches the threshold: one read
    of this month's letters and one grouped count for the departments this batch marked overdue."""
    now = batch.now
    local = timezone.localtime(now)
    month = local.date().replace(day=1)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    marked: dict[int, list[tuple[AssignmentStep, dict[str, Any]]]] = defaultdict(list)
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
        batch.events.append(case_system_event_build(
            case=assignment.case_id, type=DispatchEventType.DEPARTMENT_WORK_LETTER_ISSUED, now=now,
            data={**base, "letter": letter.pk, "overdue_count": count, "month": f"{month:%Y-%m}"}))
        batch.outbox.add(step=step, recipients=[dept.leader_in_charge, dept.liaison], kind="department.work_letter",
                         title=f"工作提示函：{dept.name} {month:%Y年%m月} 已超期 {count} 件",
                         body="请切实履行主体责任，按期办理交办事项。", link="",
                         dedupe_key=f"work-letter:{dept.pk}:{month:%Y-%m}", urgent=True)


