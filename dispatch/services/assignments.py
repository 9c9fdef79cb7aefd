"""Dispatching a matter and the life of its assignments (交办、签收、反馈、退回、延期、督办、上提下交)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    WORKING_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    DispatchEventType,
    ExtensionStatus,
    StepKind,
)
from dispatch.links import link_to
from dispatch.models import Assignment, AssignmentReport, DeadlineStep, ExtensionRequest
from dispatch.selectors.roster import duty_director_on_duty
from dispatch.services.common import (
    ACK_STEP_KINDS,
    HANDLING_STEP_KINDS,
    calendar_for,
    notify_on_commit,
    policy_select,
    policy_snapshot,
    progress_due_at,
    snapshot_deadline,
    steps_cancel,
    steps_for_assignment,
)
from governance.errors import ApplicationError
from governance.models import Center, Department
from governance.roles import (
    MAY_DECIDE_EXTENSION,
    MAY_DISPATCH,
    MAY_SUPERVISE_WORK,
    require_department_member,
    require_role,
)
from intake.choices import CaseStatus, EventSource, HandlingMode
from intake.events import case_event_record
from intake.models import Attachment, Case
from intake.services.transition import case_transition

DISPATCH_MODES = (HandlingMode.TRANSFER, HandlingMode.JOINT, HandlingMode.SUPERVISED)


def _stale() -> ApplicationError:
    return ApplicationError(gettext("交办状态已被他人更改，请刷新后重试。"), code="stale_state")


def _move(assignment: Assignment, *, expected: Sequence[str], to: str, **fields: Any) -> None:
    """The conditional update every status move of an assignment goes through."""
    if assignment.status not in expected:
        raise ApplicationError(
            gettext("交办当前状态为“%(status)s”，不能执行此操作。") % {"status": AssignmentStatus(assignment.status).label},
            code="invalid_transition",
            extra={"from": assignment.status, "to": to},
        )
    changed = Assignment.objects.filter(pk=assignment.pk, status=assignment.status).update(status=to, **fields)
    if changed != 1:
        raise _stale()
    for name, value in {"status": to, **fields}.items():
        if not hasattr(value, "resolve_expression"):
            setattr(assignment, name, value)


def _event(case: Case, type: str, actor: AbstractBaseUser | None, now: dt.datetime, source: str,
           assignment: Assignment | None = None, **data: Any) -> None:
    if assignment is not None:
        data = {"assignment": assignment.pk, "department": assignment.department_id,
                "department_name": assignment.department.name, **data}
    case_event_record(case=case, type=type, actor=actor, source=source, data=data, now=now)


def _create_assignment(
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
    DeadlineStep.objects.bulk_create(steps_for_assignment(
        assignment=assignment, now=now,
        progress_at=progress_due_at(calendar=calendar, assignment=assignment, start=now)))
    _event(case, DispatchEventType.ASSIGNMENT_CREATED, actor, now, source, assignment, role=role, mode=mode,
           ack_due_at=assignment.ack_due_at, due_at=assignment.due_at, policy=snapshot["name"],
           previous=previous.pk if previous else None)
    notify_on_commit(
        recipients=[department.liaison], kind="assignment.created",
        title=f"新交办事项：{case.code} {case.title}",
        body=f"{AssignmentRole(role).label}；请于 {timezone.localtime(assignment.ack_due_at):%m-%d %H:%M} 前签收，"
             f"{timezone.localtime(due_at):%m-%d %H:%M} 前反馈。",
        link=link_to("work-assignment", assignment.pk), dedupe_key=f"assignment:{assignment.pk}:created", now=now)
    return assignment


@transaction.atomic
def case_dispatch(
    *,
    actor: AbstractBaseUser,
    case: Case,
    mode: str,
    lead_department: Department,
    co_departments: Sequence[Department] = (),
    instructions: str = "",
    parts: dict[int, str] | None = None,
    supervising_leader: AbstractBaseUser | None = None,
    progress_every_working_days: int | None = None,
    source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> list[Assignment]:
    """Route a matter waiting on the board: one department (transfer), a lead plus co-departments
    (joint), or one department under a named leader's supervision (supervised)."""
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以派单。"))
    if mode not in DISPATCH_MODES:
        raise ApplicationError(gettext("办理方式无效（自办在受理窗口当场办结）。"), code="invalid_mode", field="mode")
    co = [dept for dept in co_departments if dept.pk != lead_department.pk]
    if mode == HandlingMode.JOINT and not co:
        raise ApplicationError(gettext("联办须指定至少一个协办部门。"), code="co_required", field="co_departments")
    if mode != HandlingMode.JOINT and co:
        raise ApplicationError(gettext("只有联办可以指定协办部门。"), code="co_not_allowed", field="co_departments")
    if mode == HandlingMode.SUPERVISED and supervising_leader is None:
        raise ApplicationError(gettext("督办须指定督办领导。"), code="leader_required", field="supervising_leader")
    departments = [lead_department, *co]
    if any(dept.center_id != case.center_id or not dept.active for dept in departments):
        raise ApplicationError(gettext("只能派给本中心在用的部门。"), code="invalid_department")
    parts = parts or {}
    duty_director = getattr(duty_director_on_duty(center=case.center, at=now), "director", None)
    case_transition(
        case=case, to_status=CaseStatus.IN_PROGRESS, actor=actor, event_type=DispatchEventType.CASE_DISPATCHED, source=source,
        data={"mode": mode, "lead": lead_department.pk, "co": [d.pk for d in co], "instructions": instructions},
        extra_fields={"handling_mode": mode}, now=now)
    role = AssignmentRole.LEAD if mode == HandlingMode.JOINT else AssignmentRole.SOLE
    lead = _create_assignment(
        case=case, center=case.center, department=lead_department, mode=mode, role=role, lead=None, actor=actor,
        instructions=instructions, part=parts.get(lead_department.pk, ""), now=now, source=source,
        supervising_leader=supervising_leader, progress_every_working_days=progress_every_working_days,
        duty_director=duty_director)
    created = [lead]
    for dept in co:
        created.append(_create_assignment(
            case=case, center=case.center, department=dept, mode=mode, role=AssignmentRole.CO, lead=lead,
            actor=actor, instructions=instructions, part=parts.get(dept.pk, ""), now=now, source=source,
            duty_director=duty_director))
    Case.objects.filter(pk=case.pk).update(due_at=lead.due_at)
    case.due_at = lead.due_at
    return created


