"""窗口自办 (seed 000 二(二)): a stationed department's window takes a matter it received into its own
department, with the department's deadline, instead of only settling it on the spot or sending it to
dispatch.

The matter goes 已登记 → 办理中 in one recorded move (`case.self_handled`: who, when, which window,
which department), and the department's assignment is made by the same `assignment_create` the board
uses, in the mode 自办: the deadline engine, the report-back, verification, revisit and the monthly
assessment treat it like any assignment, and the assessment counts it apart (`self_handled`).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import AssignmentRole, DispatchEventType
from dispatch.models import Assignment
from dispatch.selectors.roster import duty_director_on_duty
from dispatch.services.assignments import assignment_create
from dispatch.services.common import (
    INSTRUCTIONS_MAX_CHARS,
    calendar_for,
    check_text,
    policy_select,
    policy_snapshot,
    snapshot_deadline,
)
from governance.choices import Residency
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Department, ServiceWindow
from governance.roles import MAY_SELF_HANDLE_AT_WINDOW, require_role
from governance.scope import require_acts_here
from governance.selectors import departments_stationed_on
from intake.choices import CaseStatus, EventSource, HandlingMode
from intake.models import Case
from intake.services.transition import case_transition


def self_handling_window(*, actor: AbstractBaseUser, case: Case, now: dt.datetime | None = None) -> ServiceWindow:
    """The window through which `actor` may take `case` into its department, or why not.

    The matter must have been received at an open window of a department of the matter's center, and
    the actor must staff that window; a rotating (轮驻) department's window acts on its stationing days
    only. Raises `PermissionDeniedError` (codes `not_department_window`, `not_your_window`,
    `window_closed`, `not_stationed_today`) or `ApplicationError` (`invalid_transition`)."""
    now = now or timezone.now()
    require_role(actor, MAY_SELF_HANDLE_AT_WINDOW, gettext("只有业务部门窗口的工作人员可以受理为本部门自办。"))
    require_acts_here(actor=actor, center=case.center)
    window = (ServiceWindow.objects.select_related("department").filter(pk=case.window_id).first()
              if case.window_id else None)
    if window is None or window.department_id is None or window.center_id != case.center_id:
        raise PermissionDeniedError(
            gettext("此事项不是在业务部门窗口受理的（综合受理窗口或不经窗口）：请当场办结或移送调度中心。"),
            code="not_department_window")
    if not window.staff.filter(pk=actor.pk).exists():
        raise PermissionDeniedError(
            gettext("此事项由%(window)s受理：只有该窗口的工作人员可以受理为本部门自办。") % {"window": str(window)},
            code="not_your_window")
    department = window.department
    if not window.active or not department.active:
        raise PermissionDeniedError(gettext("%(window)s已关闭，不能受理为本部门自办。") % {"window": str(window)},
                                    code="window_closed")
    if department.residency == Residency.ROTATING:
        today = timezone.localdate(now)
        if not departments_stationed_on(center=window.center, day=today).filter(pk=department.pk).exists():
            raise PermissionDeniedError(
                gettext("今天不是%(department)s的进驻日，窗口不能受理为本部门自办：请移送调度中心。")
                % {"department": department.name}, code="not_stationed_today")
    if case.status != CaseStatus.REGISTERED:
        raise ApplicationError(
            gettext("只有刚登记、尚未移送或办结的事项可以受理为本部门自办（当前状态：%(status)s）。")
            % {"status": CaseStatus(case.status).label}, code="invalid_transition")
    return window


def self_handling_window_or_none(*, actor: AbstractBaseUser, case: Case,
                                 now: dt.datetime | None = None) -> ServiceWindow | None:
    """`self_handling_window`, or None when the actor may not (the receipt then offers no 自办)."""
    try:
        return self_handling_window(actor=actor, case=case, now=now)
    except ApplicationError:
        return None


def self_handling_due_at(*, case: Case, now: dt.datetime | None = None) -> dt.datetime:
    """The deadline the department would get if it took the matter now: the center's limits for 自办
    (as `assignment_create` will set them), shown on the window's form before the clerk decides."""
    now = now or timezone.now()
    policy, percent = policy_select(case=case, mode=HandlingMode.SELF, center=case.center)
    snapshot = policy_snapshot(policy=policy, case=case, mode=HandlingMode.SELF, percent=percent)
    return snapshot_deadline(calendar=calendar_for(case.center), snapshot=snapshot, which="handle", start=now)


@transaction.atomic
def case_self_handle(
    *,
    actor: AbstractBaseUser,
    case: Case,
    department: Department,
    note: str = "",
    source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> Assignment:
    """The window's clerk takes the matter into the window's own department (自办): one recorded move
    of the matter and the department's assignment with its deadline (the center's limits for 自办)."""
    now = now or timezone.now()
    window = self_handling_window(actor=actor, case=case, now=now)
    if department.pk != window.department_id:
        raise PermissionDeniedError(
            gettext("%(window)s只能受理为本部门（%(department)s）自办，不能交给其他部门：请移送调度中心。")
            % {"window": str(window), "department": window.department.name},
            code="other_department")
    note = check_text(note, field="note", label=gettext("办理说明"), max_chars=INSTRUCTIONS_MAX_CHARS)
    case_transition(
        case=case, to_status=CaseStatus.IN_PROGRESS, actor=actor, event_type=DispatchEventType.CASE_SELF_HANDLED,
        source=source,
        data={"mode": HandlingMode.SELF, "department": department.pk, "department_name": department.name,
              "window": window.pk, "window_name": str(window), "note": note},
        extra_fields={"handling_mode": HandlingMode.SELF}, now=now)
    duty_director = getattr(duty_director_on_duty(center=case.center, at=now), "director", None)
    assignment = assignment_create(
        case=case, center=case.center, department=department, mode=HandlingMode.SELF, role=AssignmentRole.SOLE,
        lead=None, actor=actor, instructions=note, part="", now=now, source=source, duty_director=duty_director)
    Case.objects.filter(pk=case.pk).update(due_at=assignment.due_at)
    case.due_at = assignment.due_at
    return assignment
