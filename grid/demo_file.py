"""A grid file for the demo district: its real towns and villages (official 2023 codes) and
about 1,500 unit grids generated on top of them, for `import_grids` and its benchmark."""

from __future__ import annotations

import csv
import io
import random

from governance.demo import DISTRICT_CODE, DISTRICT_NAME, TOWN_CODES, _divisions, _short_name
from grid.importing import COLUMNS

UNIT_GRIDS_TARGET = 1500


def demo_grid_csv(*, units: int = UNIT_GRIDS_TARGET, seed: int = 2023) -> str:
    """CSV text: the district (local code), its four towns, 78 villages, `units` unit grids spread
    over the villages with 500-1,000 residents each (a fixed seed: the same file every time)."""
    rng = random.Random(seed)
    towns, villages = _divisions()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow([DISTRICT_CODE, DISTRICT_NAME, "district", "", "", "", ""])
    for town in towns:
        writer.writerow([town["code"], town["name"], "town", DISTRICT_CODE, "", "", ""])
    per_village, extra = divmod(units, len(villages))
    for index, village in enumerate(villages):
        code = village["code"]
        count = per_village + (1 if index < extra else 0)
        name = _short_name(village["name"])
        writer.writerow([code, name, "village", village["parent_code"], "", "", ""])
        for seq in range(1, count + 1):
            population = rng.randint(500, 1000)
            writer.writerow([f"{code}{seq:03d}", f"{name}第{seq}网格", "unit", code, population,
                             population // 3, ""])
    assert all(t["code"][:9] in TOWN_CODES for t in towns)
    return out.getvalue()
