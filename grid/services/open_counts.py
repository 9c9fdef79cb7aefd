"""The open matters per grid, counted by the worker every minute for the grid tree and the grid pages
(`grid.tree_selectors.open_counts_per_grid` reads them)."""

from __future__ import annotations

import datetime as dt

from governance.cache import counting_minute
from governance.choices import CenterLevel
from governance.models import Center
from grid.models import OpenCounts
from grid.tree_selectors import count_open_per_grid


def open_counts_refresh(*, now: dt.datetime) -> int:
    """Count each active district's open and overdue matters per grid as of the minute `now` falls in,
    and store them (one row per district, replaced). Returns the number of districts counted."""
    at = counting_minute(now)
    rows = [OpenCounts(district_id=district_id, counted_at=at,
                       counts={str(grid_id): [n, late] for grid_id, (n, late)
                               in count_open_per_grid(district_id=district_id, at=at).items()})
            for district_id in Center.objects.filter(level=CenterLevel.DISTRICT, active=True).values_list("pk", flat=True)]
    OpenCounts.objects.bulk_create(rows, update_conflicts=True, unique_fields=["district"],
                                   update_fields=["counted_at", "counts"])
    return len(rows)
