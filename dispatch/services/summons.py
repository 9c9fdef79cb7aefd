"""Summons: the center blows the whistle, departments report in (中心吹哨、部门报到)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import (
    NORMAL_REPORT_IN_MINUTES,
    DispatchEventType,
    ReportInPlace,
    StepKind,
    SummonsStatus,
)
from dispatch.links import link_to
from dispatch.models import DeadlineStep, Summons, SummonsDepartment
from dispatch.selectors.duty import DIRECT, FLOW, acting_data, require_on_duty
from dispatch.selectors.mode import mode_current
from dispatch.selectors.roster import commanders_on_duty
from dispatch.services.attendance import check_code
from dispatch.services.common import check_length_for, check_text, notify_on_commit
from governance.errors import ApplicationError
from governance.models import Center, Department
from governance.roles import (
    MAY_APPROVE_SUMMONS,
    MAY_CLOSE_SUMMONS,
    MAY_DISPATCH,
    MAY_SUPERVISE_WORK,
    may,
    require_department_member,
    require_role,
)
from governance.scope import require_acts_here
from governance.transitions import guarded_move
from intake.choices import EventSource
from intake.events import case_event_record
from intake.models import Case


def _event(summons: Summons, type: str, actor: AbstractBaseUser | None, now: dt.datetime, source: str,
           **data: object) -> None:
    if summons.case_id:
        case_event_record(case=summons.case, type=type, actor=actor, source=source,
                          data={"summons": summons.pk, **data}, now=now)


def report_in_minutes_for(*, center: Center) -> int:
    """The report-in limit now: 20 minutes, or the shorter wartime limit of the current mode."""
    try:
        minutes = getattr(mode_current(center=center), "summons_report_in_minutes", None)
    except Exception:  # the mode must never block a summons; fall back to the rule of seed 000
        minutes = None
    return int(minutes) if minutes else NORMAL_REPORT_IN_MINUTES


def summons_approvers_on_duty(*, center: Center, at: dt.datetime) -> list[AbstractBaseUser]:
    """Everyone who may approve a summons today: the commander and the deputy commanders on duty
    (the first of them to act decides; story 2 has the deputy approve)."""
    on_duty = commanders_on_duty(center=center, at=at)
    return list({user.pk: user for user in [*on_duty.commanders, *on_duty.deputies]}.values())


@transaction.atomic
def summons_request(
    *, actor: AbstractBaseUser, center: Center, departments: Sequence[Department], reason: str,
    case: Case | None = None, source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Summons:
    now = now or timezone.now()
    reason = check_text(reason, field="reason", label=gettext("召集事由"), required=True)
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以申请召集。"))
    require_acts_here(actor=actor, center=center)
    # Seed 000 四: the duty director on duty requests the summons (with the commander's approval).
    standing = require_on_duty(actor=actor, center=center, task=DIRECT, now=now)
    if not departments:
        raise ApplicationError(gettext("请选择要召集的部门。"), code="required", field="departments")
    if not reason.strip():
        raise ApplicationError(gettext("请填写召集事由。"), code="required", field="reason")
    if any(dept.center_id != center.pk for dept in departments):
        raise ApplicationError(gettext("只能召集本中心的部门。"), code="invalid_department", field="departments")
    if case is not None and case.center_id != center.pk:
        raise ApplicationError(gettext("事项不属于本中心。"), code="invalid_case", field="case")
    try:
        with transaction.atomic():
            summons = Summons.objects.create(center=center, case=case, reason=reason, requested_by=actor,
                                             requested_at=now,
                                             operating_mode=case.operating_mode if case else "normal")
    except IntegrityError:
        summons = None
    if summons is None:  # the matter's one pending summons exists (requested from another tab meanwhile)
        pending = Summons.objects.filter(case=case, status=SummonsStatus.REQUESTED).values_list("pk", flat=True).first()
        raise ApplicationError(gettext("该事项已有待审批的召集申请（召集 %(pk)s），请勿重复申请。") % {"pk": pending},
                               code="conflict", field="case")
    SummonsDepartment.objects.bulk_create(
        [SummonsDepartment(summons=summons, department=dept) for dept in {d.pk: d for d in departments}.values()])
    _event(summons, DispatchEventType.SUMMONS_REQUESTED, actor, now, source, reason=reason,
           departments=[dept.pk for dept in departments], **acting_data(standing))
    notify_on_commit(recipients=summons_approvers_on_duty(center=center, at=now), kind="summons.requested",
                     title=f"召集待审批：{reason}"[:200], body=reason, link=link_to("work-summons", summons.pk),
                     dedupe_key=f"summons:{summons.pk}:requested", now=now, urgent=True)
    return summons


@transaction.atomic
def summons_approve(
    *, actor: AbstractBaseUser, summons: Summons, note: str = "", report_in_minutes: int | None = None,
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Summons:
    """The commander or a deputy approves: the report-in clock starts now; every summoned
    department's liaison and leader in charge are notified at once."""
    now = now or timezone.now()
    note = check_length_for(Summons, "decision_note", note, field="note", label=gettext("审批意见"))
    require_role(actor, MAY_APPROVE_SUMMONS, gettext("只有指挥长或副指挥长可以批准召集。"))
    require_acts_here(actor=actor, center=summons.center)
    minutes = report_in_minutes or report_in_minutes_for(center=summons.center)
    due = now + dt.timedelta(minutes=minutes)
    guarded_move(summons, SummonsStatus.APPROVED, decided_by=actor, decided_at=now, decision_note=note,
                 report_in_minutes=minutes, report_in_due_at=due)
    rows = list(summons.departments.select_related("department__liaison", "department__leader_in_charge"))
    DeadlineStep.objects.bulk_create([
        DeadlineStep(kind=StepKind.SUMMONS_OVERDUE, summons_department=row, due_at=due,
                     targets=["leader_in_charge", "commander"]) for row in rows])
    _event(summons, DispatchEventType.SUMMONS_APPROVED, actor, now, source, report_in_minutes=minutes, report_in_due_at=due)
    for row in rows:
        dept = row.department
        notify_on_commit(
            recipients=[dept.liaison, dept.leader_in_charge], kind="summons.approved",
            title=f"召集：请于 {timezone.localtime(due):%H:%M} 前到指挥中心报到",
            body=summons.reason, link=link_to("work-summons", summons.pk),
            dedupe_key=row.call_up_key, now=now, urgent=True)
    return summons


