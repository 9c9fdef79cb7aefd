"""Wartime in the grid (平战转换): when the commander declares wartime, the district's micro-grids
become active with their wartime responsible people, and departments' reinforcements can be
assigned to grids; when it ends, the micro-grids activated then are deactivated and every
reinforcement is released. Both recorded (WartimeActivation, assignments with dates)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

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




def grid_wartime_on_mode_switch(*, mode: object) -> None:
    """Registered with dispatch's mode switch: activate on wartime, release on normal."""
    now = mode.switched_at
    center = mode.center
    if mode.kind == "wartime":
        micro = list(Grid.objects.filter(_district_grids(center), level=GridLevel.MICRO, active=False)
                     .values_list("pk", flat=True))
        Grid.objects.filter(pk__in=micro).update(active=True)
        WartimeActivation.objects.create(center=center, mode=mode, started_at=now, activated_grid_ids=micro)
    else:
        open_ = list(WartimeActivation.objects.filter(center=center, ended_at__isnull=True))
        for activation in open_:
            if WartimeActivation.objects.filter(pk=activation.pk, ended_at__isnull=True).update(ended_at=now) != 1:
                continue
            Grid.objects.filter(pk__in=activation.activated_grid_ids).update(active=False)
            reinforcements_release(activation=activation, now=now)


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