# --- department side -------------------------------------------------------------------------
@transaction.atomic
def assignment_acknowledge(
    *, actor: AbstractBaseUser, assignment: Assignment, source: str = EventSource.WEB, now: dt.datetime | None = None
) -> Assignment:
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    late = now > assignment.ack_due_at
    _move(assignment, expected=[AssignmentStatus.ASSIGNED], to=AssignmentStatus.ACKNOWLEDGED,
          acknowledged_at=now, acknowledged_by=actor, acknowledged_late=late)
    steps_cancel(assignment_ids=[assignment.pk], kinds=ACK_STEP_KINDS, now=now)
    _event(assignment.case, DispatchEventType.ASSIGNMENT_ACKNOWLEDGED, actor, now, source, assignment, late=late,
           ack_due_at=assignment.ack_due_at)
    return assignment


def _store_attachments(*, case: Case, files: Sequence[UploadedFile], actor: AbstractBaseUser) -> list[Attachment]:
    stored = []
    for upload in files:
        stored.append(Attachment.objects.create(
            case=case, file=upload, name=upload.name[:200], size=upload.size or 0,
            content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
            purpose="report_back", uploaded_by=actor))
    return stored


@transaction.atomic
def assignment_report_progress(
    *, actor: AbstractBaseUser, assignment: Assignment, text: str, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> AssignmentReport:
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    if assignment.status not in WORKING_STATUSES:
        raise ApplicationError(gettext("签收后才能报告进度。"), code="invalid_transition")
    if not text.strip():
        raise ApplicationError(gettext("请填写进度情况。"), code="required", field="text")
    report = AssignmentReport.objects.create(assignment=assignment, kind=AssignmentReport.Kind.PROGRESS,
                                             text=text, author=actor, created_at=now)
    Assignment.objects.filter(pk=assignment.pk).update(last_progress_at=now)
    assignment.last_progress_at = now
    if assignment.progress_every_working_days:
        steps_cancel(assignment_ids=[assignment.pk], kinds=[StepKind.PROGRESS_DUE], now=now)
        calendar = calendar_for(assignment.center)
        next_at = progress_due_at(calendar=calendar, assignment=assignment, start=now)
        DeadlineStep.objects.create(kind=StepKind.PROGRESS_DUE, assignment=assignment, due_at=next_at,
                                    targets=["liaison"])
    _event(assignment.case, DispatchEventType.ASSIGNMENT_PROGRESS_REPORTED, actor, now, source, assignment, report=report.pk)
    return report


@transaction.atomic
def assignment_report_back(
    *, actor: AbstractBaseUser, assignment: Assignment, text: str, files: Sequence[UploadedFile] = (),
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> AssignmentReport:
    """A co-department reports its part; the lead (or sole) department reports the merged answer,
    which moves the matter to "reported"."""
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    if not text.strip():
        raise ApplicationError(gettext("请填写办理结果。"), code="required", field="text")
    case = assignment.case
    if assignment.role == AssignmentRole.LEAD:
        waiting = list(Assignment.objects.filter(lead=assignment, status__in=OPEN_ASSIGNMENT_STATUSES)
                       .values_list("department__name", flat=True))
        if waiting:
            raise ApplicationError(gettext("协办部门尚未反馈：%(departments)s。") % {"departments": "、".join(waiting)},
                                   code="co_parts_pending", extra={"waiting": waiting})
    late = now > assignment.due_at
    _move(assignment, expected=list(WORKING_STATUSES), to=AssignmentStatus.REPORTED, reported_at=now,
          reported_by=actor, report=text, reported_late=late)
    steps_cancel(assignment_ids=[assignment.pk], kinds=[*HANDLING_STEP_KINDS, StepKind.PROGRESS_DUE], now=now)
    report = AssignmentReport.objects.create(assignment=assignment, kind=AssignmentReport.Kind.REPORT_BACK,
                                             text=text, author=actor, created_at=now)
    attachments = _store_attachments(case=case, files=files, actor=actor)
    if attachments:
        report.attachments.set(attachments)
    data = {"assignment": assignment.pk, "department": assignment.department_id,
            "department_name": assignment.department.name, "role": assignment.role, "late": late,
            "attachments": [a.pk for a in attachments], "redo": assignment.redo_count}
    if assignment.role == AssignmentRole.CO:
        case_event_record(case=case, type=DispatchEventType.ASSIGNMENT_REPORTED_BACK, actor=actor, source=source, data=data, now=now)
        lead = assignment.lead
        if lead is not None:
            notify_on_commit(recipients=[lead.department.liaison], kind="assignment.co_reported",
                             title=f"协办部门已反馈：{case.code}", body=assignment.department.name,
                             link=link_to("work-assignment", lead.pk),
                             dedupe_key=f"assignment:{assignment.pk}:reported:{report.pk}", now=now)
    else:
        case_transition(case=case, to_status=CaseStatus.REPORTED, actor=actor,
                        event_type=DispatchEventType.ASSIGNMENT_REPORTED_BACK, source=source, data=data, now=now)
        notify_on_commit(recipients=[assignment.assigned_by], kind="assignment.reported_back",
                         title=f"承办部门已反馈：{case.code} {case.title}", body=assignment.department.name,
                         link=link_to("work-case", case.pk),
                         dedupe_key=f"assignment:{assignment.pk}:reported:{report.pk}", now=now)
    return report


@transaction.atomic
def assignment_request_extension(
    *, actor: AbstractBaseUser, assignment: Assignment, reason: str, requested_due_at: dt.datetime,
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> ExtensionRequest:
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    if assignment.status not in WORKING_STATUSES and assignment.status != AssignmentStatus.ASSIGNED:
        raise ApplicationError(gettext("该交办已不在办理中。"), code="invalid_transition")
    if not reason.strip():
        raise ApplicationError(gettext("请填写延期理由。"), code="required", field="reason")
    if requested_due_at <= assignment.due_at:
        raise ApplicationError(gettext("申请的期限须晚于现有期限。"), code="invalid_due", field="requested_due_at")
    if ExtensionRequest.objects.filter(assignment=assignment, status=ExtensionStatus.PENDING).exists():
        raise ApplicationError(gettext("已有待审批的延期申请。"), code="extension_pending")
    request = ExtensionRequest.objects.create(
        assignment=assignment, reason=reason, requested_due_at=requested_due_at, requested_by=actor,
        requested_at=now, old_due_at=assignment.due_at)
    _event(assignment.case, DispatchEventType.ASSIGNMENT_EXTENSION_REQUESTED, actor, now, source, assignment,
           extension=request.pk, reason=reason, old_due_at=assignment.due_at, requested_due_at=requested_due_at)
    notify_on_commit(recipients=[assignment.duty_director or assignment.assigned_by], kind="extension.requested",
                     title=f"延期申请：{assignment.case.code}", body=reason,
                     link=link_to("work-case", assignment.case_id),
                     dedupe_key=f"extension:{request.pk}:requested", now=now)
    return request


@transaction.atomic
def extension_decide(
    *, actor: AbstractBaseUser, extension: ExtensionRequest, approve: bool, note: str = "",
    new_due_at: dt.datetime | None = None, source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> ExtensionRequest:
    """The duty director approves (the deadline moves; the approval is recorded) or refuses."""
    now = now or timezone.now()
    require_role(actor, MAY_DECIDE_EXTENSION, gettext("只有轮值主任可以审批延期。"))
    assignment = extension.assignment
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    due = (new_due_at or extension.requested_due_at) if approve else None
    changed = ExtensionRequest.objects.filter(pk=extension.pk, status=ExtensionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note, new_due_at=due)
    if changed != 1:
        raise ApplicationError(gettext("该延期申请已处理。"), code="stale_state")
    extension.status, extension.decided_by, extension.decided_at, extension.new_due_at = status, actor, now, due
    if approve:
        moved = Assignment.objects.filter(pk=assignment.pk, due_at=extension.old_due_at,
                                          status__in=OPEN_ASSIGNMENT_STATUSES).update(
            due_at=due, extension_count=F("extension_count") + 1)
        if moved != 1:
            raise _stale()
        assignment.due_at = due
        steps_cancel(assignment_ids=[assignment.pk], kinds=HANDLING_STEP_KINDS, now=now)
        DeadlineStep.objects.bulk_create(steps_for_assignment(assignment=assignment, now=now, ack=False))
        if assignment.role != AssignmentRole.CO:
            Case.objects.filter(pk=assignment.case_id).update(due_at=due)
    _event(assignment.case, DispatchEventType.ASSIGNMENT_EXTENSION_APPROVED if approve else DispatchEventType.ASSIGNMENT_EXTENSION_REFUSED,
           actor, now, source, assignment, extension=extension.pk, old_due_at=extension.old_due_at,
           new_due_at=due, note=note)
    notify_on_commit(recipients=[extension.requested_by, assignment.department.liaison],
                     kind=f"extension.{status}", title=f"延期申请{ExtensionStatus(status).label}：{assignment.case.code}",
                     body=note, link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"extension:{extension.pk}:{status}", now=now)
    return extension


@transaction.atomic
def assignment_decline(
    *, actor: AbstractBaseUser, assignment: Assignment, reason: str, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Assignment:
    """The department says the matter is not its business; the clock stops until the duty director rules."""
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    if not reason.strip():
        raise ApplicationError(gettext("请填写退回理由。"), code="required", field="reason")
    spent = calendar_for(assignment.center).working_time_between(assignment.assigned_at, now)
    total = assignment.spent_working_minutes + int(spent.total_seconds() // 60)
    previous_status = assignment.status
    _move(assignment, expected=[AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED],
          to=AssignmentStatus.DECLINED, status_before_decline=previous_status, spent_working_minutes=total)
    steps_cancel(assignment_ids=[assignment.pk], kinds=None, now=now)
    _event(assignment.case, DispatchEventType.ASSIGNMENT_DECLINED, actor, now, source, assignment, reason=reason,
           spent_working_minutes=total)
    notify_on_commit(recipients=[assignment.duty_director or assignment.assigned_by], kind="assignment.declined",
                     title=f"部门退回待裁定：{assignment.case.code}", body=f"{assignment.department.name}：{reason}",
                     link=link_to("work-case", assignment.case_id),
                     dedupe_key=f"assignment:{assignment.pk}:declined", now=now)
    return assignment


@transaction.atomic
def assignment_rule_decline(
    *, actor: AbstractBaseUser, assignment: Assignment, accept: bool, department: Department | None = None,
    note: str = "", source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    """The duty director rules on a return: accepted, the matter is re-dispatched to `department`
    (the time already spent travels with it); refused, the department keeps it and its clock runs on."""
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以裁定退回。"))
    case = assignment.case
    if not accept:
        back = assignment.status_before_decline or AssignmentStatus.ASSIGNED
        _move(assignment, expected=[AssignmentStatus.DECLINED], to=back)
        DeadlineStep.objects.bulk_create(steps_for_assignment(
            assignment=assignment, now=now, ack=back == AssignmentStatus.ASSIGNED))
        _event(case, DispatchEventType.ASSIGNMENT_DECLINE_REFUSED, actor, now, source, assignment, note=note)
        notify_on_commit(recipients=[assignment.department.liaison], kind="assignment.decline_refused",
                         title=f"退回未获同意，请继续办理：{case.code}", body=note,
                         link=link_to("work-assignment", assignment.pk),
                         dedupe_key=f"assignment:{assignment.pk}:decline_refused", now=now)
        return assignment
    _move(assignment, expected=[AssignmentStatus.DECLINED], to=AssignmentStatus.WITHDRAWN, closed_at=now)
    _event(case, DispatchEventType.ASSIGNMENT_DECLINE_ACCEPTED, actor, now, source, assignment, note=note)
    if department is None:
        _return_to_board_if_empty(case=case, actor=actor, now=now, source=source, reason=note)
        return assignment
    return _replace(assignment=assignment, department=department, actor=actor, now=now, source=source)


def _replace(*, assignment: Assignment, department: Department, actor: AbstractBaseUser, now: dt.datetime,
             source: str) -> Assignment:
    if department.center_id != assignment.center_id or department.pk == assignment.department_id:
        raise ApplicationError(gettext("请选择本中心的另一个部门。"), code="invalid_department", field="department")
    new = _create_assignment(
        case=assignment.case, center=assignment.center, department=department, mode=assignment.mode,
        role=assignment.role, lead=assignment.lead, actor=actor, instructions=assignment.instructions,
        part=assignment.part, now=now, source=source, previous=assignment,
        supervising_leader=assignment.supervising_leader,
        progress_every_working_days=assignment.progress_every_working_days, duty_director=assignment.duty_director)
    if assignment.role == AssignmentRole.LEAD:
        Assignment.objects.filter(lead=assignment).exclude(pk=new.pk).update(lead=new)
    return new


def _return_to_board_if_empty(*, case: Case, actor: AbstractBaseUser, now: dt.datetime, source: str,
                              reason: str) -> None:
    if not Assignment.objects.filter(case=case, status__in=OPEN_ASSIGNMENT_STATUSES).exists():
        case.refresh_from_db(fields=["status"])
        case_transition(case=case, to_status=CaseStatus.PENDING_DISPATCH, actor=actor,
                        event_type=DispatchEventType.CASE_RETURNED_TO_BOARD, source=source, data={"reason": reason}, now=now)


# --- center side -----------------------------------------------------------------------------
@transaction.atomic
def assignment_return_for_rework(
    *, actor: AbstractBaseUser, assignment: Assignment, reason: str, due_at: dt.datetime | None = None,
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    """The center finds the answer poor: the department redoes it (counted) by a new deadline."""
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以退回重办。"))
    if not reason.strip():
        raise ApplicationError(gettext("请填写退回理由。"), code="required", field="reason")
    case = assignment.case
    assignment_reopen(assignment=assignment, now=now, due_at=due_at)
    if assignment.role == AssignmentRole.CO:
        _event(case, DispatchEventType.ASSIGNMENT_RETURNED_FOR_REWORK, actor, now, source, assignment, reason=reason,
               redo=assignment.redo_count, due_at=assignment.due_at)
    else:
        case_transition(case=case, to_status=CaseStatus.IN_PROGRESS, actor=actor,
                        event_type=DispatchEventType.ASSIGNMENT_RETURNED_FOR_REWORK, source=source,
                        data={"assignment": assignment.pk, "department": assignment.department_id,
                              "reason": reason, "redo": assignment.redo_count, "due_at": assignment.due_at},
                        extra_fields={"due_at": assignment.due_at}, now=now)
    notify_on_commit(recipients=[assignment.department.liaison], kind="assignment.returned_for_rework",
                     title=f"退回重办：{case.code}", body=reason, link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"assignment:{assignment.pk}:rework:{assignment.redo_count}", now=now)
    return assignment


def assignment_reopen(*, assignment: Assignment, now: dt.datetime, due_at: dt.datetime | None = None) -> None:
    """Back to work after a poor result or a "not resolved" revisit: a redo, with a fresh clock."""
    if due_at is None:
        rework_due = snapshot_deadline(calendar=calendar_for(assignment.center), snapshot=assignment.policy_snapshot,
                                       which="rework", start=now) if "rework" in assignment.policy_snapshot else None
        due_at = max(assignment.due_at, rework_due or assignment.due_at)
    _move(assignment, expected=[AssignmentStatus.REPORTED], to=AssignmentStatus.REWORK,
          redo_count=assignment.redo_count + 1, due_at=due_at, reported_at=None, overdue_at=None)
    DeadlineStep.objects.bulk_create(steps_for_assignment(assignment=assignment, now=now, ack=False))


@transaction.atomic
def assignment_remind(
    *, actor: AbstractBaseUser, assignment: Assignment, note: str = "", source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> None:
    """催办: a recorded reminder to the department's liaison."""
    now = now or timezone.now()
    require_role(actor, MAY_SUPERVISE_WORK, gettext("只有中心工作人员可以催办。"))
    if assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        raise ApplicationError(gettext("该交办已不在办理中。"), code="invalid_transition")
    _event(assignment.case, DispatchEventType.ASSIGNMENT_REMINDED, actor, now, source, assignment, note=note)
    notify_on_commit(recipients=[assignment.department.liaison], kind="assignment.reminded",
                     title=f"催办：{assignment.case.code} {assignment.case.title}", body=note,
                     link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"assignment:{assignment.pk}:remind:{now:%Y%m%d%H%M}", now=now, urgent=True)


@transaction.atomic
def assignment_supervise(
    *, actor: AbstractBaseUser, assignment: Assignment, leader: AbstractBaseUser, every_working_days: int,
    note: str = "", source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    """督办: a named leader supervises; the department reports progress every N working days."""
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以发起督办。"))
    if assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        raise ApplicationError(gettext("该交办已不在办理中。"), code="invalid_transition")
    if every_working_days < 1:
        raise ApplicationError(gettext("进度报告间隔至少 1 个工作日。"), code="invalid", field="every_working_days")
    changed = Assignment.objects.filter(pk=assignment.pk, status__in=OPEN_ASSIGNMENT_STATUSES).update(
        supervising_leader=leader, progress_every_working_days=every_working_days)
    if changed != 1:
        raise _stale()
    assignment.supervising_leader, assignment.progress_every_working_days = leader, every_working_days
    steps_cancel(assignment_ids=[assignment.pk], kinds=[StepKind.PROGRESS_DUE], now=now)
    DeadlineStep.objects.create(
        kind=StepKind.PROGRESS_DUE, assignment=assignment, targets=["liaison"],
        due_at=progress_due_at(calendar=calendar_for(assignment.center), assignment=assignment, start=now))
    _event(assignment.case, DispatchEventType.ASSIGNMENT_SUPERVISED, actor, now, source, assignment, leader=leader.pk,
           every_working_days=every_working_days, note=note)
    notify_on_commit(recipients=[assignment.department.liaison, assignment.department.leader_in_charge, leader],
                     kind="assignment.supervised", title=f"督办：{assignment.case.code} {assignment.case.title}",
                     body=note, link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"assignment:{assignment.pk}:supervised:{now:%Y%m%d%H%M}", now=now)
    return assignment


@transaction.atomic
def assignment_reassign(
    *, actor: AbstractBaseUser, assignment: Assignment, department: Department, reason: str,
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以改派。"))
    spent = calendar_for(assignment.center).working_time_between(assignment.assigned_at, now)
    _move(assignment, expected=list(OPEN_ASSIGNMENT_STATUSES), to=AssignmentStatus.WITHDRAWN, closed_at=now,
          spent_working_minutes=assignment.spent_working_minutes + int(spent.total_seconds() // 60))
    steps_cancel(assignment_ids=[assignment.pk], kinds=None, now=now)
    _event(assignment.case, DispatchEventType.ASSIGNMENT_REASSIGNED, actor, now, source, assignment, reason=reason,
           to_department=department.pk)
    return _replace(assignment=assignment, department=department, actor=actor, now=now, source=source)


def _withdraw_open(*, case: Case, now: dt.datetime) -> list[int]:
    ids = list(Assignment.objects.filter(case=case, status__in=OPEN_ASSIGNMENT_STATUSES).values_list("pk", flat=True))
    Assignment.objects.filter(pk__in=ids, status__in=OPEN_ASSIGNMENT_STATUSES).update(
        status=AssignmentStatus.WITHDRAWN, closed_at=now)
    steps_cancel(assignment_ids=ids, kinds=None, now=now)
    return ids


@transaction.atomic
def case_move_center(
    *, actor: AbstractBaseUser, case: Case, to_center: Center, reason: str, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Case:
    """上提 to the parent center, or 下交 to a town/village center below: open assignments are
    withdrawn and the matter waits on the other center's board."""
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以上提或下交。"))
    if not reason.strip():
        raise ApplicationError(gettext("请填写理由。"), code="required", field="reason")
    current = case.center
    if to_center.pk == current.parent_id:
        event_type = DispatchEventType.CASE_ESCALATED
    elif to_center.parent_id == current.pk:
        event_type = DispatchEventType.CASE_PUSHED_DOWN
    else:
        raise ApplicationError(gettext("只能上提到上级中心或下交到下级中心。"), code="invalid_center", field="to_center")
    if case.status not in (CaseStatus.PENDING_DISPATCH, CaseStatus.IN_PROGRESS):
        raise ApplicationError(gettext("只有待调度或办理中的事项可以上提、下交。"), code="invalid_transition")
    withdrawn = _withdraw_open(case=case, now=now)
    data = {"from_center": current.pk, "to_center": to_center.pk, "reason": reason, "withdrawn": withdrawn}
    if case.status == CaseStatus.IN_PROGRESS:
        case_transition(case=case, to_status=CaseStatus.PENDING_DISPATCH, actor=actor, event_type=event_type,
                        source=source, data=data, extra_fields={"center": to_center}, now=now)
    else:
        changed = Case.objects.filter(pk=case.pk, status=case.status, center=current).update(
            center=to_center, updated_at=now)
        if changed != 1:
            raise ApplicationError(gettext("事项状态已被他人更改，请刷新后重试。"), code="stale_state")
        case.center = to_center
        case_event_record(case=case, type=event_type, actor=actor, source=source, data=data, now=now)
    return case
