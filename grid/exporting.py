"""The grid tree written out in the columns import_grids reads (export_grids, the admin's download): the same file imports again unchanged."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from governance.models import Grid
from grid.choices import LeaderRole
from grid.importing import COLUMNS, DEPTH
from grid.models import GridLeader


# --- export ----------------------------------------------------------------------------------------------
def grids_export_rows(*, root: Grid | None = None) -> Iterator[list[str]]:
    """The same columns back (header first), parents before children; text stays text."""
    yield list(COLUMNS)
    rows = Grid.objects.select_related("parent").order_by("code")
    leaders = dict(GridLeader.objects.filter(role=LeaderRole.LEADER).values_list("grid_id", "name"))
    items = list(rows)
    if root is not None:
        keep = {root.pk}
        for grid in sorted(items, key=lambda g: DEPTH.get(g.level, 9)):
            if grid.parent_id in keep:
                keep.add(grid.pk)
        items = [g for g in items if g.pk in keep]
    for grid in sorted(items, key=lambda g: (DEPTH.get(g.level, 9), g.code)):
        yield [grid.code, grid.name, grid.level, grid.parent.code if grid.parent else "",
               "" if grid.population is None else str(grid.population),
               "" if grid.households is None else str(grid.households), leaders.get(grid.pk, "")]


def grids_export_csv(out: IO[str], *, root: Grid | None = None) -> int:
    writer = csv.writer(out)
    count = -1
    for count, row in enumerate(grids_export_rows(root=root)):  # noqa: B007
        writer.writerow(row)
    return count
