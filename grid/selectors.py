"""Reads of grid work: whose grids, the patrols and ledger of a grid, a worker's tasks, the seven
steps of a matter, the tree with its counts, and per-grid figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from dispatch.choices import DispatchEventType
from dispatch.selectors.revisits import revisit_rounds
from dispatch.selectors.work import case_ids_handled_by
from governance.errors import NotFoundError
from governance.models import Center, Grid
from governance.roles import MAY_SEE_GRID_MATTERS, may
from governance.scope import reads_center_territory, territory_for_user
from governance.selectors import grid_ids_of_worker, grid_ids_to_verify
from grid.choices import GridEventType, LoopStep, PatrolStatus
from grid.models import (
    CollectedItem,
    GridAssignment,
    GridLeader,
    GridReport,
    Patrol,
    PatrolPhoto,
    WartimeActivation,
)
from intake.choices import OPEN_STATUSES, CaseEventType, CaseStatus, Channel
from intake.models import Case, CaseEvent


def in_force_on(day: dt.date) -> Q:
    """Assignments in force on `day`; a micro-grid's wartime responsible people only in wartime."""
    in_force = (Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
                # a reinforcement is released the moment its wartime ends
                & (Q(activation__isnull=True) | Q(activation__ended_at__isnull=True)))
    if not WartimeActivation.objects.filter(ended_at__isnull=True).exists():
        in_force &= Q(wartime_only=False)
    return in_force


def grids_assigned_on(*, user: AbstractBaseUser, day: dt.date) -> QuerySet:
    """The ids of the grids `user` is assigned to on `day`, from the assignments' dates
    (`governance.hooks.grids_assigned_on`: every grid worker's access follows this one query)."""
    return GridAssignment.objects.filter(in_force_on(day), worker=user).values("grid_id")


def workers_assigned_on(*, grid_ids: list[int], day: dt.date) -> QuerySet:
    """The ids of the workers assigned on `day` to any of `grid_ids` (the inverse, by the same dates)."""
    return GridAssignment.objects.filter(in_force_on(day), grid_id__in=grid_ids).values("worker_id")


def worker_grid_ids(*, worker: AbstractBaseUser, on: dt.date | None = None) -> set[int]:
    """The grids a worker covers on a day (today by default): their assigned grids and the grids
    directly below them (a unit grid's micro-grids); governance's one rule, `grid_ids_of_worker`."""
    return grid_ids_of_worker(user=worker, on=on)


def grids_of_worker(*, worker: AbstractBaseUser, on: dt.date | None = None) -> QuerySet[Grid]:
    """The grids assigned to a worker on a day, for "my grids" (not the micro-grids below)."""
    on = on or timezone.localdate()
    return (Grid.objects.filter(worker_assignments__in=GridAssignment.objects.filter(in_force_on(on), worker=worker))
            .select_related("parent", "town").distinct().order_by("code"))


