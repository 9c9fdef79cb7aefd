"""The monthly assessment, read from recorded facts (assignments, the timeline, revisits, summons,
the duty sign-ins against the roster) with a fixed number of aggregate queries, whatever the number of matters.

Every figure is a count (or a sum) over one kind of row with one filter. The same definition gives the
department's figure (grouped in the database) and its drill-down list (the rows themselves), so a
list's length always equals its figure.

The month's matters are the assignments made in the month (the cohort); everything that happened to
them is counted whenever it happened, so a revisit in November changes October's resolution rate.
A published month keeps its frozen figures; a recomputation shows the difference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from dispatch.choices import (
    AssignmentStatus,
    ExclusionStatus,
)
from dispatch.models import Assignment, ExtensionRequest, Revisit
from governance.choices import CenterLevel
from governance.dbplan import without_jit
from governance.models import Center, Department
from governance.workcal import WorkingCalendar
from grid.worker_selectors import grid_workers_between, worker_figure_rows, worker_figures
from review.selectors import assessment_rows as figure_rows
from review.selectors.assessment_figures import (
    ANSWERING_ROLES,
    ASSIGNMENT,
    DUTY,
    EVENT,
    EXCLUSION,
    EXTENSION,
    FIGURE_BY_KEY,
    FIGURES,
    GRID_REPORT,
    LEDGER,
    MATTER_FIGURE_BY_KEY,
    PATROL,
    RATES,
    REVISIT,
    SUMMONS,
    TOWN_FIGURE_BY_KEY,
    VERIFICATION,
    WORKER_FIGURE_BY_KEY,
    Figure,
    Month,
)
from review.selectors.assessment_scheme import (
    flags_raised,
    rate_percent,
    scheme_as_dict,
    scheme_for,
    score_of,
)
from review.selectors.ladder import LADDER_COUNTED, ladder_figures, staff_figures


@without_jit()
def assessment_compute(*, center: Center, month: Month, now: dt.datetime | None = None) -> dict[str, Any]:
    """The month's live figures for every department and every town and village center (without JIT:
    `governance.dbplan`)."""
    now = now or timezone.now()
    scheme = scheme_for(center=center, year=month.year)
    cohort = figure_rows.cohort(center, month)
    starts = figure_rows.working_day_starts(center, month, now)
    assignments = figure_rows.grouped(figure_rows.with_overdue_days(cohort, starts, now), "department_id",
                           figure_rows.assignment_filters(now), sums={"overdue_days": "overdue_days"})
    events = figure_rows.grouped(figure_rows.events(center, month), "department_id", figure_rows.event_filters())
    extensions = figure_rows.grouped(ExtensionRequest.objects.filter(assignment__in=cohort), "assignment__department_id",
                          figure_rows.extension_filters())
    answering = cohort.filter(role__in=ANSWERING_ROLES).exclude(status=AssignmentStatus.WITHDRAWN)
    revisits = _revisit_counts(answering)
    summons = figure_rows.grouped(figure_rows.summons_rows(center, month), "department_id", figure_rows.summons_filters(now),
                       sums={"summons_late_minutes": "minutes_late"})
    duty = figure_rows.duty(center, month, now)
    ladder = ladder_figures(cohort=cohort)
    departments = list(Department.objects.filter(center=center, active=True).order_by("short_code", "pk")
                       .values("pk", "name", "short_code", "is_territory"))
    rows = []
    for department in departments:
        pk = department["pk"]
        figures = {figure.key: 0 for figure in FIGURES}
        for source in (assignments, events, extensions, revisits, summons):
            figures.update(source.get(pk, {}))
        figures.update({key: len(days) for key, days in duty.get(pk, {}).items()})
        rates = {key: rate_percent(figures[num], figures[den]) for key, _label, num, den, _d in RATES}
        flags = flags_raised(figures, scheme)
        scored = score_of(figures, rates, scheme, flags)
        rows.append({"id": pk, "name": department["name"], "figures": figures, "rates": rates,
                     **scored, "flags": flags, "assessed": scored["score"] is not None,
                     "ladder": ladder.get(pk, dict.fromkeys(LADDER_COUNTED, 0))})
    _rank(rows)
    return {
        "center": center.pk, "month": str(month), "computed_at": now.isoformat(),
        "calendar": _calendar_summary(center, month),
        "scheme": scheme_as_dict(scheme), "departments": rows, "towns": _towns(center, month),
        "workers": _workers(center, month),
        # The named handlers (承办人) of the month's assignments, seed 001 五(一).
        "staff": staff_figures(cohort=cohort, now=now),
    }


def _workers(center: Center, month: Month) -> list[dict[str, Any]]:
    """Every grid worker assigned during the month, with the figures of their record (five queries)."""
    workers = grid_workers_between(first=month.first, last=month.last)
    start, end = month.bounds()
    figures = worker_figures(worker_ids=[w["id"] for w in workers], start=start, end=end, center=center)
    return [{**worker, "figures": figures[worker["id"]],
             "verified_on_time_rate": rate_percent(figures[worker["id"]]["verified_on_time"], figures[worker["id"]]["verified"])}
            for worker in workers]


def _revisit_counts(answering: QuerySet[Assignment]) -> dict[int, dict[str, int]]:
    """The revisit figures and the 不参评 rulings per department, in one statement (distinct counts: the
    two joins multiply each other's rows)."""
    filters = {key: Q(case__revisits__isnull=False) & q
               for key, q in figure_rows.revisit_filters("case__revisits__").items()}
    aggregates = {key: Count("case__revisits", filter=q, distinct=True) for key, q in filters.items()}
    aggregates["excluded"] = Count("case__revisit_exclusions", distinct=True,
                                   filter=Q(case__revisit_exclusions__status=ExclusionStatus.CONFIRMED))
    rows = answering.order_by().values("department_id").annotate(**aggregates)
    return {row["department_id"]: {key: int(row[key]) for key in aggregates} for row in rows}


def _rank(rows: list[dict[str, Any]]) -> None:
    """Competition ranking (1, 2, 2, 4) by score among the departments with at least one rate measured."""
    ranked = sorted((row for row in rows if row["assessed"]), key=lambda row: (-row["score"], row["name"]))
    previous_score, previous_rank = None, 0
    for index, row in enumerate(ranked, start=1):
        row["rank"] = previous_rank if row["score"] == previous_score else index
        previous_score, previous_rank = row["score"], row["rank"]
    for row in rows:
        row.setdefault("rank", None)


def _calendar_summary(center: Center, month: Month) -> dict[str, Any]:
    calendar = WorkingCalendar(center=center)
    working, holidays, makeup = 0, [], []
    day = month.first
    while day <= month.last:
        is_working = calendar.is_working_day(day)
        working += is_working
        if not is_working and day.weekday() < 5:
            holidays.append(day.isoformat())
        if is_working and day.weekday() >= 5:
            makeup.append(day.isoformat())
        day += dt.timedelta(days=1)
    return {"working_days": working, "weekday_holidays": holidays, "makeup_days": makeup}


def _towns(center: Center, month: Month) -> list[dict[str, Any]]:
    centers = list(Center.objects.filter(district=center, level__in=[CenterLevel.TOWN, CenterLevel.VILLAGE],
                                         active=True).order_by("code").values("pk", "name", "level"))
    cases = figure_rows.town_case_figures(center, month)
    escalated = {row["from_center"]: row["n"] for row in
                 figure_rows.escalations(center, month).order_by().values("from_center").annotate(n=Count("pk"))}
    rows = []
    for item in centers:
        figures = {"registered": 0, "settled": 0, **cases.get(item["pk"], {}),
                   "escalated": escalated.get(item["pk"], 0)}
        if any(figures.values()) or item["level"] == CenterLevel.TOWN:
            total = figures["settled"] + figures["escalated"]
            rows.append({"id": item["pk"], "name": item["name"], "level": item["level"], "figures": figures,
                         "settled_rate": rate_percent(figures["settled"], total)})
    return rows


# --- drill-down --------------------------------------------------------------------------------
@dataclass
class Items:
    figure: Figure
    unit: str
    rows: list[Any]
    total: int  # the figure: a count of rows, or a sum over them
    count: int = 0  # how many rows


def figure_items(*, center: Center, month: Month, key: str, department_id: int | None = None,
                 town_id: int | None = None, worker_id: int | None = None, district: bool = False,
                 now: dt.datetime | None = None, limit: int = 100, offset: int = 0) -> Items | None:
    """The rows one figure counts, for one department (or one town/village center, or grid worker, or
    the district's matters of the month when `district`)."""
    now = now or timezone.now()
    if district:
        figure = MATTER_FIGURE_BY_KEY.get(key)
        if figure is None:
            return None
        rows_qs = figure_rows.town_cases(center, month).filter(figure_rows.matter_filters()[key]).select_related("category")
        return _items(figure, rows_qs.order_by("registered_at", "pk"), limit, offset)
    if worker_id is not None:
        figure = WORKER_FIGURE_BY_KEY.get(key)
        if figure is None:
            return None
        start, end = month.bounds()
        worker_rows = worker_figure_rows(key=key, start=start, end=end, center=center)
        assert worker_rows is not None
        worker_rows = worker_rows.filter(worker_ref=worker_id)
        order, related = {PATROL: ("started_at", ["grid"]), LEDGER: ("changed_at", ["item", "item__grid"]),
                          GRID_REPORT: ("reported_at", ["case", "grid"]),
                          VERIFICATION: ("occurred_at", ["case"])}[figure.unit]
        return _items(figure, worker_rows.select_related(*related).order_by(order, "pk"), limit, offset)
    if town_id is not None:
        figure = TOWN_FIGURE_BY_KEY.get(key)
        if figure is None:
            return None
        if key == "escalated":
            rows_qs: QuerySet = figure_rows.escalations(center, month).filter(from_center=town_id).select_related("case")
        else:
            rows_qs = figure_rows.town_cases(center, month).filter(figure_rows.town_case_filters()[key], center_id=town_id)
        return _items(figure, rows_qs.order_by("pk"), limit, offset)
    figure = FIGURE_BY_KEY.get(key)
    if figure is None or department_id is None:
        return None
    cohort = figure_rows.cohort(center, month)
    if figure.unit == ASSIGNMENT:
        starts = figure_rows.working_day_starts(center, month, now)
        qs = (figure_rows.with_overdue_days(cohort.filter(department_id=department_id), starts, now)
              .filter(figure_rows.assignment_filters(now)[key]).select_related("case", "department"))
        return _items(figure, qs.order_by("assigned_at", "pk"), limit, offset)
    if figure.unit == EVENT:
        qs = (figure_rows.events(center, month, types=(figure_rows.EVENT_TYPES[key],))
              .filter(department_id=department_id).select_related("case"))
        return _items(figure, qs.order_by("occurred_at", "pk"), limit, offset)
    if figure.unit == EXTENSION:
        qs = (ExtensionRequest.objects.filter(assignment__in=cohort.filter(department_id=department_id))
              .filter(figure_rows.extension_filters()[key]).select_related("assignment__case"))
        return _items(figure, qs.order_by("requested_at", "pk"), limit, offset)
    if figure.unit == REVISIT:
        answering = (cohort.filter(role__in=ANSWERING_ROLES, department_id=department_id)
                     .exclude(status=AssignmentStatus.WITHDRAWN))
        qs = (Revisit.objects.filter(case__in=answering.values("case_id")).filter(figure_rows.revisit_filters()[key])
              .select_related("case"))
        return _items(figure, qs.order_by("revisited_at", "pk"), limit, offset)
    if figure.unit == EXCLUSION:
        answering = (cohort.filter(role__in=ANSWERING_ROLES, department_id=department_id)
                     .exclude(status=AssignmentStatus.WITHDRAWN))
        qs = figure_rows.exclusions(answering).select_related("case", "duplicate_of", "proposed_by", "decided_by")
        return _items(figure, qs.order_by("proposed_at", "pk"), limit, offset)
    if figure.unit == SUMMONS:
        qs = (figure_rows.summons_rows(center, month).filter(department_id=department_id).filter(figure_rows.summons_filters(now)[key])
              .select_related("summons", "summons__case", "department"))
        return _items(figure, qs.order_by("summons__decided_at", "pk"), limit, offset)
    days = figure_rows.duty(center, month, now).get(department_id, {}).get(key, [])
    return Items(figure=figure, unit=DUTY, rows=days, total=len(days), count=len(days))


def _items(figure: Figure, queryset: QuerySet, limit: int, offset: int = 0) -> Items:
    """One page of rows (`limit` from `offset`; all of them when `limit` is 0) and the figure they
    make: the count of all rows, or the sum of the figure's field, in one aggregate query."""
    rows = list(queryset[offset: offset + limit]) if limit else list(queryset)
    aggregate = Sum(figure.sum_field) if figure.sum_field else Count("pk")
    total = queryset.order_by().aggregate(total=Coalesce(aggregate, 0))["total"]
    items = Items(figure=figure, unit=figure.unit, rows=rows, total=total)
    items.count = total if not figure.sum_field else queryset.order_by().count()
    return items


def month_has_figures(center: Center, month: Month) -> bool:
    """A matter was assigned, or a summons decided, in the month."""
    return figure_rows.cohort(center, month).exists() or figure_rows.summons_rows(center, month).exists()
