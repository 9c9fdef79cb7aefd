"""A schematic map for the demo district (示意图): real boundaries of 惠安县's villages are not
available offline, so the demo's unit grids get generated rectangles — the four towns side by side,
their villages in rows, each village's unit grids numbered west to east — clearly marked
`schematic` (the map says 示意, not real boundaries). Loaded through the ordinary GeoJSON import
path (`grids_import(boundaries_data=...)`); a grid that already has a boundary keeps it."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from typing import Any

from governance.choices import GridLevel
from governance.models import Grid
from grid.importing import COLUMNS, ImportResult, grids_import

TOWN_SIZE = 10.0  # each town a square block of the drawing (abstract units, not degrees on Earth)
TOWN_GAP = 0.8
VILLAGE_GAP = 0.12


def _ring(x1: float, y1: float, x2: float, y2: float) -> list[list[list[float]]]:
    points = [[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]
    return [[[round(x, 4), round(y, 4)] for x, y in points]]


def schematic_layout(towns: list[Grid], villages: dict[int, list[Grid]], units: dict[int, list[Grid]]
                     ) -> list[dict[str, Any]]:
    """Features for the unit grids: towns in a row of blocks, villages in a near-square grid of
    cells inside their town (north to south, west to east, by code), units as strips of a cell."""
    features = []
    per_row = math.ceil(math.sqrt(len(towns))) or 1
    for t_index, town in enumerate(towns):
        tx = (t_index % per_row) * (TOWN_SIZE + TOWN_GAP)
        ty = -(t_index // per_row) * (TOWN_SIZE + TOWN_GAP)
        own = villages.get(town.pk, [])
        cols = math.ceil(math.sqrt(len(own))) or 1
        rows = math.ceil(len(own) / cols) or 1
        width, height = TOWN_SIZE / cols, TOWN_SIZE / rows
        for v_index, village in enumerate(own):
            left = tx + (v_index % cols) * width + VILLAGE_GAP / 2
            top = ty - (v_index // cols) * height - VILLAGE_GAP / 2
            strips = units.get(village.pk, [])
            strip = (width - VILLAGE_GAP) / (len(strips) or 1)
            for u_index, unit in enumerate(strips):
                x1 = left + u_index * strip
                features.append({
                    "type": "Feature",
                    "properties": {"code": unit.code, "name": unit.name, "schematic": True},
                    "geometry": {"type": "Polygon",
                                 "coordinates": _ring(x1, top - height + VILLAGE_GAP, x1 + strip, top)},
                })
    return features


def demo_schematic_files(*, town_codes: tuple[str, ...]) -> tuple[str, str]:
    """The grid file (the unit grids as they are) and the GeoJSON of their schematic boundaries, for
    the unit grids under `town_codes` that have no boundary yet."""
    towns = list(Grid.objects.filter(level=GridLevel.TOWN, code__in=town_codes).order_by("code"))
    villages: dict[int, list[Grid]] = defaultdict(list)
    for village in Grid.objects.filter(level=GridLevel.VILLAGE, town__in=towns).order_by("code"):
        villages[village.town_id].append(village)  # by its town: a village may sit in a work area (片)
    units: dict[int, list[Grid]] = defaultdict(list)
    for unit in (Grid.objects.filter(level=GridLevel.UNIT, parent__in=[v for vs in villages.values() for v in vs])
                 .select_related("parent").order_by("code")):
        units[unit.parent_id].append(unit)
    features = schematic_layout(towns, villages, units)
    unset = set(Grid.objects.filter(code__in=[f["properties"]["code"] for f in features], boundary__isnull=True)
                .values_list("code", flat=True))
    features = [f for f in features if f["properties"]["code"] in unset]
    by_code = {u.code: u for us in units.values() for u in us}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for feature in features:
        unit = by_code[feature["properties"]["code"]]
        writer.writerow([unit.code, unit.name, "unit", unit.parent.code, "", "", ""])
    geojson = {"type": "FeatureCollection", "name": "示意图（非真实边界）", "schematic": True, "features": features}
    return out.getvalue(), json.dumps(geojson, ensure_ascii=False)


def demo_schematic_load(*, town_codes: tuple[str, ...]) -> ImportResult | None:
    grid_file, boundaries = demo_schematic_files(town_codes=town_codes)
    if grid_file.count("\n") <= 1:
        return None  # every unit grid has a boundary already (or there are none)
    return grids_import(data=grid_file.encode(), filename="demo-schematic.csv",
                        boundaries_data=boundaries.encode())
