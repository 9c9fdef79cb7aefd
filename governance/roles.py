"""Roles are Django groups with stable code names; the Chinese label is what people see.

Every set of roles the apps check lives here, named for what its holders may do, so that a rule
about who may do something is written once. Pages, APIs and services all test against these sets.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.errors import PermissionDeniedError
from governance.models import Department, Profile


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("窗口工作人员")
    DISPATCHER = "dispatcher", _("调度员")
    DUTY_DIRECTOR = "duty_director", _("轮值主任")
    COMMANDER = "commander", _("指挥长")
    DEPUTY_COMMANDER = "deputy_commander", _("副指挥长")
    DEPARTMENT_LIAISON = "department_liaison", _("部门联络员")
    DEPARTMENT_HANDLER = "department_handler", _("部门承办人")
    GRID_WORKER = "grid_worker", _("网格员")
    LEADER = "leader", _("领导（只读）")
    ADMINISTRATOR = "administrator", _("管理员")


EVERYONE = frozenset(Role.values)

# --- seeing matters ---------------------------------------------------------------------------
# The center's own people: they see every matter of their district.
MAY_SEE_DISTRICT_MATTERS = frozenset(
    {
        Role.WINDOW_CLERK,
        Role.DISPATCHER,
        Role.DUTY_DIRECTOR,
        Role.COMMANDER,
        Role.DEPUTY_COMMANDER,
        Role.LEADER,
        Role.ADMINISTRATOR,
    }
)
# Departments' people: they see and handle what was assigned to their department.
MAY_HANDLE_ASSIGNMENTS = frozenset({Role.DEPARTMENT_LIAISON, Role.DEPARTMENT_HANDLER})
# Grid workers: they see the matters of their grids and verify them on site.
MAY_SEE_GRID_MATTERS = frozenset({Role.GRID_WORKER})
# The matters list and search (事项查询), and the dispatch board.
MAY_SEARCH_MATTERS = frozenset(
    {Role.DISPATCHER, Role.DUTY_DIRECTOR, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.LEADER, Role.ADMINISTRATOR}
)
MAY_VIEW_BOARD = MAY_SEARCH_MATTERS
# The full ID number of a party (others see it masked).
MAY_SEE_FULL_ID = frozenset(
    {Role.WINDOW_CLERK, Role.DISPATCHER, Role.DUTY_DIRECTOR, Role.COMMANDER, Role.ADMINISTRATOR}
)

# --- the window -------------------------------------------------------------------------------
MAY_USE_WINDOW = frozenset({Role.WINDOW_CLERK, Role.ADMINISTRATOR})
MAY_REGISTER = frozenset({Role.WINDOW_CLERK, Role.DISPATCHER, Role.DUTY_DIRECTOR, Role.ADMINISTRATOR})
# Settle on the spot or send to dispatch a matter someone else received first (the administrator
# does not act in the workflow: `intake.services.window` refuses them with `administrator_does_not_act`).
MAY_ACT_FOR_FIRST_RECEIVER = frozenset({Role.DISPATCHER, Role.DUTY_DIRECTOR})

# --- dispatch ---------------------------------------------------------------------------------
# Dispatch, reassign, return for rework, decide declines and extensions, request a summons.
MAY_DISPATCH = frozenset({Role.DUTY_DIRECTOR, Role.DISPATCHER})
# The command center's staff: remind any department, act for one at a summons, decide extensions,
# verify and revisit any matter.
MAY_SUPERVISE_WORK = frozenset({Role.DUTY_DIRECTOR, Role.DISPATCHER, Role.COMMANDER, Role.DEPUTY_COMMANDER})
MAY_APPROVE_SUMMONS = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER})
MAY_DECIDE_EXTENSION = MAY_DISPATCH | MAY_APPROVE_SUMMONS
MAY_CLOSE_SUMMONS = MAY_DISPATCH | MAY_APPROVE_SUMMONS
MAY_VERIFY = MAY_SUPERVISE_WORK | {Role.GRID_WORKER}
MAY_REVISIT = MAY_SUPERVISE_WORK | {Role.WINDOW_CLERK, Role.GRID_WORKER}
MAY_CLOSE = MAY_SUPERVISE_WORK | {Role.WINDOW_CLERK}
# Revisit and close any matter; a window clerk (MAY_REVISIT, MAY_CLOSE) only the matters they received
# first (首接责任制, `dispatch.services.closing.may_follow_up`).
MAY_FOLLOW_UP_ANY = MAY_SUPERVISE_WORK
# The window's pages in the navigation (administrators reach them from the admin).
SHOWN_WINDOW_PAGES = frozenset({Role.WINDOW_CLERK})
# The verification queue in the navigation (the page itself admits everyone in MAY_VERIFY).
SHOWN_VERIFICATION_QUEUE = MAY_DISPATCH  # grid workers have theirs as phone cards (grid:tasks)
SHOWN_GRID_TASKS = MAY_SEE_GRID_MATTERS

# --- roster, mode, system ---------------------------------------------------------------------
MAY_VIEW_ROSTER = frozenset(
    {Role.DUTY_DIRECTOR, Role.DISPATCHER, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.ADMINISTRATOR, Role.LEADER}
)
# Enter any override or swap, also on someone else's behalf.
MAY_MANAGE_ROSTER = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.ADMINISTRATOR})
MAY_SWITCH_MODE = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER})
# Open the duty director's rights to a named person for a period, with a reason (the director on duty
# is ill...): `dispatch.selectors.duty`. Who may receive them: the center's duty directors and dispatchers.
# Duty, not only role (seed 000 一(四), 四; `dispatch.selectors.duty`): the commanders act at any time, a
# duty director while on duty (or his shift's deputy), a dispatcher does the desk's flow (接收、流转、跟踪).
MAY_ACT_AT_ANY_TIME = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER})
MAY_ACT_ON_DUTY = frozenset({Role.DUTY_DIRECTOR})
MAY_ACT_AT_THE_DESK = frozenset({Role.DISPATCHER})
MAY_GRANT_ACTING = MAY_ACT_AT_ANY_TIME
MAY_RECEIVE_ACTING = MAY_ACT_ON_DUTY | MAY_ACT_AT_THE_DESK
# The grid: who assigns workers to grids, who works a village station's or town sub-center's queue
# (settle there, escalate), and who hears of a key person's rising risk at the town.
MAY_ASSIGN_GRID_WORKERS = MAY_SUPERVISE_WORK | {Role.ADMINISTRATOR}
MAY_RUN_STATION = MAY_DISPATCH
MAY_VIEW_MODE = MAY_SWITCH_MODE | {Role.ADMINISTRATOR, Role.LEADER}
MAY_VIEW_STATUS = frozenset({Role.ADMINISTRATOR, Role.COMMANDER})
MAY_ADMINISTER = frozenset({Role.ADMINISTRATOR})

# --- review: assessment, dashboard, work report ---------------------------------------------------
MAY_READ_ASSESSMENT = frozenset(
    {Role.LEADER, Role.ADMINISTRATOR, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.DUTY_DIRECTOR}
)
MAY_PUBLISH_ASSESSMENT = frozenset({Role.ADMINISTRATOR})
MAY_READ_DASHBOARD = MAY_READ_ASSESSMENT | {Role.DISPATCHER}
MAY_WRITE_REPORT_COMMENTARY = frozenset({Role.DUTY_DIRECTOR, Role.ADMINISTRATOR})


# --- command: risk radar, warning letters, consultations, daily report (review) ---------------
# The radar, every letter, consultation and daily report of the district (leaders read them).
MAY_READ_COMMAND = frozenset(
    {Role.DUTY_DIRECTOR, Role.DISPATCHER, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.LEADER, Role.ADMINISTRATOR}
)
# Dismiss a risk signal, issue a 工作提示函 / 风险预警函, issue the daily report of key disputes.
MAY_DECIDE_SIGNALS = frozenset({Role.DUTY_DIRECTOR, Role.COMMANDER, Role.DEPUTY_COMMANDER})
MAY_ISSUE_LETTERS = MAY_DECIDE_SIGNALS
MAY_ISSUE_DAILY_REPORT = MAY_DECIDE_SIGNALS
# Schedule consultations, set their agenda, record minutes and decisions (their chair may too).
MAY_ORGANIZE_CONSULTATIONS = MAY_DECIDE_SIGNALS | {Role.DISPATCHER}
# Draft daily reports (before the duty director issues them).
MAY_READ_DAILY_REPORT_DRAFTS = MAY_ORGANIZE_CONSULTATIONS | {Role.ADMINISTRATOR}
# Who receives the issued daily report.
MAY_RECEIVE_DAILY_REPORT = frozenset({Role.LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER})


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role codes a user holds, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_codes", None)
    if cached is None:
        valid = set(Role.values)
        cached = frozenset(name for name in user.groups.values_list("name", flat=True) if name in valid)
        if user.is_superuser:
            cached = cached | {Role.ADMINISTRATOR}
        user._role_codes = cached
    return cached


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def may(user: AbstractBaseUser | AnonymousUser, allowed: frozenset[str]) -> bool:
    """Whether the user holds any role of one of the sets above: `may(user, MAY_DISPATCH)`."""
    return bool(user_roles(user) & allowed)


def user_department_ids(user: AbstractBaseUser | AnonymousUser) -> set[int]:
    """The departments a person acts for: their profile's department, and where they are liaison."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_work_department_ids", None)
    if cached is None:
        ids = set(Profile.objects.filter(user=user, department__isnull=False).values_list("department_id", flat=True))
        ids |= set(Department.objects.filter(liaison=user).values_list("pk", flat=True))
        from governance.selectors import departments_led_by

        ids |= departments_led_by(user=user)  # a leader in charge reads them; acting needs a department role
        cached = ids
        user._work_department_ids = cached
    return cached


