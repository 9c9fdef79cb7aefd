"""The leaders' dashboard (领导通): the situation at a glance, in a fixed number of aggregate queries.

The 12-month trend is read from a summary table refreshed in the background (its time is shown);
everything else is counted at each request. Every number is defined as exactly the filter of the matters list it links to (`intake:case_list`
with status / channel / category / town / grid / dates / overdue), so the list shows as many matters
as the number says. A town leader sees the town: every count and every link carries `town=`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from dispatch.choices import SummonsStatus
from dispatch.models import Summons
from dispatch.selectors.mode import mode_current
from governance.cache import counted_once_a_minute
from governance.choices import CenterLevel
from governance.counting import COUNT_CAP, capped_counts, count_label
from governance.models import Center, Grid
from governance.scope import territory_of_center
from intake.choices import OPEN_STATUSES, CaseStatus, Channel
from intake.models import Case, Category
from review.models import IntakeMonth


@dataclass(frozen=True)
class Scope:
    """What a reader sees (`governance.scope`): the whole district, one town (its grid node), or one
    village station's territory (`village`: its matters, as the station's own list shows them)."""

    district: Center
    town: Grid | None = None
    village: Center | None = None

    @property
    def label(self) -> str:
        if self.village is not None:
            return self.village.name
        return self.town.name if self.town else self.district.name


def scope_for(*, center: Center) -> Scope:
    """A town center's people see their town, a village station's its village; the district's people
    see the district."""
    district = center.district_center or center
    if center.level == CenterLevel.DISTRICT or center.territory_id is None:
        return Scope(district=district)
    if center.level == CenterLevel.VILLAGE:
        return Scope(district=district, village=center)
    territory = Grid.objects.filter(pk=center.territory_id).first()
    town = territory if territory is None or territory.town_id is None else Grid.objects.get(pk=territory.town_id)
    return Scope(district=district, town=town)


def _cases(scope: Scope) -> QuerySet[Case]:
    if scope.village is not None:
        return Case.objects.filter(territory_of_center(center=scope.village).matters())
    queryset = Case.objects.filter(district=scope.district)
    return queryset.filter(town=scope.town) if scope.town else queryset


def _summons_centers(scope: Scope) -> Q:
    """The summons the scope's people follow: their own center's (and for a town, its stations')."""
    if scope.village is not None:
        return Q(center=scope.village)
    if scope.town is not None:
        return Q(center__territory=scope.town) | Q(center__parent__territory=scope.town)
    return Q(center=scope.district)


@dataclass(frozen=True)
class _Month:
    registered: int
    closed: int


def _village_months(scope: Scope, first: dt.date) -> dict[dt.date, _Month]:
    """The village's matters registered per month since `first` and, of them, the closed ones (one
    aggregate query): counted as the district's stored months count them (`IntakeMonth`), so "of which
    closed" never exceeds the month's matters."""
    start, _end = _day_bounds(first)
    rows = (_cases(scope).filter(registered_at__gte=start).annotate(month=TruncMonth("registered_at"))
            .order_by().values("month").annotate(n=Count("pk"), closed=Count("pk", filter=Q(status=CaseStatus.CLOSED))))
    return {(row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]):
            _Month(registered=row["n"], closed=row["closed"]) for row in rows}


def list_url(scope: Scope, **filters: Any) -> str:
    if scope.town:
        filters["town"] = scope.town.pk
    return f"{reverse('intake:case_list')}?{urlencode(filters)}"


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day, dt.time(), tz), dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)


def _months_back(first: dt.date, count: int) -> list[dt.date]:
    months = []
    year, month = first.year, first.month
    for _i in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def _open_counts(scope: Scope, cases: QuerySet[Case], statuses: list[str], now: dt.datetime) -> dict[str, int]:
    """The open matters by status (`<status>`) and how many of them are overdue (`<status>_late`),
    counted once a minute (`governance.cache.counted_once_a_minute`; the page says so), overdue as of
    that minute.

    The district's: each count capped (10000+, as the list and the board count), one statement of
    ranges of the partial index `case_district_open_grid` (status and due_at are in it: no row is read),
    bounded whatever the backlog. A town's or a village's: one grouped count of its open matters, asked
    as "not closed" (`statuses` are every status but that one), the condition of the partial indexes
    `case_town_open` and `case_grid_open_due`: only the place's open matters are read, ORed with its
    centers'. (As `status IN (…)` the planner ANDed the town's with the plain status index: 874,000
    entries at 2M matters, 160 ms.)"""

    def count(at: dt.datetime) -> dict[str, int]:
        if scope.town is None and scope.village is None:
            return capped_counts({**{key: cases.filter(status=key) for key in statuses},
                                  **{f"{key}_late": cases.filter(status=key, due_at__lt=at) for key in statuses}})
        counted = dict.fromkeys([*statuses, *(f"{key}_late" for key in statuses)], 0)
        for status, n, late in (cases.exclude(status=CaseStatus.CLOSED).order_by().values_list("status")
                                .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=at)))):
            counted[status], counted[f"{status}_late"] = n, late
        return counted

    return counted_once_a_minute("dashboard-open", _scope_key(scope), count, now=now)


def _scope_key(scope: Scope) -> str:
    return f"{scope.district.pk}:{scope.town.pk if scope.town else ''}:{scope.village.pk if scope.village else ''}"