@transaction.atomic
def summons_refuse(
    *, actor: AbstractBaseUser, summons: Summons, note: str, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Summons:
    now = now or timezone.now()
    note = check_length_for(Summons, "decision_note", note, field="note", label=gettext("审批意见"))
    require_role(actor, MAY_APPROVE_SUMMONS, gettext("只有指挥长或副指挥长可以审批召集。"))
    require_acts_here(actor=actor, center=summons.center)
    guarded_move(summons, SummonsStatus.REFUSED, decided_by=actor, decided_at=now, decision_note=note)
    _event(summons, DispatchEventType.SUMMONS_REFUSED, actor, now, source, note=note)
    return summons


@transaction.atomic
def summons_acknowledge(
    *, actor: AbstractBaseUser, row: SummonsDepartment, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> SummonsDepartment:
    now = now or timezone.now()
    require_department_member(actor, row.department_id)
    if row.summons.status != SummonsStatus.APPROVED:
        raise ApplicationError(gettext("该召集不在报到中。"), code="invalid_transition")
    changed = SummonsDepartment.objects.filter(pk=row.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor)
    if changed != 1:
        raise ApplicationError(gettext("已确认。"), code="stale_state")
    row.acknowledged_at, row.acknowledged_by = now, actor
    _event(row.summons, DispatchEventType.SUMMONS_DEPARTMENT_ACKNOWLEDGED, actor, now, source, department=row.department_id,
           department_name=row.department.name)
    return row


def _summons_remote(*, actor: AbstractBaseUser, row: SummonsDepartment, now: dt.datetime,
                    source: str) -> SummonsDepartment:
    """A department member checks in without the center's code: recorded as remote (who, when, on the
    timeline), not as reported in; the clock keeps running until someone reports in at the center."""
    changed = SummonsDepartment.objects.filter(pk=row.pk, reported_in_at__isnull=True, remote_at__isnull=True).update(
        remote_at=now, remote_person=actor)
    if changed != 1:
        row.refresh_from_db()
        if row.reported_in_at:
            raise ApplicationError(gettext("该部门已报到。"), code="stale_state")
        raise ApplicationError(gettext("已登记远程报到（%(at)s）：到达指挥中心后请输入大屏上的签到码报到。")
                               % {"at": f"{timezone.localtime(row.remote_at):%H:%M}"}, code="stale_state")
    row.remote_at, row.remote_person = now, actor
    _event(row.summons, DispatchEventType.SUMMONS_DEPARTMENT_REPORTED_REMOTE, actor, now, source,
           department=row.department_id, department_name=row.department.name, person=actor.pk)
    return row


@transaction.atomic
def summons_report_in(
    *, actor: AbstractBaseUser, row: SummonsDepartment, person: AbstractBaseUser | None = None, code: str = "",
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> SummonsDepartment:
    """Report in at the command center (seed 000 四: 进驻指挥中心). Recorded by the center's staff for
    `person` they see there (到场, confirmed), or by the staff member's own check-in with the code on the
    center's screen (到场, code). A member's check-in without a code is recorded as remote and does not
    count: the department is still due (`_summons_remote`)."""
    now = now or timezone.now()
    summons = row.summons
    if may(actor, MAY_SUPERVISE_WORK):
        require_acts_here(actor=actor, center=summons.center)
        require_on_duty(actor=actor, center=summons.center, task=FLOW, now=now)
        person = person or actor
        place = ReportInPlace.CENTER_CONFIRMED
    else:
        require_department_member(actor, row.department_id)
        person = actor
        place = ReportInPlace.CENTER_CODE
    if summons.status != SummonsStatus.APPROVED or summons.report_in_due_at is None:
        raise ApplicationError(gettext("该召集不在报到中。"), code="invalid_transition")
    if place == ReportInPlace.CENTER_CODE:
        if not (code or "").strip():
            return _summons_remote(actor=actor, row=row, now=now, source=source)
        check_code(center=summons.center, code=code, now=now)
    late_seconds = (now - summons.report_in_due_at).total_seconds()
    minutes_late = math.ceil(late_seconds / 60) if late_seconds > 0 else 0
    changed = SummonsDepartment.objects.filter(pk=row.pk, reported_in_at__isnull=True).update(
        reported_in_at=now, reported_in_person=person, reported_in_recorded_by=actor, minutes_late=minutes_late,
        reported_in_place=place)
    if changed != 1:
        raise ApplicationError(gettext("该部门已报到。"), code="stale_state")
    row.reported_in_at, row.reported_in_person, row.minutes_late = now, person, minutes_late
    row.reported_in_place = place
    DeadlineStep.objects.filter(summons_department=row, fired_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=now)
    _event(summons, DispatchEventType.SUMMONS_DEPARTMENT_REPORTED_IN, actor, now, source, department=row.department_id,
           department_name=row.department.name, person=person.pk, minutes_late=minutes_late,
           late=minutes_late > 0, place=place)
    return row


@transaction.atomic
def summons_close(
    *, actor: AbstractBaseUser, summons: Summons, note: str = "", source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Summons:
    now = now or timezone.now()
    note = check_text(note, field="note", label=gettext("说明"))
    require_role(actor, MAY_CLOSE_SUMMONS, gettext("您没有结束召集的权限。"))
    require_acts_here(actor=actor, center=summons.center)
    require_on_duty(actor=actor, center=summons.center, task=DIRECT, now=now)
    guarded_move(summons, SummonsStatus.CLOSED, closed_at=now)
    DeadlineStep.objects.filter(summons_department__summons=summons, fired_at__isnull=True,
                                cancelled_at__isnull=True).update(cancelled_at=now)
    _event(summons, DispatchEventType.SUMMONS_CLOSED, actor, now, source, note=note)
    return summons
