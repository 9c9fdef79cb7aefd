"""Roles are Django groups with stable code names; the Chinese label is what people see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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


# Groupings several apps ask about.
# The center's own people: they see every matter of their district.
CENTER_ROLES = frozenset(
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
# Departments' people: they see what was assigned to their department.
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_LIAISON, Role.DEPARTMENT_HANDLER})
COMMAND_ROLES = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER})  # approve summons, switch modes


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
