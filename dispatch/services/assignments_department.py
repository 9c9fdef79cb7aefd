"""What a department does with an assignment: acknowledge, report progress, report back, ask for an
extension, decline (签收、进度、反馈、延期申请、退回申请)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
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
from dispatch.models import Assignment, AssignmentReport, DeadlineStep, DeclineRequest, ExtensionRequest
from dispatch.selectors.handlers import department_handlers
from dispatch.selectors.limits import decline_window_ends_at, extension_use
from dispatch.services.assignments import (
    assignment_event,
    assignment_move,
)
from dispatch.services.common import (
    ACK_STEP_KINDS,
    HANDLING_STEP_KINDS,
    MAX_DEADLINE_DAYS,
    calendar_for,
    check_text,
    notify_on_commit,
    progress_due_at,
    steps_cancel,
)
from dispatch.services.summons import summons_approvers_on_duty
from governance.errors import ApplicationError
from governance.people import display_name
from governance.roles import (
    require_department_member,
)
from intake.choices import CaseStatus, EventSource
from intake.events import case_event_record
from intake.services.cleaning import FieldErrors, clean_text
from intake.services.registration import check_uploads, remove_files, store_files
from intake.services.transition import case_transition
from intake.validators import RESULT_MAX_CHARS, CheckedUpload, UploadedFileLike


@transaction.atomic
def assignment_acknowledge(
    *, actor: AbstractBaseUser, assignment: Assignment, handler: AbstractBaseUser | None = None,
    source: str = EventSource.WEB, now: dt.datetime | None = None
) -> Assignment:
    """签收, naming the 承办人 (seed 001 五(一)): one of the department's people (`department_handlers`);
    without a name the person acknowledging is the handler."""
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    handler = handler or actor
    if not department_handlers(department=assignment.department).filter(pk=handler.pk).exists():
        raise ApplicationError(gettext("承办人须是本部门的联络员或承办人。"), code="invalid", field="handler")
    late = now > assignment.ack_due_at
    assignment_move(assignment, expected=[AssignmentStatus.ASSIGNED], to=AssignmentStatus.ACKNOWLEDGED,
          acknowledged_at=now, acknowledged_by=actor, acknowledged_late=late, handler=handler)
    steps_cancel(assignment_ids=[assignment.pk], kinds=ACK_STEP_KINDS, now=now)
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_ACKNOWLEDGED, actor, now, source, assignment, late=late,
           ack_due_at=assignment.ack_due_at, handler=handler.pk, handler_name=display_name(handler))
    return assignment


@transaction.atomic
def assignment_report_progress(
    *, actor: AbstractBaseUser, assignment: Assignment, text: str, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> AssignmentReport:
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    if assignment.status not in WORKING_STATUSES:
        raise ApplicationError(gettext("签收后才能报告进度。"), code="invalid_transition")
    text = check_text(text, field="text", label=gettext("进度情况"), max_chars=RESULT_MAX_CHARS, required=True)
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
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_PROGRESS_REPORTED, actor, now, source, assignment, report=report.pk)
    return report


def assignment_report_back(
    *, actor: AbstractBaseUser, assignment: Assignment, text: str, files: Sequence[UploadedFile] = (),
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> AssignmentReport:
    """A co-department reports its part; the lead (or sole) department reports the merged answer,
    which moves the matter to "reported". Files go through the one upload validator first; files
    stored by a transaction that then fails are removed."""
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    errors = FieldErrors()
    text = clean_text(errors, "text", text, label=gettext("办理结果"), max_chars=RESULT_MAX_CHARS, required=True)
    uploads = check_uploads(errors, files, field="files")
    errors.raise_if_any()
    stored: list[str] = []
    try:
        return _report_back(actor=actor, assignment=assignment, text=text, uploads=uploads, stored=stored,
                            source=source, now=now)
    except BaseException:
        remove_files(stored)
        raise


@transaction.atomic
def _report_back(*, actor: AbstractBaseUser, assignment: Assignment, text: str,
                 uploads: list[tuple[UploadedFileLike, CheckedUpload]], stored: list[str], source: str,
                 now: dt.datetime) -> AssignmentReport:
    case = assignment.case
    if assignment.role == AssignmentRole.LEAD:
        waiting = list(Assignment.objects.filter(lead=assignment, status__in=OPEN_ASSIGNMENT_STATUSES)
                       .values_list("department__name", flat=True))
        if waiting:
            raise ApplicationError(gettext("协办部门尚未反馈：%(departments)s。") % {"departments": "、".join(waiting)},
                                   code="co_parts_pending", extra={"waiting": waiting})
    late = now > assignment.due_at
    assignment_move(assignment, expected=list(WORKING_STATUSES), to=AssignmentStatus.REPORTED, reported_at=now,
          reported_by=actor, report=text, reported_late=late)
    steps_cancel(assignment_ids=[assignment.pk], kinds=[*HANDLING_STEP_KINDS, StepKind.PROGRESS_DUE], now=now)
    report = AssignmentReport.objects.create(assignment=assignment, kind=AssignmentReport.Kind.REPORT_BACK,
                                             text=text, author=actor, created_at=now)
    attachments = store_files(uploads, case=case, actor=actor, purpose="report_back", stored=stored)
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
    reason = check_text(reason, field="reason", label=gettext("延期理由"), required=True)
    if requested_due_at <= assignment.due_at:
        raise ApplicationError(gettext("申请的期限须晚于现有期限。"), code="invalid_due", field="requested_due_at")
    if requested_due_at > assignment.due_at + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise ApplicationError(gettext("申请的期限不能比现有期限晚一年以上。"), code="invalid_due",
                               field="requested_due_at")
    if ExtensionRequest.objects.filter(assignment=assignment, status=ExtensionStatus.PENDING).exists():
        raise ApplicationError(gettext("已有待审批的延期申请。"), code="extension_pending")
    use = extension_use(assignment=assignment, old_due_at=assignment.due_at, new_due_at=requested_due_at, at=now)
    request = ExtensionRequest.objects.create(
        assignment=assignment, reason=reason, requested_due_at=requested_due_at, requested_by=actor,
        requested_at=now, old_due_at=assignment.due_at, needs_commander=use.beyond)
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_EXTENSION_REQUESTED, actor, now, source, assignment,
           extension=request.pk, reason=reason, old_due_at=assignment.due_at, requested_due_at=requested_due_at,
           needs_commander=use.beyond, **use.as_data())
    if use.beyond:
        recipients = summons_approvers_on_duty(center=assignment.center, at=now)
        title = f"延期申请超出年度限制，须指挥长审批：{assignment.case.code}"
    else:
        recipients = [assignment.duty_director or assignment.assigned_by]
        title = f"延期申请：{assignment.case.code}"
    notify_on_commit(recipients=recipients, kind="extension.requested", title=title, body=reason,
                     link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"extension:{request.pk}:requested", now=now)
    return request


@transaction.atomic
def assignment_decline(
    *, actor: AbstractBaseUser, assignment: Assignment, reason: str, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Assignment:
    """The department says the matter is not its business. Within the year's 退单时限 the clock stops
    until the duty director rules; after it, the return is only a request (`DeclineRequest`) that the
    duty director approves or refuses, and the department's clock runs on meanwhile."""
    now = now or timezone.now()
    require_department_member(actor, assignment.department_id)
    reason = check_text(reason, field="reason", label=gettext("退回理由"), required=True)
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED):
        raise ApplicationError(
            gettext("交办当前状态为“%(status)s”，不能退回。") % {"status": AssignmentStatus(assignment.status).label},
            code="invalid_transition")
    window_ends_at = decline_window_ends_at(assignment=assignment)
    if now > window_ends_at:
        _decline_request(actor=actor, assignment=assignment, reason=reason, window_ends_at=window_ends_at,
                         source=source, now=now)
        return assignment
    spent = calendar_for(assignment.center).working_time_between(assignment.assigned_at, now)
    total = assignment.spent_working_minutes + int(spent.total_seconds() // 60)
    previous_status = assignment.status
    assignment_move(assignment, expected=[AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED],
          to=AssignmentStatus.DECLINED, status_before_decline=previous_status, spent_working_minutes=total)
    steps_cancel(assignment_ids=[assignment.pk], kinds=None, now=now)
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_DECLINED, actor, now, source, assignment, reason=reason,
           spent_working_minutes=total, late=False, window_ends_at=window_ends_at,
           from_status=previous_status, to_status=AssignmentStatus.DECLINED)
    notify_on_commit(recipients=[assignment.duty_director or assignment.assigned_by], kind="assignment.declined",
                     title=f"部门退回待裁定：{assignment.case.code}", body=f"{assignment.department.name}：{reason}",
                     link=link_to("work-case", assignment.case_id),
                     dedupe_key=f"assignment:{assignment.pk}:declined", now=now)
    return assignment


def _decline_request(*, actor: AbstractBaseUser, assignment: Assignment, reason: str, window_ends_at: dt.datetime,
                     source: str, now: dt.datetime) -> DeclineRequest:
    if DeclineRequest.objects.filter(assignment=assignment, status=ExtensionStatus.PENDING).exists():
        raise ApplicationError(gettext("已有待轮值主任审批的退回申请。"), code="decline_pending")
    request = DeclineRequest.objects.create(assignment=assignment, reason=reason, requested_by=actor,
                                            requested_at=now, window_ends_at=window_ends_at)
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_DECLINED, actor, now, source, assignment,
                     reason=reason, late=True, request=request.pk, window_ends_at=window_ends_at,
                     clock_runs=True, status=assignment.status)
    notify_on_commit(recipients=[assignment.duty_director or assignment.assigned_by], kind="assignment.decline_requested",
                     title=f"超出退单时限的退回申请，请审批：{assignment.case.code}",
                     body=f"{assignment.department.name}：{reason}（审批期间办理时限照常计算）",
                     link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"decline:{request.pk}:requested", now=now)
    return request
