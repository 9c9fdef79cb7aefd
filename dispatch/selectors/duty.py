"""Duty-based rights: who runs the command center *now* (seed 000 一(四), 四).

The duty director runs the center during his duty and requests the summons; the deputy (副班) of the
same shift stands in for him; the commander and deputy commanders act at any time. Everyone else of
the center reads, unless the commander opened the duty director's rights to them for a period with a
recorded reason (`ActingGrant`, e.g. the director on duty is ill).

Two kinds of work are told apart:

- `FLOW` (接收、流转、跟踪: dispatch, reassign, remind, return for rework, move up or down): what the
  dispatchers (值班调度员, the grid office's full-time staff) do at the desk under the duty director;
- `DIRECT` (the duty director's decisions: request and close a summons, decide extensions and
  declines, supervised handling, and the command work of the radar, letters and reports).

A center that keeps no duty roster (a town sub-center, a village station) has no rotation: its own
duty director and staff act for it. Which center an actor may act in at all is the scope's question;
this module answers only "now".
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.models import ActingGrant
from dispatch.selectors.roster import DutyDay, commanders_on_duty, duty_director_on_duty, users_named
from governance.errors import NotFoundError, PermissionDeniedError
from governance.models import Center
from governance.roles import MAY_ACT_AT_ANY_TIME, MAY_ACT_AT_THE_DESK, MAY_ACT_ON_DUTY, user_roles
from governance.selectors import center_for_user

FLOW = "flow"
DIRECT = "direct"


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def acting_grants_in_force(*, center: Center, at: dt.datetime) -> QuerySet[ActingGrant]:
    """The commander's grants running at `at` (not withdrawn), for the board."""
    return (ActingGrant.objects.filter(center=center, starts_at__lte=at, ends_at__gt=at, revoked_at__isnull=True)
            .select_related("user", "granted_by").order_by("ends_at", "pk"))


def acting_grants_recent(*, center: Center, at: dt.datetime, limit: int = 20) -> list[ActingGrant]:
    """Grants running or still to come, and those ended in the last week (withdrawn ones too)."""
    return list(ActingGrant.objects.filter(center=center, ends_at__gte=at - dt.timedelta(days=7))
                .select_related("user", "granted_by", "revoked_by").order_by("-starts_at", "-pk")[:limit])


def acting_grant_get(*, center: Center, pk: int) -> ActingGrant:
    grant = ActingGrant.objects.filter(center=center, pk=pk).select_related("user").first()
    if grant is None:
        raise NotFoundError()
    return grant


@dataclass(frozen=True)
class DutyNow:
    """Who is on duty at a center now: for the board's banner and for every check below."""

    center: Center
    at: dt.datetime
    keeps_roster: bool
    day: DutyDay | None
    commanders: list[AbstractBaseUser] = field(default_factory=list)
    deputies: list[AbstractBaseUser] = field(default_factory=list)
    grants: list[ActingGrant] = field(default_factory=list)

    @property
    def on_shift(self) -> set[int]:
        """The duty director on duty and the deputy of the same shift (the main director on leave
        while his deputy covers is not on the shift)."""
        if self.day is None:
            return set()
        return {person.pk for person in (self.day.director, self.day.deputy_director) if person is not None}

    @property
    def director_name(self) -> str:
        return _name(self.day.director) if self.day else ""

    @property
    def deputy_name(self) -> str:
        if self.day is None or self.day.deputy_director is None or self.day.deputy_director == self.day.director:
            return ""
        return _name(self.day.deputy_director)

    @property
    def commanders_named(self) -> str:
        return users_named([*self.commanders, *self.deputies])

    def grant_for(self, user: AbstractBaseUser) -> ActingGrant | None:
        return next((grant for grant in self.grants if grant.user_id == user.pk), None)


# Within one page read (a GET, `dispatch.middleware.DutyOncePerReadMiddleware`), a center's duty now is
# resolved once: a matter's page asked it five times (its duty panel, may it be followed up, revisited,
# confirmed …), six statements each. None outside such a request: every other caller resolves it afresh.
_resolved_this_read: contextvars.ContextVar[dict[int, DutyNow] | None] = contextvars.ContextVar(
    "duty_resolved_this_read", default=None)


@contextlib.contextmanager
def duty_resolved_once() -> Iterator[None]:
    """Within the block, `duty_now(center=…)` without `at` is resolved once per center (a page read:
    nothing in it changes the rota)."""
    token = _resolved_this_read.set({})
    try:
        yield
    finally:
        _resolved_this_read.reset(token)


def duty_now(*, center: Center, at: dt.datetime | None = None) -> DutyNow:
    resolved = _resolved_this_read.get() if at is None else None
    if resolved is not None and center.pk in resolved:
        return resolved[center.pk]
    at = at or timezone.now()
    day = duty_director_on_duty(center=center, at=at)
    command = commanders_on_duty(center=center, at=at)
    # A center with no rotation in force today (a town sub-center, a village station) keeps no roster.
    now = DutyNow(center=center, at=at, keeps_roster=day.roster is not None, day=day,
                  commanders=command.commanders, deputies=command.deputies,
                  grants=list(acting_grants_in_force(center=center, at=at)))
    if resolved is not None:
        resolved[center.pk] = now
    return now


@dataclass(frozen=True)
class DutyStanding:
    """What one person may do at a center now, and why not (Chinese, for the page; `code` for the API)."""

    may_flow: bool
    may_direct: bool
    basis: str
    flow_refusal: str = ""
    direct_refusal: str = ""
    code: str = ""
    grant: ActingGrant | None = None

    def may(self, task: str) -> bool:
        return self.may_direct if task == DIRECT else self.may_flow

    def refusal(self, task: str) -> str:
        return self.direct_refusal if task == DIRECT else self.flow_refusal


