"""Assigning grid workers to grids with dates; access follows the dates at query time
(`grid.selectors.grids_assigned_on`), so nothing here copies them into permissions."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Department, Grid
from governance.roles import MAY_ASSIGN_GRID_WORKERS, Role, has_role, may
from grid.choices import WorkerKind
from grid.models import GridAssignment


@transaction.atomic
def grid_assignment_start(
    *, actor: AbstractBaseUser | None, grid: Grid, worker: AbstractBaseUser, kind: str = WorkerKind.FULL_TIME,
    starts_on: dt.date, ends_on: dt.date | None = None, department: Department | None = None, note: str = "",
    wartime_only: bool = False,
) -> GridAssignment:
    """Assign `worker` to `grid` from `starts_on`. The same worker twice on the same grid over
    overlapping dates is refused; other workers may share a grid. `wartime_only`: a micro-grid's
    wartime responsible person, in force only while wartime lasts."""
    if actor is not None and not may(actor, MAY_ASSIGN_GRID_WORKERS):
        raise PermissionDeniedError(gettext("只有管理员或中心调度人员可以配置网格员。"))
    if kind not in WorkerKind.values:
        raise ApplicationError(gettext("网格员类别无效。"), field="kind")
    if kind in (WorkerKind.DEPARTMENTAL, WorkerKind.REINFORCEMENT) and department is None:
        raise ApplicationError(gettext("部门网格员和增援力量须填写派出部门。"), field="department")
    if ends_on is not None and ends_on < starts_on:
        raise ApplicationError(gettext("截止日期不能早于起始日期。"), field="ends_on")
    if not has_role(worker, Role.GRID_WORKER):
        raise ApplicationError(gettext("“%(name)s”不是网格员，请先在后台给予网格员角色。") % {
            "name": worker.get_full_name() or worker.get_username()}, field="worker")
    overlapping = GridAssignment.objects.filter(grid=grid, worker=worker).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    if overlapping.exists():
        raise ApplicationError(gettext("该网格员在这段时间已配置在本网格。"), code="overlap")
    assignment = GridAssignment.objects.create(
        grid=grid, worker=worker, kind=kind, starts_on=starts_on, ends_on=ends_on, department=department,
        note=note, created_by=actor, wartime_only=wartime_only)
    return assignment


@transaction.atomic
def grid_assignment_end(
    *, actor: AbstractBaseUser | None, assignment: GridAssignment, ends_on: dt.date,
) -> GridAssignment:
    """End an assignment (the worker moves on); the row stays, so the history keeps its answer."""
    if actor is not None and not may(actor, MAY_ASSIGN_GRID_WORKERS):
        raise PermissionDeniedError(gettext("只有管理员或中心调度人员可以配置网格员。"))
    if ends_on < assignment.starts_on:
        raise ApplicationError(gettext("截止日期不能早于起始日期。"), field="ends_on")
    changed = GridAssignment.objects.filter(pk=assignment.pk).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=ends_on)).update(ends_on=ends_on)
    if changed != 1:
        raise ApplicationError(gettext("该配置已于更早日期结束。"), code="stale_state")
    assignment.ends_on = ends_on
    return assignment
