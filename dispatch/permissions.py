"""Which roles may see and do what in the dispatch app (checked by pages, the API and services)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from governance.roles import COMMAND_ROLES, Role, has_role

ROSTER_VIEWERS = frozenset(
    {
        Role.DUTY_DIRECTOR,
        Role.DISPATCHER,
        Role.COMMANDER,
        Role.DEPUTY_COMMANDER,
        Role.ADMINISTRATOR,
        Role.LEADER,
    }
)
# May enter any override or swap, also on someone else's behalf.
ROSTER_MANAGERS = frozenset({Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.ADMINISTRATOR})
MODE_SWITCHERS = COMMAND_ROLES
MODE_VIEWERS = MODE_SWITCHERS | {Role.ADMINISTRATOR, Role.LEADER}


def can_view_roster(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, *ROSTER_VIEWERS)


def can_manage_roster(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, *ROSTER_MANAGERS)


def can_switch_mode(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, *MODE_SWITCHERS)


def can_view_mode(user: AbstractBaseUser | AnonymousUser) -> bool:
    return has_role(user, *MODE_VIEWERS)
