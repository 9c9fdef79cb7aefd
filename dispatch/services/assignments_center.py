"""What the command center does with assignments: dispatch a matter, decide extensions and declines,
return for rework, remind, supervise, reassign, move a matter up or down (派单、审批、退回重办、催办、
督办、改派、上提下交)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    DispatchEventType,
    ExtensionStatus,
)
from dispatch.links import link_to
from dispatch.models import Assignment, DeadlineStep, DeclineRequest, ExtensionRequest
from dispatch.selectors.clocks import DISPATCH
from dispatch.selectors.duty import DIRECT, FLOW, acting_data, require_on_duty
from dispatch.selectors.limits import extension_use
from dispatch.selectors.roster import duty_director_on_duty
from dispatch.services.assignments import (
    DISPATCH_MODES,
    assignment_create,
    assignment_event,
    assignment_move,
    assignment_reopen,
    assignment_replace,
    case_return_to_board_if_empty,
    stale_error,
)
from dispatch.services.clocks import case_clock_restart
from dispatch.services.common import (
    HANDLING_STEP_KINDS,
    MAX_DEADLINE_DAYS,
    MAX_PROGRESS_EVERY_WORKING_DAYS,
    calendar_for,
    check_length_for,
    check_text,
    handler_and_liaison,
    notify_on_commit,
    steps_cancel,
    steps_for_assignment,
)
from dispatch.services.supervision import leader_check, notify_supervising_leader
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center, Department
from governance.roles import (
    MAY_APPROVE_SUMMONS,
    MAY_DECIDE_EXTENSION,
    MAY_DISPATCH,
    MAY_SUPERVISE_WORK,
    may,
    require_role,
)
from governance.scope import require_acts_here
from governance.transitions import guarded_bulk_move
from intake.choices import CaseStatus, EventSource, HandlingMode
from intake.events import case_event_record
from intake.models import Case
from intake.services.transition import case_transition


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
    require_acts_here(actor=actor, center=case.center)
    standing = require_on_duty(actor=actor, center=case.center, task=FLOW, now=now)
    if mode not in DISPATCH_MODES:
        raise ApplicationError(gettext("办理方式无效（自办在受理窗口当场办结）。"), code="invalid_mode", field="mode")
    co = [dept for dept in co_departments if dept.pk != lead_department.pk]
    if mode == HandlingMode.JOINT and not co:
        raise ApplicationError(gettext("联办须指定至少一个协办部门。"), code="co_required", field="co_departments")
    if mode != HandlingMode.JOINT and co:
        raise ApplicationError(gettext("只有联办可以指定协办部门。"), code="co_not_allowed", field="co_departments")
    if mode == HandlingMode.SUPERVISED:
        if supervising_leader is None:
            raise ApplicationError(gettext("督办须指定督办领导：请在“督办领导”中选择指挥长、副指挥长、领导或部门分管领导。"),
                                   code="leader_required", field="supervising_leader")
        leader_check(center=case.center, leader=supervising_leader)
    elif supervising_leader is not None:
        raise ApplicationError(gettext("只有督办方式需要督办领导：请把办理方式改为督办，或不选督办领导。"),
                               code="leader_not_allowed", field="supervising_leader")
    if progress_every_working_days is not None and not 1 <= progress_every_working_days <= MAX_PROGRESS_EVERY_WORKING_DAYS:
        raise ApplicationError(gettext("进度报告间隔应为 1 至 %(max)s 个工作日。") % {"max": MAX_PROGRESS_EVERY_WORKING_DAYS},
                               code="invalid", field="progress_every_working_days")
    instructions = check_text(instructions, field="instructions", label=gettext("交办意见"))
    parts = {key: check_text(text, field="parts", label=gettext("分工说明")) for key, text in (parts or {}).items()}
    departments = [lead_department, *co]
    if any(dept.center_id != case.center_id or not dept.active for dept in departments):
        raise ApplicationError(gettext("只能派给本中心在用的部门。"), code="invalid_department")
    parts = parts or {}
    duty_director = getattr(duty_director_on_duty(center=case.center, at=now), "director", None)
    case_transition(
        case=case, to_status=CaseStatus.IN_PROGRESS, actor=actor, event_type=DispatchEventType.CASE_DISPATCHED, source=source,
        data={"mode": mode, "lead": lead_department.pk, "co": [d.pk for d in co], "instructions": instructions,
              **acting_data(standing)},
        extra_fields={"handling_mode": mode}, now=now)
    role = AssignmentRole.LEAD if mode == HandlingMode.JOINT else AssignmentRole.SOLE
    lead = assignment_create(
        case=case, center=case.center, department=lead_department, mode=mode, role=role, lead=None, actor=actor,
        instructions=instructions, part=parts.get(lead_department.pk, ""), now=now, source=source,
        supervising_leader=supervising_leader, progress_every_working_days=progress_every_working_days,
        duty_director=duty_director)
    created = [lead]
    for dept in co:
        created.append(assignment_create(
            case=case, center=case.center, department=dept, mode=mode, role=AssignmentRole.CO, lead=lead,
            actor=actor, instructions=instructions, part=parts.get(dept.pk, ""), now=now, source=source,
            duty_director=duty_director))
    Case.objects.filter(pk=case.pk).update(due_at=lead.due_at)
    case.due_at = lead.due_at
    if supervising_leader is not None:
        notify_supervising_leader(assignment=lead, leader=supervising_leader, note=instructions, now=now)
    return created






@transaction.atomic
def extension_decide(
    *, actor: AbstractBaseUser, extension: ExtensionRequest, approve: bool, note: str = "",
    new_due_at: dt.datetime | None = None, source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> ExtensionRequest:
    """The duty director approves (the deadline moves; the approval is recorded) or refuses."""
    now = now or timezone.now()
    require_role(actor, MAY_DECIDE_EXTENSION, gettext("只有轮值主任可以审批延期。"))
    assignment = extension.assignment
    require_acts_here(actor=actor, center=assignment.center)
    require_on_duty(actor=actor, center=assignment.center, task=DIRECT, now=now)
    note = check_length_for(ExtensionRequest, "decision_note", note, field="note", label=gettext("审批意见"))
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    due = (new_due_at or extension.requested_due_at) if approve else None
    if due is not None and not (now < due <= max(extension.old_due_at, now) + dt.timedelta(days=MAX_DEADLINE_DAYS)):
        raise ApplicationError(gettext("批准的期限须晚于现在，且不能比原期限晚一年以上。"), code="invalid_due",
                               field="new_due_at")
    # Within the year's limits the duty director decides; beyond them (counted again now, with the
    # deadline actually granted: he may grant less, within them) only the commander or a deputy.
    use = extension_use(assignment=assignment, old_due_at=extension.old_due_at,
                        new_due_at=due or extension.requested_due_at, at=now)
    beyond = use.beyond if approve else extension.needs_commander or use.beyond
    if beyond and not may(actor, MAY_APPROVE_SUMMONS):
        raise PermissionDeniedError(use.refusal(), code="extension_needs_commander")
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
            raise stale_error()
        assignment.due_at = due
        steps_cancel(assignment_ids=[assignment.pk], kinds=HANDLING_STEP_KINDS, now=now)
        DeadlineStep.objects.bulk_create(steps_for_assignment(assignment=assignment, now=now, ack=False))
        if assignment.role != AssignmentRole.CO:
            Case.objects.filter(pk=assignment.case_id).update(due_at=due)
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_EXTENSION_APPROVED if approve else DispatchEventType.ASSIGNMENT_EXTENSION_REFUSED,
           actor, now, source, assignment, extension=extension.pk, old_due_at=extension.old_due_at,
           new_due_at=due, note=note, beyond_limits=beyond, **use.as_data())
    notify_on_commit(recipients=[extension.requested_by, assignment.department.liaison],
                     kind=f"extension.{status}", title=f"延期申请{ExtensionStatus(status).label}：{assignment.case.code}",
                     body=note, link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"extension:{extension.pk}:{status}", now=now)
    return extension


@transaction.atomic
def assignment_rule_decline(
    *, actor: AbstractBaseUser, assignment: Assignment, accept: bool, department: Department | None = None,
    note: str = "", source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    """The duty director rules on a return: accepted, the matter is re-dispatched to `department`
    (the time already spent travels with it); refused, the department keeps it and its clock runs on."""
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以裁定退回。"))
    require_acts_here(actor=actor, center=assignment.center)
    require_on_duty(actor=actor, center=assignment.center, task=DIRECT, now=now)
    note = check_text(note, field="note", label=gettext("意见"))
    case = assignment.case
    if assignment.status != AssignmentStatus.DECLINED:
        return _rule_decline_request(actor=actor, assignment=assignment, accept=accept, department=department,
                                     note=note, source=source, now=now)
    if not accept:
        back = assignment.status_before_decline or AssignmentStatus.ASSIGNED
        assignment_move(assignment, expected=[AssignmentStatus.DECLINED], to=back)
        DeadlineStep.objects.bulk_create(steps_for_assignment(
            assignment=assignment, now=now, ack=back == AssignmentStatus.ASSIGNED))
        assignment_event(case, DispatchEventType.ASSIGNMENT_DECLINE_REFUSED, actor, now, source, assignment, note=note)
        notify_on_commit(recipients=[assignment.department.liaison], kind="assignment.decline_refused",
                         title=f"退回未获同意，请继续办理：{case.code}", body=note,
                         link=link_to("work-assignment", assignment.pk),
                         dedupe_key=f"assignment:{assignment.pk}:decline_refused", now=now)
        return assignment
    assignment_move(assignment, expected=[AssignmentStatus.DECLINED], to=AssignmentStatus.WITHDRAWN, closed_at=now)
    assignment_event(case, DispatchEventType.ASSIGNMENT_DECLINE_ACCEPTED, actor, now, source, assignment, note=note)
    if department is None:
        case_return_to_board_if_empty(case=case, actor=actor, now=now, source=source, reason=note)
        return assignment
    return assignment_replace(assignment=assignment, department=department, actor=actor, now=now, source=source)


def _rule_decline_request(*, actor: AbstractBaseUser, assignment: Assignment, accept: bool,
                          department: Department | None, note: str, source: str, now: dt.datetime) -> Assignment:
    """A return asked after the 退单时限 (`DeclineRequest`): approved, the department's part ends with
    the time it spent (the clock ran while the request waited) and the matter is re-dispatched or goes
    back to the board; refused, nothing changes for the department."""
    request = DeclineRequest.objects.filter(assignment=assignment, status=ExtensionStatus.PENDING).first()
    if request is None:
        raise ApplicationError(gettext("该交办没有待裁定的退回申请。"), code="invalid_transition")
    if assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        raise ApplicationError(gettext("该交办已不在办理中。"), code="invalid_transition")
    status = ExtensionStatus.APPROVED if accept else ExtensionStatus.REFUSED
    changed = DeclineRequest.objects.filter(pk=request.pk, status=ExtensionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note[:300])
    if changed != 1:
        raise ApplicationError(gettext("该退回申请已处理。"), code="stale_state")
    case = assignment.case
    if not accept:
        assignment_event(case, DispatchEventType.ASSIGNMENT_DECLINE_REFUSED, actor, now, source, assignment, note=note,
                         late=True, request=request.pk)
        notify_on_commit(recipients=[assignment.department.liaison, request.requested_by],
                         kind="assignment.decline_refused", title=f"退回申请未获批准，请继续办理：{case.code}", body=note,
                         link=link_to("work-assignment", assignment.pk),
                         dedupe_key=f"decline:{request.pk}:refused", now=now)
        return assignment
    previous_status = assignment.status
    spent = calendar_for(assignment.center).working_time_between(assignment.assigned_at, now)
    assignment_move(assignment, expected=list(OPEN_ASSIGNMENT_STATUSES), to=AssignmentStatus.WITHDRAWN, closed_at=now,
                    spent_working_minutes=assignment.spent_working_minutes + int(spent.total_seconds() // 60))
    steps_cancel(assignment_ids=[assignment.pk], kinds=None, now=now)
    assignment_event(case, DispatchEventType.ASSIGNMENT_DECLINE_ACCEPTED, actor, now, source, assignment, note=note,
                     late=True, request=request.pk, from_status=previous_status, to_status=AssignmentStatus.WITHDRAWN,
                     to_department=department.pk if department else None)
    notify_on_commit(recipients=[assignment.department.liaison, request.requested_by],
                     kind="assignment.decline_accepted", title=f"退回申请已批准：{case.code}", body=note,
                     link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"decline:{request.pk}:approved", now=now)
    if department is None:
        case_return_to_board_if_empty(case=case, actor=actor, now=now, source=source, reason=note)
        return assignment
    return assignment_replace(assignment=assignment, department=department, actor=actor, now=now, source=source)


@transaction.atomic
def assignment_return_for_rework(
    *, actor: AbstractBaseUser, assignment: Assignment, reason: str, due_at: dt.datetime | None = None,
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    """The center finds the answer poor: the department redoes it (counted) by a new deadline."""
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以退回重办。"))
    require_acts_here(actor=actor, center=assignment.center)
    require_on_duty(actor=actor, center=assignment.center, task=FLOW, now=now)
    if not reason.strip():
        raise ApplicationError(gettext("请填写退回理由。"), code="required", field="reason")
    case = assignment.case
    assignment_reopen(assignment=assignment, now=now, due_at=due_at)
    if assignment.role == AssignmentRole.CO:
        assignment_event(case, DispatchEventType.ASSIGNMENT_RETURNED_FOR_REWORK, actor, now, source, assignment, reason=reason,
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


@transaction.atomic
def assignment_remind(
    *, actor: AbstractBaseUser, assignment: Assignment, note: str = "", source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> None:
    """催办: a recorded reminder to the department's liaison and the named 承办人."""
    now = now or timezone.now()
    require_role(actor, MAY_SUPERVISE_WORK, gettext("只有中心工作人员可以催办。"))
    require_acts_here(actor=actor, center=assignment.center)
    require_on_duty(actor=actor, center=assignment.center, task=FLOW, now=now)
    if assignment.status not in OPEN_ASSIGNMENT_STATUSES:
        raise ApplicationError(gettext("该交办已不在办理中。"), code="invalid_transition")
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_REMINDED, actor, now, source, assignment, note=note)
    notify_on_commit(recipients=handler_and_liaison(assignment), kind="assignment.reminded",
                     title=f"催办：{assignment.case.code} {assignment.case.title}", body=note,
                     link=link_to("work-assignment", assignment.pk),
                     dedupe_key=f"assignment:{assignment.pk}:remind:{now:%Y%m%d%H%M}", now=now, urgent=True)








