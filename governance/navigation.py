"""Navigation by role and level: each entry names the roles that see it and, when its work belongs to some
levels only, the levels of center whose people see it (a village station runs no radar, the district's
monthly assessment is not a town's page); apps register their own entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from governance.choices import CenterLevel
from governance.roles import EVERYONE, MAY_ADMINISTER, MAY_VIEW_STATUS, user_roles
from governance.scope import EVERY_DISTRICT, territory_for_user

ALL_LEVELS = frozenset(CenterLevel.values)
DISTRICT_LEVEL = frozenset({CenterLevel.DISTRICT})
COMMAND_LEVELS = frozenset({CenterLevel.DISTRICT, CenterLevel.TOWN})  # the levels that run command work
BELOW_DISTRICT = frozenset({CenterLevel.TOWN, CenterLevel.VILLAGE})


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    order: int = 100
    first: bool = False  # above the day and the post: what the person came to do
    when: Callable[[AbstractBaseUser | AnonymousUser], bool] | None = None  # a further test of the user
    levels: frozenset[str] = ALL_LEVELS  # the levels of center (CenterLevel) whose people see it


_REGISTRY: list[NavEntry] = []


def register(label: str | Promise, url_name: str, roles: set[str] | frozenset[str], order: int = 100,
             when: Callable[[AbstractBaseUser | AnonymousUser], bool] | None = None,
             levels: frozenset[str] = ALL_LEVELS) -> None:
    """Called from an app's `ready()`; entries whose URL is not installed are skipped at render.
    `when(user)`, if given, must also hold (e.g. the user reads a territory: `governance.scope`);
    `levels` are the levels of center whose people see the entry (`user_level`)."""
    entry = NavEntry(label=label, url_name=url_name, roles=frozenset(roles), order=order, when=when,
                     levels=frozenset(levels))
    if entry not in _REGISTRY:
        _REGISTRY.append(entry)


def user_level(user: AbstractBaseUser | AnonymousUser) -> str:
    """The level of the user's center (`governance.scope`); a superuser of no center counts as the
    district's, and a user of no center too (`center_for_user` falls back to the district center)."""
    level = territory_for_user(user=user).level
    return CenterLevel.DISTRICT if level in (EVERY_DISTRICT, "") else level


def navigation_for(user: AbstractBaseUser | AnonymousUser) -> list[dict[str, str]]:
    roles = user_roles(user)
    level = user_level(user) if user.is_authenticated else CenterLevel.DISTRICT
    items: list[dict[str, str]] = []
    for entry in sorted(_REGISTRY, key=lambda e: e.order):
        if not (roles & entry.roles) or level not in entry.levels:
            continue
        if entry.when is not None and not entry.when(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": str(entry.label), "url": url, "name": entry.url_name})
    return items


@dataclass(frozen=True)
class HomePanel:
    """A panel on the home page: `context(user)` returns what `template` shows, or None to skip it."""

    template: str
    context: Callable[[AbstractBaseUser], dict[str, Any] | None]
    roles: frozenset[str]
    order: int = 100
    first: bool = False  # above the day and the post: what the person came to do


_HOME_PANELS: list[HomePanel] = []


def register_home_panel(template: str, context: Callable[[AbstractBaseUser], dict[str, Any] | None],
                        roles: set[str] | frozenset[str], order: int = 100, *, first: bool = False) -> None:
    """Called from an app's `ready()` (like `register`): the home page shows the panel to those roles;
    `first` puts it at the top, above the day and the post (a role's main actions, a call to act now)."""
    panel = HomePanel(template=template, context=context, roles=frozenset(roles), order=order, first=first)
    if panel not in _HOME_PANELS:
        _HOME_PANELS.append(panel)


def home_panels_for(user: AbstractBaseUser) -> list[dict[str, Any]]:
    roles = user_roles(user)
    shown = []
    for panel in sorted(_HOME_PANELS, key=lambda p: p.order):
        if roles & panel.roles:
            context = panel.context(user)
            if context is not None:
                shown.append({"template": panel.template, "context": context, "first": panel.first})
    return shown


register(_("首页"), "home", EVERYONE, order=0)
register(_("组织机构"), "governance:directory", EVERYONE, order=80)
register(_("工作日历"), "governance:calendar", EVERYONE, order=85)
register(_("系统状态"), "governance:status", MAY_VIEW_STATUS, order=90)
register(_("管理后台"), "admin:index", MAY_ADMINISTER, order=95)