def _off_duty_message(now: DutyNow) -> str:
    day = now.day
    if day is None or day.director is None:
        gap = day.gap_label if day is not None else ""
        return gettext("今天无人值班（%(gap)s），您只能查看：派单、召集部门等处置由值班的轮值主任负责；"
                       "请指挥长、副指挥长（%(commanders)s）授权人员代行。") % {
            "gap": gap or gettext("未排班"), "commanders": now.commanders_named or gettext("未设置")}
    who = now.director_name
    if day.department is not None:
        who = f"{who}（{day.department}，{day.role_label}）"
    if now.deputy_name:
        who = gettext("%(who)s，副班 %(deputy)s") % {"who": who, "deputy": now.deputy_name}
    return gettext("您现在不在值班，只能查看：今天值班的轮值主任是 %(who)s。轮值主任只在值班期间派单、召集部门和处置事项"
                   "（第000号文 一(四)、四）；如需由您代为处置（例如值班主任生病），请指挥长授权。") % {"who": who}


def _dispatcher_message() -> str:
    return gettext("调度员负责事项的接收、流转和跟踪；召集部门、审批延期、裁定退回、督办和研判发函由值班的轮值主任"
                   "（或指挥长、副指挥长）决定（第000号文 一(四)、四）。如需由您代为办理，请指挥长授权。")


def duty_standing(*, actor: AbstractBaseUser, center: Center, at: dt.datetime | None = None,
                  now: DutyNow | None = None) -> DutyStanding:
    """May `actor` act at `center` at `at`, for routine flow and for the duty director's decisions?

    Only the duty rule: whether the actor holds a role that acts at all is `governance.roles`'s
    question, and whether this is their center the scope's."""
    roles = user_roles(actor)
    if roles & MAY_ACT_AT_ANY_TIME:
        return DutyStanding(may_flow=True, may_direct=True, basis=gettext("指挥长、副指挥长随时可以处置"))
    if not roles & (MAY_ACT_ON_DUTY | MAY_ACT_AT_THE_DESK):
        # No duty-bound role: the duty rule does not concern them (their role rule decides alone,
        # e.g. the administrator's report commentary).
        return DutyStanding(may_flow=True, may_direct=True, basis="")
    now = now or duty_now(center=center, at=at)
    grant = now.grant_for(actor)
    if grant is not None:
        basis = gettext("指挥长 %(by)s 授权代行轮值主任职责至 %(until)s（%(reason)s）") % {
            "by": _name(grant.granted_by), "until": f"{timezone.localtime(grant.ends_at):%m-%d %H:%M}",
            "reason": grant.reason}
        return DutyStanding(may_flow=True, may_direct=True, basis=basis, grant=grant)
    if not now.keeps_roster:
        # A town sub-center or village station: no rotation, its own staff run it.
        if roles & MAY_ACT_ON_DUTY:
            return DutyStanding(may_flow=True, may_direct=True, basis=gettext("本中心不排轮值，由本中心负责人处置"))
        return DutyStanding(may_flow=True, may_direct=False, basis=gettext("调度员：接收、流转、跟踪"),
                            direct_refusal=_dispatcher_message(), code="dispatcher_not_director")
    if roles & MAY_ACT_ON_DUTY and actor.pk in now.on_shift:
        label = gettext("您正在值班（%(role)s）") % {
            "role": now.day.role_label if actor == now.day.director else gettext("副班")}
        return DutyStanding(may_flow=True, may_direct=True, basis=label)
    if roles & MAY_ACT_AT_THE_DESK:
        return DutyStanding(may_flow=True, may_direct=False, basis=gettext("调度员：接收、流转、跟踪"),
                            direct_refusal=_dispatcher_message(), code="dispatcher_not_director")
    message = _off_duty_message(now)
    return DutyStanding(may_flow=False, may_direct=False, basis=gettext("不在值班（只读）"), flow_refusal=message,
                        direct_refusal=message, code="not_on_duty")


def acting_data(standing: DutyStanding) -> dict[str, object]:
    """What a timeline event records of an action taken under the commander's grant (the grant, its
    reason, who gave it): empty otherwise."""
    grant = standing.grant
    if grant is None:
        return {}
    return {"acting_grant": grant.pk, "acting_reason": grant.reason, "acting_granted_by": grant.granted_by_id}


def require_on_duty(*, actor: AbstractBaseUser, center: Center, task: str, now: dt.datetime | None = None) -> DutyStanding:
    """Raise `PermissionDeniedError` (code `not_on_duty` or `dispatcher_not_director`) unless `actor`
    may do `task` (FLOW or DIRECT) now. Called by every service of the command center's work after its
    role and scope checks, with the center the work is at. The duty asked about is the actor's own: at
    the center they belong to (a district duty director off duty does not act through a town's matter
    because the town keeps no rotation); `center` when they belong to none."""
    home = center_for_user(user=actor) if actor.is_authenticated else None
    standing = duty_standing(actor=actor, center=home or center, at=now)
    if not standing.may(task):
        raise PermissionDeniedError(standing.refusal(task) or gettext("您没有执行此操作的权限。"),
                                    code=standing.code or "permission_denied")
    return standing


def duty_flow_check(*, actor: AbstractBaseUser, center: Center) -> None:
    """`require_on_duty` for the routine flow, as intake asks it (`intake.hooks.duty_flow_check`): a
    matter settled on the spot or sent on by the center's staff for its first receiver."""
    require_on_duty(actor=actor, center=center, task=FLOW)