def open_counts_of_grids(*, grid_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per grid, its open matters and those reported back (waiting for the check), in one read of the
    open matters alone (`case_grid_open_due`). Issue 25: counted through a join of every matter the
    grid ever had, a worker's home grew with the history (30 -> 62 ms from 0.5M to 2M matters)."""
    rows = (_open_of_grids(grid_ids).values("grid_id")
            .annotate(n=Count("pk"), reported=Count("pk", filter=Q(status=CaseStatus.REPORTED))))
    return {row["grid_id"]: (row["n"], row["reported"]) for row in rows}


def _open_of_grids(grid_ids: Iterable[int]) -> QuerySet[Case]:
    """The open matters of these grids: the condition of `case_grid_open_due`, which holds only them."""
    return Case.objects.filter(grid_id__in=grid_ids).exclude(status=CaseStatus.CLOSED).order_by()


def workers_of_grid_on(*, grid: Grid, day: dt.date) -> QuerySet[GridAssignment]:
    """Who covered this grid on that day (its own assignments and those of the grid above it)."""
    ids = [grid.pk] + ([grid.parent_id] if grid.level == "micro" and grid.parent_id else [])
    return GridAssignment.objects.filter(in_force_on(day), grid_id__in=ids).select_related("worker", "department")


def worker_covered_grid_on(*, worker_id: int, grid: Grid, day: dt.date) -> bool:
    ids = [grid.pk] + ([grid.parent_id] if grid.parent_id else [])
    return GridAssignment.objects.filter(in_force_on(day), grid_id__in=ids, worker_id=worker_id).exists()


def grid_in_territory(*, actor: AbstractBaseUser, grid: Grid) -> bool:
    """Whether the grid lies in the territory of the actor's center (`governance.scope`): every grid
    for the district center's people, the town's for a town sub-center, the village's for a station.
    Only the center's own readers have a territory (a leader in charge of departments has none)."""
    if not reads_center_territory(user=actor):
        return False
    territory = territory_for_user(user=actor)
    if territory.is_district:
        return True
    return Grid.objects.filter(territory.grids(), pk=grid.pk).exists()


def grid_get_for_worker(*, actor: AbstractBaseUser, pk: int) -> Grid:
    """A grid the actor works in (a worker's own; center staff the grids of their territory); 404
    otherwise."""
    rows = Grid.objects.select_related("parent", "town")
    if reads_center_territory(user=actor):
        rows = rows.filter(territory_for_user(user=actor).grids())
    else:
        if not may(actor, MAY_SEE_GRID_MATTERS):
            raise NotFoundError()
        rows = rows.filter(pk__in=worker_grid_ids(worker=actor))
    grid = rows.filter(pk=pk).first()
    if grid is None:
        raise NotFoundError()
    return grid


def patrol_get_for_worker(*, actor: AbstractBaseUser, pk: int) -> Patrol:
    patrol = Patrol.objects.select_related("grid").filter(pk=pk, worker=actor).first()
    if patrol is None:
        raise NotFoundError()
    return patrol


def patrol_may_view(*, actor: AbstractBaseUser, patrol: Patrol) -> bool:
    """Who may see a patrol (its page and photos): its worker, a leader (网格长/副网格长) of its
    grid or of a grid above it, and the center's people whose territory holds the grid (who read the
    grid pages). A leader in charge of departments reads matters of those departments only, and no
    patrol."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if patrol.worker_id == actor.pk or grid_in_territory(actor=actor, grid=patrol.grid):
        return True
    chain, node = [], patrol.grid
    while node is not None and len(chain) < 8:
        chain.append(node.pk)
        node = node.parent
    return GridLeader.objects.filter(user=actor, grid_id__in=chain).exists()


def patrol_get_for_viewer(*, actor: AbstractBaseUser, pk: int) -> Patrol:
    """A patrol for someone who may see it; "missing" and "not yours" are both NotFoundError."""
    patrol = Patrol.objects.select_related("grid__parent__parent__parent", "worker").filter(pk=pk).first()
    if patrol is None or not patrol_may_view(actor=actor, patrol=patrol):
        raise NotFoundError()
    return patrol


def patrol_photo_get_for_viewer(*, actor: AbstractBaseUser, pk: int) -> PatrolPhoto:
    photo = PatrolPhoto.objects.select_related("patrol__grid__parent__parent__parent").filter(pk=pk).first()
    if photo is None or not patrol_may_view(actor=actor, patrol=photo.patrol):
        raise NotFoundError()
    return photo


def patrols_of_worker(*, worker: AbstractBaseUser, limit: int = 5) -> list[Patrol]:
    return list(Patrol.objects.filter(worker=worker).select_related("grid").annotate(n_photos=Count("photos"))
                .order_by("-started_at")[:limit])


def patrol_open_for_worker(*, worker: AbstractBaseUser) -> Patrol | None:
    return (Patrol.objects.filter(worker=worker, status=PatrolStatus.ON_PATROL).select_related("grid")
            .order_by("-started_at").first())


def patrols_of_grid(*, grid: Grid, limit: int = 20) -> list[Patrol]:
    return list(Patrol.objects.filter(grid=grid).select_related("worker").annotate(n_photos=Count("photos"))
                .order_by("-started_at")[:limit])


def collected_items_of_grid(*, grid: Grid, kind: str | None = None) -> QuerySet[CollectedItem]:
    rows = CollectedItem.objects.filter(grid=grid).select_related("created_by")
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("kind", "name")


def collected_item_get_for_worker(*, actor: AbstractBaseUser, pk: int) -> CollectedItem:
    item = CollectedItem.objects.select_related("grid").filter(pk=pk).first()
    if item is None:
        raise NotFoundError()
    grid_get_for_worker(actor=actor, pk=item.grid_id)
    return item


def open_in_grids(*, grid_ids: Iterable[int], statuses: set[str]) -> list[int]:
    """The open matters of a worker's grids in `statuses`, read from `case_grid_open_due` alone with their
    status (her grids' open matters are a few hundred at most). Issue 25: asked for in one statement,
    PostgreSQL ANDed that index with the status index's matters of the whole district (145,000 reported
    at 2M matters: 23 ms, growing with the district)."""
    return [pk for pk, status in _open_of_grids(grid_ids).values_list("pk", "status") if status in statuses]


def verification_tasks(*, worker: AbstractBaseUser) -> list[Case]:
    """Matters of the worker's grids waiting for the on-site check: reported back by a department,
    or grid reports settled at the village station and not yet checked on site. Her grids include
    her unit grids' village: a matter registered on the village goes to its grid workers. A result
    she settled or reported back herself is not hers to check (four eyes)."""
    grids = grid_ids_to_verify(user=worker) if worker.is_authenticated else set()
    checked = CaseEvent.objects.filter(type=GridEventType.SITE_VERIFIED).values("case_id")
    waiting = open_in_grids(grid_ids=grids, statuses={CaseStatus.REPORTED, CaseStatus.SETTLED_ON_SPOT})
    return list(Case.objects.filter(pk__in=waiting)
                .filter(Q(status=CaseStatus.REPORTED)
                        | Q(status=CaseStatus.SETTLED_ON_SPOT, channel=Channel.GRID_REPORT) & ~Q(pk__in=checked))
                .exclude(pk__in=case_ids_handled_by(user=worker))  # four eyes: never her own result
                .select_related("category", "grid").order_by("updated_at")[:200])


def revisit_tasks(*, worker: AbstractBaseUser) -> list[Case]:
    """Matters of the worker's grids verified and waiting for the revisit (the worker may call), each with
    the failed attempts of its current round (`attempts_so_far`)."""
    waiting = open_in_grids(grid_ids=worker_grid_ids(worker=worker), statuses={CaseStatus.VERIFIED})
    cases = list(Case.objects.filter(pk__in=waiting)
                 .select_related("category", "grid").order_by("updated_at")[:200])
    rounds = revisit_rounds(case_ids=[case.pk for case in cases])
    for case in cases:
        case.attempts_so_far = rounds[case.pk]
    return cases


def reports_of_worker(*, worker: AbstractBaseUser, limit: int = 20) -> list[GridReport]:
    return list(GridReport.objects.filter(reporter=worker).select_related("case", "grid")
                .order_by("-reported_at")[:limit])


def owning_center_for_grid(*, grid: Grid) -> Center | None:
    """The lowest center whose territory contains the grid: the village station of a unit grid,
    else the town's sub-center, else the district center ("small matters stay in the village")."""
    chain: list[int] = []
    node: Grid | None = grid
    while node is not None and len(chain) < 8:
        chain.append(node.pk)
        node = node.parent
    centers = {c.territory_id: c for c in Center.objects.filter(territory_id__in=chain, active=True)}
    for grid_id in chain:
        if grid_id in centers:
            return centers[grid_id]
    return None


# --- the seven steps ------------------------------------------------------------------------------
@dataclass
class LoopStepRow:
    step: str
    label: str
    applies: bool
    done: bool = False
    who: Any = None
    at: dt.datetime | None = None
    note: str = ""


ASSIGNMENT_EVENTS = (DispatchEventType.CASE_DISPATCHED, DispatchEventType.CASE_SELF_HANDLED, DispatchEventType.CASE_ESCALATED,
                     DispatchEventType.CASE_PUSHED_DOWN, CaseEventType.CASE_SENT_TO_DISPATCH)
HANDLING_EVENTS = (DispatchEventType.ASSIGNMENT_REPORTED_BACK, CaseEventType.CASE_SETTLED_ON_SPOT)
VERIFICATION_EVENTS = (DispatchEventType.CASE_VERIFIED, GridEventType.SITE_VERIFIED)
SUPERVISION_EVENTS = (DispatchEventType.CASE_REVISITED, DispatchEventType.CASE_CLOSED,
                      DispatchEventType.ASSIGNMENT_SUPERVISED, DispatchEventType.ASSIGNMENT_REMINDED,
                      DispatchEventType.ASSIGNMENT_ESCALATED)


def case_loop_steps(*, case: Case) -> list[LoopStepRow]:
    """Where the matter stands in the seven steps, each with who and when, read from its timeline.
    A matter registered elsewhere did not start in a patrol: the first three steps do not apply
    (discovery is its registration)."""
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("occurred_at", "pk"))
    from_grid = case.channel == Channel.GRID_REPORT
    rows = {step: LoopStepRow(step=step, label=str(step.label), applies=True) for step in LoopStep}
    if not from_grid:
        rows[LoopStep.PATROL].applies = False
        rows[LoopStep.COLLECTION].applies = False

    def first(types: tuple[str, ...]) -> CaseEvent | None:
        return next((e for e in events if e.type in types), None)

    def last(types: tuple[str, ...]) -> CaseEvent | None:
        return next((e for e in reversed(events) if e.type in types), None)

    def fill(step: str, event: CaseEvent | None, *, at: Any = None, note: str = "") -> None:
        if event is None:
            return
        row = rows[step]
        row.done, row.who, row.note = True, event.actor, note
        row.at = at or event.occurred_at

    patrol = first((GridEventType.PATROL_LINKED,))
    if patrol is not None:
        fill(LoopStep.PATROL, patrol, at=_parse_dt(patrol.data.get("started_at")) or patrol.occurred_at,
             note=patrol.data.get("route_notes", "")[:80])
    collection = first((GridEventType.COLLECTION_LINKED,))
    if collection is not None:
        fill(LoopStep.COLLECTION, collection, at=_parse_dt(collection.data.get("last_changed_at")),
             note="、".join(collection.data.get("items", [])[:5]))
    fill(LoopStep.DISCOVERY, first((CaseEventType.CASE_REGISTERED,)))
    fill(LoopStep.ASSIGNMENT, first(ASSIGNMENT_EVENTS[:1]) or first(ASSIGNMENT_EVENTS))
    fill(LoopStep.HANDLING, last(HANDLING_EVENTS))
    verified = last(VERIFICATION_EVENTS)
    fill(LoopStep.VERIFICATION, verified, note=(verified.data.get("notes", "") if verified else "")[:80])
    fill(LoopStep.SUPERVISION, last(SUPERVISION_EVENTS))
    return list(rows.values())


