"""Supervision (督办) of an assignment: naming the supervising leader and the rhythm of progress reports, by the center or by the leader himself, and telling the leader."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    DispatchEventType,
    StepKind,
)
from dispatch.links import link_to
from dispatch.models import Assignment, DeadlineStep
from dispatch.selectors.duty import DIRECT, require_on_duty
from dispatch.selectors.supervision import is_supervising_leader
from dispatch.services.assignments import (
    assignment_event,
    stale_error,
)
from dispatch.services.common import (
    MAX_PROGRESS_EVERY_WORKING_DAYS,
    calendar_for,
    check_text,
    notify_on_commit,
    progress_due_at,
    steps_cancel,
)
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.models import Center
from governance.roles import (
    MAY_LEAD_SUPERVISION,
    MAY_ORDER_SUPERVISION,
    require_role,
)
from governance.scope import require_acts_here
from intake.choices import EventSource
from intake.selectors import cases_visible_to


def leader_check(*, center: Center, leader: AbstractBaseUser) -> None:
    """The supervising leader must be one of the center's leaders (`supervising_leaders`)."""
    if not is_supervising_leader(center=center, user=leader):
        raise ApplicationError(
            gettext("督办领导须为本中心（或上级中心）的指挥长、副指挥长、领导，或本中心部门的分管领导。"),
            code="invalid_leader", field="supervising_leader")


def notify_supervising_leader(*, assignment: Assignment, leader: AbstractBaseUser, note: str,
                               now: dt.datetime) -> None:
    case = assignment.case
    notify_on_commit(recipients=[leader], kind="assignment.supervising",
                     title=f"请您督办：{case.code} {case.title}",
                     body=f"{assignment.department.name}承办，{timezone.localtime(assignment.due_at):%m-%d %H:%M} 前反馈。{note}",
                     link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"assignment:{assignment.pk}:supervising:{leader.pk}:{now:%Y%m%d%H%M%S}", now=now)


@transaction.atomic
def assignment_supervise(
    *, actor: AbstractBaseUser, assignment: Assignment, leader: AbstractBaseUser | None, every_working_days: int,
    note: str = "", source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    """督办: a named leader supervises; the department reports progress every N working days. The
    leader is chosen (one of `supervising_leaders`); only a leader ordering it himself may leave the
    choice empty and supervise it himself."""
    now = now or timezone.now()
    require_role(actor, MAY_ORDER_SUPERVISION, gettext("只有轮值主任、指挥长和副指挥长可以发起督办。"))
    require_acts_here(actor=actor, center=assignment.center)
    require_on_duty(actor=actor, center=assignment.center, task=DIRECT, now=now)
    if assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        raise ApplicationError(gettext("该交办已不在办理中。"), code="invalid_transition")
    if leader is None:
        if not is_supervising_leader(center=assignment.center, user=actor):
            raise ApplicationError(gettext("请选择督办领导（指挥长、副指挥长、领导或部门分管领导）。"),
                                   code="leader_required", field="leader")
        leader = actor
    leader_check(center=assignment.center, leader=leader)
    return _supervise(actor=actor, assignment=assignment, leader=leader, every_working_days=every_working_days,
                      note=note, source=source, now=now)


@transaction.atomic
def assignment_supervise_by_leader(
    *, actor: AbstractBaseUser, assignment: Assignment, every_working_days: int, note: str = "",
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    """督办 started by a leader himself, from the phone (领导通, seed 002 三(三)): he supervises a matter he
    may see and is its supervising leader (one of `supervising_leaders` of the matter's center); the
    same record, progress steps and messages as the duty director's 督办."""
    now = now or timezone.now()
    require_role(actor, MAY_LEAD_SUPERVISION, gettext("只有领导（含指挥长、副指挥长）可以从领导通发起督办。"))
    if not cases_visible_to(user=actor).filter(pk=assignment.case_id).exists():
        raise NotFoundError()
    if assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        raise ApplicationError(gettext("该交办已不在办理中。"), code="invalid_transition")
    if not is_supervising_leader(center=assignment.center, user=actor):
        raise PermissionDeniedError(
            gettext("您不是%(center)s的督办领导，不能督办此事项：督办领导是该中心（或其上级中心）的领导、指挥长，"
                    "或承办部门的分管领导。") % {"center": assignment.center.name}, code="not_a_supervising_leader")
    return _supervise(actor=actor, assignment=assignment, leader=actor, every_working_days=every_working_days,
                      note=note, source=source, now=now)


def _supervise(*, actor: AbstractBaseUser, assignment: Assignment, leader: AbstractBaseUser, every_working_days: int,
               note: str, source: str, now: dt.datetime) -> Assignment:
    """The record of 督办, whoever ordered it: the leader on the assignment, the progress step, the event
    and the messages."""
    previous_leader = assignment.supervising_leader
    if not 1 <= every_working_days <= MAX_PROGRESS_EVERY_WORKING_DAYS:
        raise ApplicationError(gettext("进度报告间隔应为 1 至 %(max)s 个工作日。") % {"max": MAX_PROGRESS_EVERY_WORKING_DAYS},
                               code="invalid", field="every_working_days")
    note = check_text(note, field="note", label=gettext("督办意见"))
    changed = Assignment.objects.filter(pk=assignment.pk, status__in=OPEN_ASSIGNMENT_STATUSES).update(
        supervising_leader=leader, progress_every_working_days=every_working_days)
    if changed != 1:
        raise stale_error()
    assignment.supervising_leader, assignment.progress_every_working_days = leader, every_working_days
    steps_cancel(assignment_ids=[assignment.pk], kinds=[StepKind.PROGRESS_DUE], now=now)
    DeadlineStep.objects.create(
        kind=StepKind.PROGRESS_DUE, assignment=assignment, targets=["liaison"],
        due_at=progress_due_at(calendar=calendar_for(assignment.center), assignment=assignment, start=now))
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_SUPERVISED, actor, now, source, assignment,
                     leader=leader.pk, leader_name=leader.get_full_name() or leader.get_username(),
                     from_leader=previous_leader.pk if previous_leader else None,
                     every_working_days=every_working_days, note=note)
    notify_on_commit(recipients=[assignment.department.liaison, assignment.department.leader_in_charge],
                     kind="assignment.supervised", title=f"督办：{assignment.case.code} {assignment.case.title}",
                     body=note, link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"assignment:{assignment.pk}:supervised:{now:%Y%m%d%H%M}", now=now)
    notify_supervising_leader(assignment=assignment, leader=leader, note=note, now=now)
    return assignment
