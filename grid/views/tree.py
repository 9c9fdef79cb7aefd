"""The grid tree with its counts, the map drawn from the boundary polygons, and a grid's page."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from governance.choices import GridLevel
from governance.models import Grid
from governance.roles import MAY_SEE_DISTRICT_MATTERS, require_may
from governance.scope import territory_for_user
from grid import selectors as sel
from grid import tree_selectors as tree_sel
from grid.choices import ItemKind
from grid.models import CollectedItem, GridAssignment
from grid.services.wartime import wartime_activation_open
from intake.choices import OPEN_STATUSES
from intake.models import Case
from intake.selectors import cases_visible_to


def _require_reader(request: HttpRequest) -> None:
    require_may(request.user, MAY_SEE_DISTRICT_MATTERS)


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    bounded = Grid.objects.filter(active=True, boundary__isnull=False)
    territory = territory_for_user(user=request.user)
    root = None if territory.is_district else Grid.objects.filter(pk=territory.root_grid_id).first()
    roots = tree_sel.grid_tree(district_id=territory.district_id, root=root) if root is not None or territory.is_district else []
    return render(request, "grid/tree.html", {"roots": roots, "has_boundaries": bounded.exists(),
                                              "schematic": bounded.filter(boundary__schematic=True).exists()})


@login_required
def map_data(request: HttpRequest) -> JsonResponse:
    _require_reader(request)
    level = request.GET.get("level") or None
    if level is not None and level not in GridLevel.values:
        return JsonResponse({"code": "invalid", "message": "层级无效。"}, status=400)
    return JsonResponse(tree_sel.grid_map_features(level=level, within=territory_for_user(user=request.user).grids()))


@login_required
def grid_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    grid = Grid.objects.select_related("parent", "town").filter(pk=pk).first()
    if grid is None:
        raise Http404
    # The center's people read the grids of their territory (`governance.scope`); a leader in charge
    # of departments reads the grid's figures, only their departments' matters and no patrol.
    reads_grid = sel.grid_in_territory(actor=request.user, grid=grid)
    territory = territory_for_user(user=request.user)
    if not reads_grid and not territory.is_district:
        raise Http404
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))
    [node] = tree_sel.grid_tree(district_id=territory.district_id, root=grid) or [None]
    kinds = dict(CollectedItem.objects.filter(grid=grid).values("kind").annotate(n=Count("pk"))
                 .values_list("kind", "n"))
    context = {
        "grid": grid,
        "node": node,
        "children": grid.children.filter(active=True).order_by("code"),
        "leaders": grid.leaders.select_related("user"),
        "assignments": GridAssignment.objects.filter(grid=grid).select_related("worker", "department", "activation")
        .order_by("-starts_on"),
        "patrols": sel.patrols_of_grid(grid=grid, limit=10) if reads_grid else [],
        "ledger": [(label, kinds.get(value, 0)) for value, label in ItemKind.choices],
        "cases": (Case.objects if reads_grid else cases_visible_to(user=request.user))
        .filter(grid=grid, status__in=OPEN_STATUSES).select_related("category")
        .order_by("due_at")[:50],
        "figures": sel.grid_figures(grid_ids=[grid.pk], start=start, end=timezone.now())[grid.pk],
        "wartime": wartime_activation_open(),
        "wartime_people": GridAssignment.objects.filter(sel.in_force_on(today), grid__in=[grid, *grid.children.all()])
        .filter(Q(wartime_only=True) | Q(activation__isnull=False)).select_related("worker", "department", "grid"),
    }
    return render(request, "grid/grid.html", context)