def require_role(user: AbstractBaseUser | AnonymousUser, allowed: frozenset[str], message: str) -> None:
    """Raise `PermissionDeniedError(message)` unless the user holds a role of `allowed`.

    The administrator (and a superuser) configures the system and reads every matter, but does
    not act in the workflow (dispatch, acknowledge, approve...): separation of duties. Refused,
    they are told so, with the code `administrator_does_not_act`."""
    if not may(user, allowed):
        if user_roles(user) == {Role.ADMINISTRATOR} and Role.ADMINISTRATOR not in allowed:
            raise PermissionDeniedError(
                gettext("管理员负责系统配置和查阅，不参与办理：请用相应业务角色（如轮值主任、部门联络员）的账号操作。"),
                code="administrator_does_not_act",
            )
        raise PermissionDeniedError(message)


def require_department_member(user: AbstractBaseUser | AnonymousUser, department_id: int) -> None:
    """Only the department's own liaison or handlers act for it."""
    if not may(user, MAY_HANDLE_ASSIGNMENTS) or department_id not in user_department_ids(user):
        require_role(user, MAY_HANDLE_ASSIGNMENTS, gettext("只有承办部门的联络员或承办人可以办理。"))
        raise PermissionDeniedError(gettext("只有承办部门的联络员或承办人可以办理。"))
