"""seed_demo gives a newcomer a living grid: workers on their grids, finished patrols with the
ledger collected on them, grid reports at the village station, and a map (schematic, marked so);
running it again adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from governance.models import Grid
from grid.models import CollectedItem, CollectedItemChange, GridAssignment, GridReport, Patrol

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "patrols": Patrol.objects.filter(status="finished").count(),
        "items": CollectedItem.objects.count(),
        "changes": CollectedItemChange.objects.count(),
        "reports": GridReport.objects.count(),
        "assignments": GridAssignment.objects.count(),
        "schematic": Grid.objects.filter(boundary__schematic=True).count(),
    }


def test_seed_demo_gives_a_living_grid_once():
    call_command("seed_demo", verbosity=0)
    first = _counts()
    units = Grid.objects.filter(level="unit", code__startswith="350521").count()
    assert first["patrols"] >= 2 and first["items"] >= 5 and first["changes"] >= 5 and first["reports"] >= 2
    assert first["assignments"] >= 2 and first["schematic"] == units > 100
    report = GridReport.objects.select_related("case__center", "patrol").first()
    assert report.patrol is not None and report.case.channel == "grid_report"
    assert report.case.center.code == "350521104203"  # the village station's queue
    call_command("seed_demo", verbosity=0)
    assert _counts() == first
