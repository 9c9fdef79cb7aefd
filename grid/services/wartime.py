"""Wartime in the grid (平战转换): when the commander declares wartime, the district's micro-grids
become active with their wartime responsible people, and departments' reinforcements can be
assigned to grids; when it ends, the micro-grids activated then are deactivated and every
reinforcement is released. Both recorded (WartimeActivation, assignments with dates)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import WartimeEventType
from dispatch.selectors.wartime import wartime_episode_open
from dispatch.services.common import notify_on_commit
from dispatch.services.wartime import episode_event_record
from governance.choices import GridLevel
from governance.errors import ApplicationError
from governance.models import Center, Department, Grid
from grid.choices import WorkerKind
from grid.models import GridAssignment, WartimeActivation
from grid.services.assignments import grid_assignment_start


def _district_grids(center: Center, *, prefix: str = "") -> Q:
    """Grids below the center's territory (by code prefix for official codes, else every grid);
    `prefix` names the grid relation when filtering another model (`grid__`)."""
    territory = center.territory
    if territory is None or not territory.code.isdigit():
        return Q()
    return Q(**{f"{prefix}code__startswith": territory.code})




def _micro_grids_concerned(center: Center, mode: object) -> Q:
    """The micro-grids under the grids the level's plan names, or the whole district without a plan."""
    episode = getattr(mode, "episode_started", None)
    codes = list(episode.plan.grids.values_list("code", flat=True)) if episode is not None and episode.plan else []
    if not codes:
        return _district_grids(center)
    below = Q()
    for code in codes:
        below |= Q(code__startswith=code)
    return below


def _people_of(grid_ids: list[int], day: dt.date) -> dict[int, list[str]]:
    """The wartime responsible people of each micro-grid on `day` (names), for the episode's record."""
    people: dict[int, list[str]] = {pk: [] for pk in grid_ids}
    rows = (GridAssignment.objects.filter(grid_id__in=grid_ids, starts_on__lte=day)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day)).select_related("worker").order_by("grid_id", "pk"))
    for row in rows:
        people[row.grid_id].append(row.worker.get_full_name() or row.worker.get_username())
    return people


def grid_wartime_on_mode_switch(*, mode: object) -> None:
    """Registered with dispatch's mode switch: activate on wartime, release on normal; each recorded
    on the wartime episode's timeline, and the micro-grids' people told."""
    now = mode.switched_at
    center = mode.center
    episode = getattr(mode, "episode_started", None) if mode.kind == "wartime" else wartime_episode_open(center=center)
    if mode.kind == "wartime":
        micro = list(Grid.objects.filter(_micro_grids_concerned(center, mode), level=GridLevel.MICRO, active=False)
                     .values_list("pk", flat=True))
        Grid.objects.filter(pk__in=micro).update(active=True)
        WartimeActivation.objects.create(center=center, mode=mode, started_at=now, activated_grid_ids=micro)
        if episode is not None:
            _record_activation(episode=episode, micro=micro, now=now)
    else:
        open_ = list(WartimeActivation.objects.filter(center=center, ended_at__isnull=True))
        for activation in open_:
            if WartimeActivation.objects.filter(pk=activation.pk, ended_at__isnull=True).update(ended_at=now) != 1:
                continue
            Grid.objects.filter(pk__in=activation.activated_grid_ids).update(active=False)
            released = reinforcements_release(activation=activation, now=now)
            if episode is not None:
                episode_event_record(
                    episode=episode, type=WartimeEventType.MICRO_GRIDS_RELEASED, now=now,
                    summary=gettext("%(count)s 个责任网格停用，%(released)s 名增援力量撤回") % {
                        "count": len(activation.activated_grid_ids), "released": released},
                    data={"grids": activation.activated_grid_ids, "reinforcements_released": released})


def _record_activation(*, episode: object, micro: list[int], now: dt.datetime) -> None:
    grids = Grid.objects.in_bulk(micro)
    people = _people_of(micro, timezone.localdate(now))
    lines = [f"{grids[pk].name}（{'、'.join(people[pk]) or gettext('未配置责任人')}）" for pk in micro]
    episode_event_record(episode=episode, type=WartimeEventType.MICRO_GRIDS_ACTIVATED, now=now,
                         summary=(gettext("启用 %(count)s 个责任网格：") % {"count": len(micro)} + "；".join(lines)),
                         data={"grids": micro, "people": {str(pk): names for pk, names in people.items()}})
    workers = list(GridAssignment.objects.filter(grid_id__in=micro, wartime_only=True).select_related("worker")
                   .values_list("worker", flat=True).distinct())
    users = get_user_model().objects.filter(pk__in=workers, is_active=True)
    notify_on_commit(recipients=list(users), kind="mode.micro_grid_activated", urgent=True,
                     title=gettext("战时：您负责的责任网格已启用，请立即入格"),
                     body="；".join(lines)[:500], link=reverse("grid:home"),
                     dedupe_key=f"wartime:{episode.pk}:micro", now=now)


def reinforcements_release(*, activation: WartimeActivation, now: dt.datetime) -> int:
    """Release every reinforcement of the district still open when its wartime ends, however it
    was made (the service, the admin, an import): each is tied to this wartime period (the
    record of what it reinforced) and ends today. Returns how many were released."""
    today = timezone.localdate(now)
    open_ = (GridAssignment.objects.filter(kind=WorkerKind.REINFORCEMENT)
             .filter(Q(activation=activation) | Q(activation__isnull=True, grid__in=Grid.objects.filter(
                 _district_grids(activation.center))))
             .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today)))
    ids = list(open_.values_list("pk", flat=True))
    # A reinforcement planned to start after today ends on its first day (dates stay ordered); tied
    # to the ended activation, it is in force on no day (`in_force_on`).
    released = GridAssignment.objects.filter(pk__in=ids, starts_on__lte=today).update(
        ends_on=today, activation=activation)
    released += GridAssignment.objects.filter(pk__in=ids, starts_on__gt=today).update(
        ends_on=F("starts_on"), activation=activation)
    return released


def wartime_activation_open(*, center: Center | None = None) -> WartimeActivation | None:
    rows = WartimeActivation.objects.filter(ended_at__isnull=True)
    if center is not None:
        rows = rows.filter(center=center.district_center)
    return rows.order_by("-started_at").first()


def wartime_activation_for_reinforcement() -> WartimeActivation:
    """The wartime period a new reinforcement belongs to; outside wartime there is none to send."""
    activation = WartimeActivation.objects.filter(ended_at__isnull=True).order_by("-started_at").first()
    if activation is None:
        raise ApplicationError(gettext("当前不是战时状态，不能派驻增援力量。"), code="not_wartime")
    return activation


@transaction.atomic
def grid_reinforcement_assign(
    *, actor: AbstractBaseUser, grid: Grid, worker: AbstractBaseUser, department: Department, note: str = "",
    now: dt.datetime | None = None,
) -> GridAssignment:
    """A department's reinforcement to a grid for the wartime period (released when it ends)."""
    now = now or timezone.now()
    activation = wartime_activation_for_reinforcement()
    assignment = grid_assignment_start(actor=actor, grid=grid, worker=worker, kind=WorkerKind.REINFORCEMENT,
                                       starts_on=timezone.localdate(now), department=department, note=note)
    GridAssignment.objects.filter(pk=assignment.pk).update(activation=activation)
    assignment.activation = activation
    return assignment
