"""The grid tree with its counts, the map data from boundaries, a grid's page; center roles only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.models import Grid
from grid.selectors import grid_tree
from grid.tests.test_services import report

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[118.6, 24.9], [118.61, 24.9], [118.61, 24.91], [118.6, 24.9]]]}


def test_tree_counts_roll_up(territory, django_assert_max_num_queries):
    t = territory
    Grid.objects.filter(pk=t.unit.pk).update(population=720)
    Grid.objects.filter(pk=t.other_unit.pk).update(population=1200)
    report(t)
    with django_assert_max_num_queries(4):  # grids, wartime?, assignments, matters
        [root] = grid_tree()
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
    assert client.get(reverse("grid:map-data") + "?level=bogus").status_code == 400
    grid_page = client.get(reverse("grid:grid", args=[t.unit.pk])).content.decode()
    assert "挡土墙开裂" in grid_page and "专职网格员" in grid_page


def test_grid_workers_and_departments_cannot_read_the_tree(client, territory):
    client.force_login(territory.worker)
    assert client.get(reverse("grid:tree")).status_code == 403
    assert client.get(reverse("grid:map-data")).status_code == 403
    client.force_login(territory.town_liaison)
    assert client.get(reverse("grid:grid", args=[territory.unit.pk])).status_code == 403
