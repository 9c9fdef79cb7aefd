"""The grid tree and the map: each grid with its workers and open matters, and the grids' outlines as GeoJSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Q,
)
from django.utils import timezone

from governance.cache import counted_once_a_minute
from governance.models import Grid
from grid.models import GridAssignment, OpenCounts
from grid.selectors import in_force_on
from intake.choices import OPEN_STATUSES, CaseStatus
from intake.models import Case


# --- the tree and the map --------------------------------------------------------------------------------
@dataclass
class TreeNode:
    grid: Grid
    children: list[TreeNode]
    workers: int = 0
    residents: int = 0
    open_cases: int = 0
    overdue: int = 0

    @property
    def flagged(self) -> bool:
        return self.grid.population_out_of_range


def grid_tree(*, district_id: int | None, root: Grid | None = None, today: dt.date | None = None) -> list[TreeNode]:
    """The whole tree with counts rolled up from the grids below: workers on duty today,
    residents (unit populations), open and overdue matters of the district `district_id` (None: of
    every district, for a superuser of none). Four queries, whatever its size (grids, whether wartime
    is on, assignments, matters: `open_counts_per_grid`, once a minute)."""
    today = today or timezone.localdate()
    now = timezone.now()
    grids = list(Grid.objects.filter(active=True).only("id", "code", "name", "level", "parent_id", "population",
                                                      "households").order_by("code"))
    nodes = {g.pk: TreeNode(grid=g, children=[]) for g in grids}
    for row in (GridAssignment.objects.filter(in_force_on(today), grid__active=True).values("grid_id")
                .annotate(n=Count("worker", distinct=True))):
        if row["grid_id"] in nodes:
            nodes[row["grid_id"]].workers = row["n"]
    for grid_id, (n, late) in open_counts_per_grid(district_id=district_id, now=now).items():
        if grid_id in nodes:
            nodes[grid_id].open_cases = n
            nodes[grid_id].overdue = late
    roots: list[TreeNode] = []
    for grid in grids:
        node = nodes[grid.pk]
        if grid.level == "unit":
            node.residents = grid.population or 0
        parent = nodes.get(grid.parent_id)
        (parent.children if parent else roots).append(node)

    def roll(node: TreeNode) -> None:
        for child in node.children:
            roll(child)
            node.workers += child.workers
            node.open_cases += child.open_cases
            node.overdue += child.overdue
            node.residents += child.residents
        if not node.residents and node.grid.population:
            node.residents = node.grid.population

    for node in roots:
        roll(node)
    if root is not None:
        found = nodes.get(root.pk)
        return [found] if found else []
    return roots


# A stored count (`OpenCounts`) younger than this is read as it is: the worker counts every minute.
STORED_COUNTS_FRESH = dt.timedelta(minutes=2)


def open_counts_per_grid(*, district_id: int | None, now: dt.datetime) -> dict[int, tuple[int, int]]:
    """Per grid, the district's open matters and how many of them are overdue: as the worker last counted
    them (`OpenCounts`, every minute; the page says so), or, when it has not for STORED_COUNTS_FRESH (no
    worker yet, a reader of every district), counted here once a minute (`governance.cache.
    counted_once_a_minute`), overdue as of that minute."""

    def count(at: dt.datetime) -> dict[int, tuple[int, int]]:
        stored = (OpenCounts.objects.filter(district_id=district_id, counted_at__gte=at - STORED_COUNTS_FRESH)
                  .values_list("counts", flat=True).first() if district_id is not None else None)
        if stored is not None:
            return {int(grid_id): (n, late) for grid_id, (n, late) in stored.items()}
        return count_open_per_grid(district_id=district_id, at=at)

    return counted_once_a_minute("grid-open-counts", str(district_id), count, now=now)


def count_open_per_grid(*, district_id: int | None, at: dt.datetime) -> dict[int, tuple[int, int]]:
    """Per grid, the open matters of the district `district_id` (None: of every district) and how many
    are overdue at `at`, counted in the database from the index `case_district_open_grid` alone."""
    open_matters = Case.objects.filter(~Q(status=CaseStatus.CLOSED), grid__isnull=False)
    if district_id is not None:
        open_matters = open_matters.filter(district_id=district_id)
    return {row["grid_id"]: (row["n"], row["late"]) for row in open_matters.order_by().values("grid_id")
            .annotate(n=Count("grid_id"), late=Count("grid_id", filter=Q(due_at__lt=at)))}


def grid_map_features(*, level: str | None = None, within: Q | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the grids that have a boundary (`within`: of a territory,
    `governance.scope.Territory.grids`), with their open matters (for the ECharts map; no online
    tiles). One query for grids, one for the matters."""
    rows = Grid.objects.filter(within or Q(), active=True, boundary__isnull=False)
    if level:
        rows = rows.filter(level=level)
    grids = list(rows.only("id", "code", "name", "level", "boundary"))
    counts = dict(Case.objects.filter(status__in=OPEN_STATUSES, grid__in=[g.pk for g in grids]).values("grid_id")
                  .annotate(n=Count("pk")).values_list("grid_id", "n"))
    features = [
        {"type": "Feature", "geometry": {"type": g.boundary.get("type"), "coordinates": g.boundary.get("coordinates")},
         "properties": {"name": g.code, "label": g.name, "id": g.pk, "level": g.level, "open": counts.get(g.pk, 0),
                        "schematic": bool(g.boundary.get("schematic"))}}
        for g in grids
    ]
    # Any schematic boundary (the demo's) and the map says so: 示意, not real boundaries.
    return {"type": "FeatureCollection", "schematic": any(f["properties"]["schematic"] for f in features),
            "features": features}