@transaction.atomic
def assignment_reassign(
    *, actor: AbstractBaseUser, assignment: Assignment, department: Department, reason: str,
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> Assignment:
    now = now or timezone.now()
    require_role(actor, MAY_DISPATCH, gettext("只有轮值主任和调度员可以改派。"))
    require_acts_here(actor=actor, center=assignment.center)
    require_on_duty(actor=actor, center=assignment.center, task=FLOW, now=now)
    spent = calendar_for(assignment.center).working_time_between(assignment.assigned_at, now)
    assignment_move(assignment, expected=list(OPEN_ASSIGNMENT_STATUSES), to=AssignmentStatus.WITHDRAWN, closed_at=now,
          spent_working_minutes=assignment.spent_working_minutes + int(spent.total_seconds() // 60))
    steps_cancel(assignment_ids=[assignment.pk], kinds=None, now=now)
    assignment_event(assignment.case, DispatchEventType.ASSIGNMENT_REASSIGNED, actor, now, source, assignment, reason=reason,
           to_department=department.pk)
    return assignment_replace(assignment=assignment, department=department, actor=actor, now=now, source=source)


def _withdraw_open(*, case: Case, now: dt.datetime) -> list[int]:
    ids = list(Assignment.objects.filter(case=case, status__in=OPEN_ASSIGNMENT_STATUSES).values_list("pk", flat=True))
    guarded_bulk_move(Assignment, ids, from_statuses=OPEN_ASSIGNMENT_STATUSES, to=AssignmentStatus.WITHDRAWN,
                      closed_at=now)
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
    require_acts_here(actor=actor, center=case.center)
    require_on_duty(actor=actor, center=case.center, task=FLOW, now=now)
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
        case_clock_restart(case=case, subject_type=DISPATCH, now=now)  # the other center's board: its 派单 clock
    return case
