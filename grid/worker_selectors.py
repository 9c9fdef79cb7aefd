"""A grid worker's month (seed 002 五(三): 实绩档案 + 积分考评): the workers of a period and their figures, each with its rows, for the assessment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    expressions,
)
from django.utils import timezone

from dispatch.choices import DispatchEventType
from dispatch.selectors.clocks import VERIFY_WITHIN_WORKING_DAYS
from governance.models import Center
from governance.workcal import WorkingCalendar
from grid.choices import GridEventType, PatrolStatus
from grid.models import (
    CollectedItemChange,
    GridAssignment,
    GridReport,
    Patrol,
)
from intake.choices import CaseEventType
from intake.models import CaseEvent

# --- a grid worker's month (seed 002 五(三): 实绩档案 + 积分考评) -----------------------------------------
# 核查时限: a verification is on time when made by the end of the working day after the matter was
# handed over for it (the department's report-back, or the village settling it on the spot): the rule
# of dispatch's 核查 clock (`VERIFY_WITHIN_WORKING_DAYS`), which reminds the worker on the engine.
WORKER_FIGURE_KEYS = ("patrols", "collected", "found", "verified", "verified_on_time")


VERIFICATION_EVENT_TYPES = (DispatchEventType.CASE_VERIFIED, DispatchEventType.CASE_VERIFICATION_FAILED,
                            GridEventType.SITE_VERIFIED)


HANDOVER_EVENT_TYPES = (DispatchEventType.ASSIGNMENT_REPORTED_BACK, CaseEventType.CASE_SETTLED_ON_SPOT)


def grid_workers_between(*, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """The workers with an assignment in force on some day of [first, last]: id, name, grids (codes)."""
    rows = (GridAssignment.objects.filter(starts_on__lte=last).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
            .order_by("worker__username", "grid__code")
            .values("worker_id", "worker__username", "worker__first_name", "worker__last_name", "grid__code"))
    workers: dict[int, dict[str, Any]] = {}
    for row in rows:
        name = f"{row['worker__last_name']}{row['worker__first_name']}" or row["worker__username"]
        entry = workers.setdefault(row["worker_id"], {"id": row["worker_id"], "name": name, "grids": []})
        if row["grid__code"] not in entry["grids"]:
            entry["grids"].append(row["grid__code"])
    return list(workers.values())


def _working_day_starts(*, start: dt.datetime, end: dt.datetime, center: Center | None) -> list[dt.datetime]:
    """The start of every working day from a month before `start` (handovers come earlier) to `end`."""
    calendar = WorkingCalendar(center=center)
    tz = timezone.get_current_timezone()
    day, last = (timezone.localtime(start, tz) - dt.timedelta(days=45)).date(), timezone.localtime(end, tz).date()
    starts = []
    while day <= last:
        if calendar.is_working_day(day):
            starts.append(dt.datetime.combine(day, dt.time(), tz))
        day += dt.timedelta(days=1)
    return starts


def _starts_up_to(field: str, starts: list[dt.datetime]) -> expressions.Case:
    """How many working-day starts are at or before the value of `field` (one flat CASE)."""
    return expressions.Case(*[expressions.When(Q(**{f"{field}__lt": s}), then=Value(i)) for i, s in enumerate(starts)],
                            default=Value(len(starts)), output_field=IntegerField())


def worker_verifications(*, start: dt.datetime, end: dt.datetime, center: Center | None = None
                         ) -> QuerySet[CaseEvent]:
    """Verifications made in [start, end) (passed or not, by dispatch's check or the grid's own), each
    annotated with `handed_over_at` (the last handover before it) and `on_time`."""
    handover = (CaseEvent.objects.filter(case_id=OuterRef("case_id"), type__in=HANDOVER_EVENT_TYPES,
                                         occurred_at__lte=OuterRef("occurred_at"))
                .order_by("-occurred_at", "-pk").values("occurred_at")[:1])
    starts = _working_day_starts(start=start, end=end, center=center)
    rows = (CaseEvent.objects.filter(type__in=VERIFICATION_EVENT_TYPES, occurred_at__gte=start, occurred_at__lt=end,
                                     actor__isnull=False)
            .annotate(handed_over_at=Subquery(handover, output_field=DateTimeField())))
    days = _starts_up_to("occurred_at", starts) - _starts_up_to("handed_over_at", starts)
    return rows.annotate(working_days=days).annotate(on_time=expressions.Case(
        expressions.When(Q(handed_over_at__isnull=True) | Q(working_days__lte=VERIFY_WITHIN_WORKING_DAYS),
                         then=Value(True)),
        default=Value(False), output_field=BooleanField()))


def worker_figure_rows(*, key: str, start: dt.datetime, end: dt.datetime, center: Center | None = None
                       ) -> QuerySet | None:
    """The rows one worker figure counts over [start, end), for every worker (filter on `worker_id`):
    the same definition as `worker_figures`, so a list's length is the figure."""
    if key == "patrols":
        return (Patrol.objects.filter(status=PatrolStatus.FINISHED, started_at__gte=start, started_at__lt=end)
                .annotate(worker_ref=F("worker_id")))
    if key == "collected":
        return (CollectedItemChange.objects.filter(changed_at__gte=start, changed_at__lt=end)
                .annotate(worker_ref=F("actor_id")))
    if key == "found":
        return (GridReport.objects.filter(reported_at__gte=start, reported_at__lt=end)
                .annotate(worker_ref=F("reporter_id")))
    if key in ("verified", "verified_on_time"):
        rows = worker_verifications(start=start, end=end, center=center).annotate(worker_ref=F("actor_id"))
        return rows.filter(on_time=True) if key == "verified_on_time" else rows
    return None


def worker_figures(*, worker_ids: list[int], start: dt.datetime, end: dt.datetime, center: Center | None = None
                   ) -> dict[int, dict[str, int]]:
    """Per worker over [start, end): patrols finished, ledger entries collected (new or updated),
    problems found (grid reports), verifications made and those on time (on `center`'s working
    calendar). Four aggregate queries, whatever the number of workers or rows."""
    figures = {pk: dict.fromkeys(WORKER_FIGURE_KEYS, 0) for pk in worker_ids}
    for key in ("patrols", "collected", "found"):
        rows = worker_figure_rows(key=key, start=start, end=end)
        assert rows is not None
        for row in (rows.filter(worker_ref__in=worker_ids).order_by().values("worker_ref")
                    .annotate(n=Count("pk"))):
            figures[row["worker_ref"]][key] = row["n"]
    verifications = worker_figure_rows(key="verified", start=start, end=end, center=center)
    assert verifications is not None
    for row in (verifications.filter(worker_ref__in=worker_ids).order_by().values("worker_ref")
                .annotate(n=Count("pk"), on_time_n=Count("pk", filter=Q(on_time=True)))):
        figures[row["worker_ref"]].update(verified=row["n"], verified_on_time=row["on_time_n"])
    return figures
