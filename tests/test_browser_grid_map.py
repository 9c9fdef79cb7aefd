"""The demo's grid map for a newcomer: seed_demo gives the unit grids a schematic layout (no real
boundaries offline), the map draws it coloured by open matters and says 示意 on it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from governance.models import Grid
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_map_is_coloured_and_labelled_schematic(page, login):
    call_command("seed_demo", verbosity=0)
    units = Grid.objects.filter(level="unit", code__startswith="350521")
    assert units.count() == units.filter(boundary__schematic=True).count() > 100
    login("director")
    page.goto(f"{page.base_url}/grid/tree/")
    page.wait_for_selector("[data-testid=grid-map][data-ready='1']")
    assert page.get_attribute("[data-testid=grid-map]", "data-features") == str(units.count())
    assert "不是真实边界" in page.inner_text("[data-testid=map-schematic]")
    canvas = page.query_selector("[data-testid=grid-map] canvas")
    box = canvas.bounding_box()
    assert box["width"] > 300 and box["height"] > 300
    screenshot(page, "grid-map-schematic")