def _parse_dt(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


# --- figures ----------------------------------------------------------------------------------------
def grid_figures(*, grid_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, int]]:
    """Per grid over [start, end): matters reported from the grid, settled in the village,
    escalated, resolved, overdue now; patrols done; ledger items collected. A constant number of
    aggregate queries, whatever the number of grids."""
    now = timezone.now()
    figures: dict[int, dict[str, int]] = {
        pk: dict.fromkeys(("reported", "settled_in_village", "escalated", "resolved", "overdue", "patrols",
                           "collected"), 0)
        for pk in grid_ids
    }
    cases = Case.objects.filter(grid_id__in=grid_ids, registered_at__gte=start, registered_at__lt=end)
    for row in cases.values("grid_id").annotate(
        reported=Count("pk", filter=Q(channel=Channel.GRID_REPORT)),
        settled_in_village=Count("pk", filter=Q(channel=Channel.GRID_REPORT, center__level="village",
                                                status__in=[CaseStatus.CLOSED, CaseStatus.SETTLED_ON_SPOT,
                                                            CaseStatus.REVISITED])),
        resolved=Count("pk", filter=Q(resolved=True)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
    ):
        figures[row["grid_id"]].update({k: row[k] for k in ("reported", "settled_in_village", "resolved",
                                                            "overdue")})
    escalated = (CaseEvent.objects.filter(type=DispatchEventType.CASE_ESCALATED, case__grid_id__in=grid_ids,
                                          occurred_at__gte=start, occurred_at__lt=end)
                 .values("case__grid_id").annotate(n=Count("case_id", distinct=True)))
    for row in escalated:
        figures[row["case__grid_id"]]["escalated"] = row["n"]
    for row in (Patrol.objects.filter(grid_id__in=grid_ids, status=PatrolStatus.FINISHED, started_at__gte=start,
                                      started_at__lt=end).values("grid_id").annotate(n=Count("pk"))):
        figures[row["grid_id"]]["patrols"] = row["n"]
    for row in (CollectedItem.objects.filter(grid_id__in=grid_ids, created_at__gte=start, created_at__lt=end)
                .values("grid_id").annotate(n=Count("pk"))):
        figures[row["grid_id"]]["collected"] = row["n"]
    return figures


# --- village and town first ---------------------------------------------------------------------------
def station_queue(*, center: Center) -> list[Case]:
    """Matters waiting at a village station or town sub-center: to settle there, dispatch (town)
    or escalate (上提). Grid reports first, then by registration."""
    return list(Case.objects.filter(center=center, status__in=[CaseStatus.PENDING_DISPATCH, CaseStatus.REGISTERED])
                .select_related("grid", "category", "first_receiver").order_by("-channel", "registered_at")[:200])


STATION_SETTLED = CaseEventType.CASE_SETTLED_ON_SPOT


def station_recent(*, center: Center, limit: int = 20) -> list[Case]:
    """What the station settled or passed on lately (from the timeline: escalated away or settled).

    Two reads, each from an index, merged here (an OR of the two would scan every matter): the
    matters whose escalation left from the station (the timeline's `from_center`, the partial
    expression index `caseevent_escalated_from`), and the matters held at the station (`case_center_status`)
    that were settled on the spot; each the `limit` most recently changed."""
    passed_on = (CaseEvent.objects.filter(type=DispatchEventType.CASE_ESCALATED)
                 .annotate(from_center=Cast(KT("data__from_center"), IntegerField()))
                 .filter(from_center=center.pk).values("case_id"))
    settled_here = Exists(CaseEvent.objects.filter(case_id=OuterRef("pk"), type=STATION_SETTLED))
    rows = Case.objects.select_related("grid", "center").order_by("-updated_at", "-pk")
    found = {case.pk: case for case in rows.filter(pk__in=passed_on)[:limit]}
    found.update((case.pk, case) for case in rows.filter(settled_here, center=center)[:limit])
    return sorted(found.values(), key=lambda case: (case.updated_at, case.pk), reverse=True)[:limit]




















