"""Roles are Django groups with stable code names; the Chinese label is what people see.

Every set of roles the apps check lives here, named for what its holders may do, so that a rule
about who may do something is written once. Pages, APIs and services all test against these sets.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
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
    # The center's own leadership (seed 000 三(一)): the director chairs the monthly 中心值班领导会议, the two
    # deputy directors chair the stationed departments' biweekly meeting in turn.
    CENTER_DIRECTOR = "center_director", _("中心主任")
    CENTER_DEPUTY_DIRECTOR = "center_deputy_director", _("中心副主任")
    ADMINISTRATOR = "administrator", _("管理员")
    # 区效能办 (seed 000 七): reads the matters referred to it by the accountability ladder and records
    # its outcome for the departments and the named staff.
    EFFICIENCY_OFFICE = "efficiency_office", _("区效能办")


EVERYONE = frozenset(Role.values)
# The center director and deputies: they read what the center's leaders read and organize (chair) the
# center's standing meetings (`command.services.cadence`).
MAY_CHAIR_CENTER_MEETINGS = frozenset({Role.CENTER_DIRECTOR, Role.CENTER_DEPUTY_DIRECTOR})

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
        *MAY_CHAIR_CENTER_MEETINGS,
    }
)
# Departments' people: they see and handle what was assigned to their department.
MAY_HANDLE_ASSIGNMENTS = frozenset({Role.DEPARTMENT_LIAISON, Role.DEPARTMENT_HANDLER})
# Grid workers: they see the matters of their grids and verify them on site.
MAY_SEE_GRID_MATTERS = frozenset({Role.GRID_WORKER})
# The matters list and search (事项查询), and the dispatch board.
MAY_SEARCH_MATTERS = frozenset(
    {Role.DISPATCHER, Role.DUTY_DIRECTOR, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.LEADER, Role.ADMINISTRATOR}
) | MAY_CHAIR_CENTER_MEETINGS
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
# 窗口自办 (seed 000 二(二)): a clerk of a stationed department's window takes a matter received there into
# that department, with its deadline (`dispatch.services.window_self`); only for the window's own department.
MAY_SELF_HANDLE_AT_WINDOW = frozenset({Role.WINDOW_CLERK})
# Calls to the command center and 上级交办 matters, registered by its staff from their own page
# (`intake.services.command.case_register_at_command`), as they could through the API.
MAY_REGISTER_AT_COMMAND = MAY_ACT_FOR_FIRST_RECEIVER

# --- dispatch ---------------------------------------------------------------------------------
# Dispatch, reassign, return for rework, decide declines and extensions, request a summons.
MAY_DISPATCH = frozenset({Role.DUTY_DIRECTOR, Role.DISPATCHER})
# The command center's staff: remind any department, act for one at a summons, decide extensions,
# verify and revisit any matter.
MAY_SUPERVISE_WORK = frozenset({Role.DUTY_DIRECTOR, Role.DISPATCHER, Role.COMMANDER, Role.DEPUTY_COMMANDER})
MAY_APPROVE_SUMMONS = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER})
MAY_DECIDE_EXTENSION = MAY_DISPATCH | MAY_APPROVE_SUMMONS
# 督办: who orders it on an assignment (the duty director on duty, the commanders), and who may be named
# its supervising leader (the commanders, the center's leaders and the departments' leaders in charge,
# `dispatch.selectors.work.supervising_leaders`); the leaders read "我督办的事项".
MAY_ORDER_SUPERVISION = MAY_DISPATCH | MAY_APPROVE_SUMMONS
MAY_LEAD_SUPERVISION = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.LEADER})
# 领导通 (seed 002 三(三)): the leaders follow matters they may see (关注), give instructions (批示) on a
# matter or a letter that the handling departments must answer, and start 督办 from the phone
# (`command.services.leaders`); the same people who may be named a supervising leader.
MAY_LEAD_FROM_PHONE = MAY_LEAD_SUPERVISION
MAY_CLOSE_SUMMONS = MAY_DISPATCH | MAY_APPROVE_SUMMONS
MAY_VERIFY = MAY_SUPERVISE_WORK | {Role.GRID_WORKER}
MAY_REVISIT = MAY_SUPERVISE_WORK | {Role.WINDOW_CLERK, Role.GRID_WORKER}
MAY_CLOSE = MAY_SUPERVISE_WORK | {Role.WINDOW_CLERK}
# Confirm (or not) that a matter's demand was unreasonable and it is 不参评 (four eyes: not the proposer).
MAY_CONFIRM_EXCLUSION = MAY_APPROVE_SUMMONS
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
) | MAY_CHAIR_CENTER_MEETINGS
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
# Duty attendance (issue 23, 6): who signs in and out at the center (the duty directors and the rotating
# departments' staff, and the center's staff who confirm others), and who shows the screen's code.
MAY_SIGN_IN_AT_CENTER = MAY_SUPERVISE_WORK | MAY_HANDLE_ASSIGNMENTS
MAY_SHOW_SIGN_CODE = MAY_SUPERVISE_WORK
MAY_VIEW_MODE = MAY_SWITCH_MODE | {Role.ADMINISTRATOR, Role.LEADER} | MAY_CHAIR_CENTER_MEETINGS
# The wartime response page (its plan, rota, standby, micro-grids, teams, timeline): everyone the plan
# tells, i.e. the center's people and the departments'; grid workers read wartime on their phone pages.
MAY_READ_WARTIME = EVERYONE - {Role.GRID_WORKER}
MAY_VIEW_STATUS = frozenset({Role.ADMINISTRATOR, Role.COMMANDER})
MAY_ADMINISTER = frozenset({Role.ADMINISTRATOR})

# --- review: assessment, dashboard, work report ---------------------------------------------------
MAY_READ_ASSESSMENT = frozenset(
    {Role.LEADER, Role.ADMINISTRATOR, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.DUTY_DIRECTOR}
) | MAY_CHAIR_CENTER_MEETINGS
MAY_PUBLISH_ASSESSMENT = frozenset({Role.ADMINISTRATOR})
MAY_READ_DASHBOARD = MAY_READ_ASSESSMENT | {Role.DISPATCHER}
MAY_WRITE_REPORT_COMMENTARY = frozenset({Role.DUTY_DIRECTOR, Role.ADMINISTRATOR})


# --- command: risk radar, warning letters, consultations, daily report (review) ---------------
# The radar, every letter, consultation and daily report of the district (leaders read them).
MAY_READ_COMMAND = frozenset(
    {Role.DUTY_DIRECTOR, Role.DISPATCHER, Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.LEADER, Role.ADMINISTRATOR}
) | MAY_CHAIR_CENTER_MEETINGS
# Dismiss a risk signal, issue a 工作提示函 / 风险预警函, issue the daily report of key disputes.
MAY_DECIDE_SIGNALS = frozenset({Role.DUTY_DIRECTOR, Role.COMMANDER, Role.DEPUTY_COMMANDER})
MAY_ISSUE_LETTERS = MAY_DECIDE_SIGNALS
MAY_ISSUE_DAILY_REPORT = MAY_DECIDE_SIGNALS
# Schedule consultations, set their agenda, record minutes and decisions (their chair may too).
MAY_ORGANIZE_CONSULTATIONS = MAY_DECIDE_SIGNALS | {Role.DISPATCHER} | MAY_CHAIR_CENTER_MEETINGS
# Draft daily reports (before the duty director issues them).
MAY_READ_DAILY_REPORT_DRAFTS = MAY_ORGANIZE_CONSULTATIONS | {Role.ADMINISTRATOR}
# Who receives the issued daily report.
MAY_RECEIVE_DAILY_REPORT = frozenset({Role.LEADER, Role.COMMANDER, Role.DEPUTY_COMMANDER}) | MAY_CHAIR_CENTER_MEETINGS
# 研判专报 (seed 000 三(一)): drafted from the data, its theme sections edited by the duty director (on duty)
# and issued by the commander to the district's leaders (the daily report's readers).
MAY_EDIT_ANALYSIS = frozenset({Role.DUTY_DIRECTOR})
MAY_ISSUE_ANALYSIS = frozenset({Role.COMMANDER})
MAY_READ_ANALYSIS_DRAFTS = MAY_EDIT_ANALYSIS | MAY_ISSUE_ANALYSIS | MAY_CHAIR_CENTER_MEETINGS | {
    Role.DEPUTY_COMMANDER, Role.DISPATCHER, Role.ADMINISTRATOR}
# 情况报告 (seed 003 情况报告制度): the duty director on duty or a commander reports a major case or sudden
# event at once and follows it up (续报) until it ends; the leaders and commanders receive it.
MAY_FILE_URGENT_REPORT = MAY_DECIDE_SIGNALS
MAY_RECEIVE_URGENT_REPORT = MAY_RECEIVE_DAILY_REPORT


# --- the accountability ladder (issue 22 item 8) --------------------------------------------------
# Skip rungs of an overdue assignment's ladder, with a reason (the commanders).
MAY_SKIP_RUNGS = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER})
# Answer a referral for the department and the named staff (the 区效能办); who reads the referrals.
MAY_ANSWER_REFERRALS = frozenset({Role.EFFICIENCY_OFFICE})
MAY_READ_REFERRALS = MAY_ANSWER_REFERRALS | frozenset(
    {Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.DUTY_DIRECTOR, Role.LEADER, Role.ADMINISTRATOR})


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


def roles_refusal(allowed: frozenset[str]) -> str:
    """Why a page refused a user holding none of `allowed` (the 403 page shows it): whom it is for."""
    names = "、".join(str(label) for code, label in Role.choices if code in allowed)
    return gettext("此页面供%(roles)s使用，您当前的角色不在其中；如需使用，请联系中心管理员分配角色。") % {
        "roles": names}


def require_may(user: AbstractBaseUser | AnonymousUser, allowed: frozenset[str]) -> None:
    """A page's role check: refuses (403, with `roles_refusal`) a user holding none of `allowed`."""
    if not may(user, allowed):
        raise PermissionDenied(roles_refusal(allowed))


def user_department_ids(user: AbstractBaseUser | AnonymousUser) -> set[int]:
    """The departments a person acts for: their profile's department, and where they are liaison."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_work_department_ids", None)
    if cached is None:
        ids = set(Profile.objects.filter(user=user, department__isnull=False).values_list("department_id", flat=True))
        ids |= set(Department.objects.filter(liaison=user).values_list("pk", flat=True))
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

def departments_led_by(*, user: AbstractBaseUser) -> frozenset[int]:
    """The departments a leader is in charge of (分管领导): `Department.leader_in_charge`, or a
    leader's profile department. Cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_led_department_ids", None)
    if cached is None:
        ids: set[int] = set(Department.objects.filter(leader_in_charge=user).values_list("pk", flat=True))
        if Role.LEADER in user_roles(user):
            ids |= set(Profile.objects.filter(user=user, department__isnull=False).values_list("department_id", flat=True))
        cached = frozenset(ids)
        user._led_department_ids = cached
    return cached