def dashboard_data(*, scope: Scope, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = _day_bounds(today)
    month_first = today.replace(day=1)
    month_start, _month_end = _day_bounds(month_first)
    cases = _cases(scope)
    iso_today, iso_first = today.isoformat(), month_first.isoformat()

    today_rows = dict(cases.filter(registered_at__gte=start, registered_at__lt=end).order_by()
                      .values_list("channel").annotate(n=Count("pk")))
    by_channel = [{"key": key, "label": str(label), "value": today_rows.get(key, 0),
                   "url": list_url(scope, channel=key, date_from=iso_today, date_to=iso_today)}
                  for key, label in Channel.choices]

    status_labels = dict(CaseStatus.choices)
    open_statuses = [key for key in CaseStatus.values if key in OPEN_STATUSES]
    counted = _open_counts(scope, cases, open_statuses, now)
    by_status = [{"key": key, "label": str(status_labels[key]), "value": min(counted[key], COUNT_CAP),
                  "value_label": count_label(counted[key]), "url": list_url(scope, status=key)}
                 for key in open_statuses]

    # This month by category, town and grid: one scan of the month's matters, summed up here, once a
    # minute (the page says so): the scan grows with the month (28 ms at 80,000 matters a month).
    def month_rows(_at: dt.datetime) -> list[dict[str, Any]]:
        return list(cases.filter(registered_at__gte=month_start, registered_at__lt=end).order_by()
                    .values("category_id", "category__parent_id", "town_id", "grid_id").annotate(n=Count("pk")))

    per_top: dict[int, int] = {}
    per_town: dict[int, int] = {}
    per_grid: dict[int, int] = {}
    for row in counted_once_a_minute("dashboard-month", f"{_scope_key(scope)}:{iso_first}", month_rows, now=now):
        top = row["category__parent_id"] or row["category_id"]
        per_top[top] = per_top.get(top, 0) + row["n"]
        if row["town_id"]:
            per_town[row["town_id"]] = per_town.get(row["town_id"], 0) + row["n"]
        if row["grid_id"]:
            per_grid[row["grid_id"]] = per_grid.get(row["grid_id"], 0) + row["n"]
    names = dict(Category.objects.filter(pk__in=per_top).values_list("pk", "name"))
    by_category = sorted(({"key": pk, "label": names.get(pk, "—"), "value": n,
                           "url": list_url(scope, category=pk, date_from=iso_first, date_to=iso_today)}
                          for pk, n in per_top.items()), key=lambda item: -item["value"])
    hot = sorted(per_grid.items(), key=lambda item: (-item[1], item[0]))[:10]
    grid_names = dict(Grid.objects.filter(pk__in=[*per_town, *(pk for pk, _n in hot)]).values_list("pk", "name"))
    by_town = sorted(({"key": pk, "label": grid_names.get(pk, "—"), "value": n,
                       "url": f"{reverse('intake:case_list')}?"
                              f"{urlencode({'town': pk, 'date_from': iso_first, 'date_to': iso_today})}"}
                      for pk, n in per_town.items()), key=lambda item: -item["value"])
    hot_grids = [{"key": pk, "label": grid_names.get(pk, "—"), "value": n,
                  "url": list_url(scope, grid=pk, date_from=iso_first, date_to=iso_today)} for pk, n in hot]

    overdue = sum(min(counted[f"{key}_late"], COUNT_CAP) for key in open_statuses)
    overdue_capped = any(counted[f"{key}_late"] > COUNT_CAP for key in open_statuses)

    months = _months_back(month_first, 12)
    if scope.village is not None:  # no stored summary per village: its few matters are counted now
        stored = _village_months(scope, months[0])
    else:
        stored = {row.month: row for row in IntakeMonth.objects.filter(
            district=scope.district, town=scope.town, month__gte=months[0])}
    trend = []
    for first in months:
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        row = stored.get(first)
        trend.append({"month": first.strftime("%Y-%m"), "value": row.registered if row else 0,
                      "closed": row.closed if row else 0,
                      "url": list_url(scope, date_from=first.isoformat(), date_to=min(last, today).isoformat())})
    trend_refreshed = (IntakeMonth.objects.filter(district=scope.district).order_by("-refreshed_at")
                       .values_list("refreshed_at", flat=True).first())

    summons = []
    summons_qs = (Summons.objects.filter(_summons_centers(scope), status=SummonsStatus.APPROVED, closed_at__isnull=True)
                  .annotate(waiting=Count("departments", filter=Q(departments__reported_in_at__isnull=True)),
                            total=Count("departments"))
                  .order_by("report_in_due_at")[:20])
    for item in summons_qs:
        summons.append({"id": item.pk, "reason": item.reason[:40], "due": item.report_in_due_at.isoformat()
                        if item.report_in_due_at else "", "waiting": item.waiting, "total": item.total,
                        "url": reverse("dispatch:work-summons", args=[item.pk])})

    mode = mode_current(center=scope.district)
    return {
        "scope": scope.label, "today": iso_today, "now": now.isoformat(),
        "today_total": sum(item["value"] for item in by_channel),
        "today_url": list_url(scope, date_from=iso_today, date_to=iso_today),
        "by_channel": by_channel, "by_status": by_status, "open_total": sum(i["value"] for i in by_status),
        "open_capped": any(counted[key] > COUNT_CAP for key in open_statuses),
        "by_category": by_category, "by_town": by_town, "hot_grids": hot_grids, "trend": trend,
        "overdue": overdue, "overdue_capped": overdue_capped, "overdue_url": list_url(scope, overdue=1),
        "trend_refreshed": trend_refreshed,
        "summons": summons,
        "mode": {"kind": mode.kind, "label": str(mode.get_kind_display()),
                 "level": mode.get_level_display() if mode.level else ""},
    }
