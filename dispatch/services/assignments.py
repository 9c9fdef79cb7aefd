"""The life of an assignment shared by both sides: the guarded move between statuses with its
timeline event, creating, replacing and reopening assignments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    DispatchEventType,
)
from dispatch.links import link_to
from dispatch.models import Assignment, DeadlineStep
from dispatch.services.common import (
    calendar_for,
    notify_on_commit,
    policy_select,
    policy_snapshot,
    progress_due_at,
    snapshot_deadline,
    steps_for_assignment,
)
from dispatch.services.routing import routing_history_record
from governance.errors import ApplicationError
from governance.models import Center, Department
from governance.transitions import guarded_move, stale_state
from intake.choices import CaseStatus, HandlingMode
from intake.events import case_event_record
from intake.models import Case
from intake.services.transition import case_transition

DISPATCH_MODES = (HandlingMode.TRANSFER, HandlingMode.JOINT, HandlingMode.SUPERVISED)


def stale_error() -> ApplicationError:
    return stale_state(Assignment)


def assignment_move(assignment: Assignment, *, expected: Sequence[str], to: str, **fields: Any) -> None:
    """Every status move of an assignment: along ASSIGNMENT_TRANSITIONS, from one of the action's
    `expected` statuses (governance.transitions)."""
    guarded_move(assignment, to, expected=expected, **fields)


def assignment_event(case: Case, type: str, actor: AbstractBaseUser | None, now: dt.datetime, source: str,
           assignment: Assignment | None = None, **data: Any) -> None:
    if assignment is not None:
        data = {"assignment": assignment.pk, "department": assignment.department_id,
                "department_name": assignment.department.name, **data}
    case_event_record(case=case, type=type, actor=actor, source=source, data=data, now=now)


def assignment_create(
    *, case: Case, center: Center, department: Department, mode: str, role: str, lead: Assignment | None,
    actor: AbstractBaseUser | None, instructions: str, part: str, now: dt.datetime, source: str,
    previous: Assignment | None = None, supervising_leader: AbstractBaseUser | None = None,
    progress_every_working_days: int | None = None, duty_director: AbstractBaseUser | None = None,
) -> Assignment:
    calendar = calendar_for(center)
    policy, percent = policy_select(case=case, mode=mode, center=center)
    snapshot = policy_snapshot(policy=policy, case=case, mode=mode, percent=percent)
    due_at = snapshot_deadline(calendar=calendar, snapshot=snapshot, which="handle", start=now)
    assignment = Assignment.objects.create(
        case=case, center=center, department=department, mode=mode, role=role, lead=lead, previous=previous,
        instructions=instructions, part=part, assigned_by=actor, duty_director=duty_director, assigned_at=now,
        ack_due_at=snapshot_deadline(calendar=calendar, snapshot=snapshot, which="ack", start=now),
        due_at=due_at, original_due_at=due_at, operating_mode=case.operating_mode, policy=policy,
        policy_snapshot=snapshot, supervising_leader=supervising_leader,
        progress_every_working_days=progress_every_working_days or snapshot.get("progress_every_working_days")
        if mode == HandlingMode.SUPERVISED else None,
        spent_working_minutes=previous.spent_working_minutes if previous else 0,
    )
    routing_history_record(assignment=assignment)
    DeadlineStep.objects.bulk_create(steps_for_assignment(
        assignment=assignment, now=now,
        progress_at=progress_due_at(calendar=calendar, assignment=assignment, start=now)))
    assignment_event(case, DispatchEventType.ASSIGNMENT_CREATED, actor, now, source, assignment, role=role, mode=mode,
           ack_due_at=assignment.ack_due_at, due_at=assignment.due_at, policy=snapshot["name"],
           previous=previous.pk if previous else None,
           supervising_leader=supervising_leader.pk if supervising_leader else None)
    notify_on_commit(
        recipients=[department.liaison], kind="assignment.created",
        title=f"新交办事项：{case.code} {case.title}",
        body=f"{AssignmentRole(role).label}；请于 {timezone.localtime(assignment.ack_due_at):%m-%d %H:%M} 前签收，"
             f"{timezone.localtime(due_at):%m-%d %H:%M} 前反馈。",
        link=link_to("work-assignment", assignment.pk), dedupe_key=f"assignment:{assignment.pk}:created", now=now)
    return assignment


def assignment_replace(*, assignment: Assignment, department: Department, actor: AbstractBaseUser, now: dt.datetime,
             source: str) -> Assignment:
    if department.center_id != assignment.center_id or department.pk == assignment.department_id:
        raise ApplicationError(gettext("请选择本中心的另一个部门。"), code="invalid_department", field="department")
    # A window's 自办 given to another department by the center is a transfer (转办): only the window's own
    # department handles a matter as 自办 (`dispatch.services.window_self`).
    mode = HandlingMode.TRANSFER if assignment.mode == HandlingMode.SELF else assignment.mode
    new = assignment_create(
        case=assignment.case, center=assignment.center, department=department, mode=mode,
        role=assignment.role, lead=assignment.lead, actor=actor, instructions=assignment.instructions,
        part=assignment.part, now=now, source=source, previous=assignment,
        supervising_leader=assignment.supervising_leader,
        progress_every_working_days=assignment.progress_every_working_days, duty_director=assignment.duty_director)
    if assignment.role == AssignmentRole.LEAD:
        Assignment.objects.filter(lead=assignment).exclude(pk=new.pk).update(lead=new)
    if mode != assignment.mode:
        Case.objects.filter(pk=assignment.case_id).update(handling_mode=mode)
    return new


def case_return_to_board_if_empty(*, case: Case, actor: AbstractBaseUser, now: dt.datetime, source: str,
                              reason: str) -> None:
    if not Assignment.objects.filter(case=case, status__in=OPEN_ASSIGNMENT_STATUSES).exists():
        case.refresh_from_db(fields=["status"])
        case_transition(case=case, to_status=CaseStatus.PENDING_DISPATCH, actor=actor,
                        event_type=DispatchEventType.CASE_RETURNED_TO_BOARD, source=source, data={"reason": reason}, now=now)


def assignment_reopen(*, assignment: Assignment, now: dt.datetime, due_at: dt.datetime | None = None) -> None:
    """Back to work after a poor result or a "not resolved" revisit: a redo, with a fresh clock."""
    if due_at is None:
        rework_due = snapshot_deadline(calendar=calendar_for(assignment.center), snapshot=assignment.policy_snapshot,
                                       which="rework", start=now) if "rework" in assignment.policy_snapshot else None
        due_at = max(assignment.due_at, rework_due or assignment.due_at)
    assignment_move(assignment, expected=[AssignmentStatus.REPORTED], to=AssignmentStatus.REWORK,
          redo_count=assignment.redo_count + 1, due_at=due_at, reported_at=None, overdue_at=None)
    DeadlineStep.objects.bulk_create(steps_for_assignment(assignment=assignment, now=now, ack=False))
