"""The grid tree with its counts, the map data from boundaries, a grid's page; center roles only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from governance.choices import CenterLevel
from governance.models import Center, Grid
from grid.models import OpenCounts
from grid.services.open_counts import open_counts_refresh
from grid.tasks import open_counts_refresh as open_counts_refresh_task
from grid.tests.test_services import report
from grid.tree_selectors import grid_tree, open_counts_per_grid
from intake.models import Case

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[118.6, 24.9], [118.61, 24.9], [118.61, 24.91], [118.6, 24.9]]]}


def test_tree_counts_roll_up(territory, django_assert_max_num_queries):
    t = territory
    Grid.objects.filter(pk=t.unit.pk).update(population=720)
    Grid.objects.filter(pk=t.other_unit.pk).update(population=1200)
    report(t)
    with django_assert_max_num_queries(5):  # grids, wartime?, assignments, the worker's count (none), matters
        [root] = grid_tree(district_id=t.district.pk)
    assert root.grid == t.district_grid
    [town] = root.children
    [village] = town.children
    assert (village.workers, village.residents, village.open_cases) == (2, 1920, 1)
    assert (root.workers, root.residents, root.open_cases) == (2, 1920, 1)
    assert [c.flagged for c in village.children] == [False, True]


def test_tree_page_map_and_grid_page(client, territory):
    t = territory
    Grid.objects.filter(pk=t.unit.pk).update(boundary=SQUARE)
    report(t)
    client.force_login(t.director)
    page = client.get(reverse("grid:tree")).content.decode()
    assert 'data-tree-grid="350599100203001"' in page and "vendor/echarts/echarts.min.js" in page
    assert "<script>" not in page
    geo = client.get(reverse("grid:map-data")).json()
    [feature] = geo["features"]
    assert feature["properties"]["open"] == 1 and feature["geometry"]["type"] == "Polygon"
    assert geo["schematic"] is False and "data-testid=\"map-schematic\"" not in page  # a real boundary
    assert client.get(reverse("grid:map-data") + "?level=bogus").status_code == 400
    grid_page = client.get(reverse("grid:grid", args=[t.unit.pk])).content.decode()
    assert "挡土墙开裂" in grid_page and "专职网格员" in grid_page


def test_grid_workers_and_departments_cannot_read_the_tree(client, territory):
    client.force_login(territory.worker)
    assert client.get(reverse("grid:tree")).status_code == 403
    assert client.get(reverse("grid:map-data")).status_code == 403
    client.force_login(territory.town_liaison)
    assert client.get(reverse("grid:grid", args=[territory.unit.pk])).status_code == 403


def test_the_demo_map_is_a_schematic_labelled_as_such_through_the_import(client, territory):
    """No real boundaries offline: the demo's unit grids get generated rectangles, loaded through the
    GeoJSON import, marked schematic; the map and the page say 示意; a real boundary is kept."""
    from grid.demo_map import demo_schematic_files, demo_schematic_load

    t = territory
    grid_file, boundaries = demo_schematic_files(town_codes=("350599100",))
    assert grid_file.splitlines()[1:] == ["350599100203001,上浦村第1网格,unit,350599100203,,,",
                                          "350599100203002,上浦村第2网格,unit,350599100203,,,"]
    result = demo_schematic_load(town_codes=("350599100",))
    assert (result.created, result.updated) == (0, 2)
    first, second = (Grid.objects.get(pk=g.pk).boundary for g in (t.unit, t.other_unit))
    assert first["schematic"] is True and first["type"] == "Polygon"
    ring = first["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    assert max(x for x, _ in ring) <= min(x for x, _ in second["coordinates"][0])  # numbered west to east
    assert demo_schematic_load(town_codes=("350599100",)) is None  # again: nothing to do

    client.force_login(t.director)
    geo = client.get(reverse("grid:map-data")).json()
    assert geo["schematic"] is True and all(f["properties"]["schematic"] for f in geo["features"])
    assert all(set(f["geometry"]) == {"type", "coordinates"} for f in geo["features"])
    page = client.get(reverse("grid:tree")).content.decode()
    assert 'data-testid="map-schematic"' in page and "不是真实边界" in page

    # A real boundary imported later replaces the drawing; the schematic never overwrites one.
    Grid.objects.filter(pk=t.unit.pk).update(boundary=SQUARE)
    Grid.objects.filter(pk=t.other_unit.pk).update(boundary=None)
    demo_schematic_load(town_codes=("350599100",))
    assert Grid.objects.get(pk=t.unit.pk).boundary == SQUARE
    assert Grid.objects.get(pk=t.other_unit.pk).boundary["schematic"] is True


NOON = dt.datetime(2026, 11, 20, 4, 0, 30, tzinfo=dt.UTC)  # 12:00:30 in the district


def test_the_worker_counts_open_matters_per_grid_and_the_pages_read_its_count(territory, django_assert_num_queries):
    """Beat's task counts each district's open matters per grid once a minute; the tree and the grid pages
    read that row (one statement, whatever the matters), also right after the cache was emptied."""
    t = territory
    assert settings.CELERY_BEAT_SCHEDULE["grid-open-counts"]["task"] == "grid.tasks.open_counts_refresh"
    with time_machine.travel(NOON, tick=False):
        report(t)
        Case.objects.filter(grid=t.unit).update(due_at=NOON - dt.timedelta(hours=1))  # overdue
        other = Center.objects.create(name="另一区中心", code="OTHER", level=CenterLevel.DISTRICT)
        assert open_counts_refresh_task() == Center.objects.filter(level=CenterLevel.DISTRICT, active=True).count()
        stored = OpenCounts.objects.get(district=t.district)
        assert stored.counted_at == dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)  # as of the minute
        assert stored.counts == {str(t.unit.pk): [1, 1]}
        assert OpenCounts.objects.get(district=other).counts == {}
        cache.clear()
        with django_assert_num_queries(1):  # the stored row; no count of the matters
            assert open_counts_per_grid(district_id=t.district.pk, now=NOON) == {t.unit.pk: (1, 1)}
    # A second count replaces the row (one per district); a matter closed meanwhile is gone from it.
    later = NOON + dt.timedelta(minutes=1)
    Case.objects.filter(grid=t.unit).update(status="closed")
    open_counts_refresh(now=later)
    assert OpenCounts.objects.filter(district=t.district).count() == 1
    assert OpenCounts.objects.get(district=t.district).counts == {}


def test_without_a_recent_count_of_the_worker_the_page_counts_itself(territory):
    """No worker for STORED_COUNTS_FRESH (stopped, or not started yet): the figures are counted live, not
    shown stale."""
    t = territory
    with time_machine.travel(NOON, tick=False):
        report(t)
        open_counts_refresh(now=NOON - dt.timedelta(minutes=5))
        OpenCounts.objects.filter(district=t.district).update(counts={str(t.unit.pk): [7, 7]})
        cache.clear()
        assert open_counts_per_grid(district_id=t.district.pk, now=NOON) == {t.unit.pk: (1, 0)}
        open_counts_refresh(now=NOON)
        OpenCounts.objects.filter(district=t.district).update(counts={str(t.unit.pk): [7, 7]})
        cache.clear()
        assert open_counts_per_grid(district_id=t.district.pk, now=NOON) == {t.unit.pk: (7, 7)}
