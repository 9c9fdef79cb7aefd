"""Counts that stay cheap at millions of rows: past a cap the exact number costs more than it tells,
so a count stops at `cap + 1` and is shown as "10000+" (the list, the dispatch board, the dashboard)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import SimpleListFilter
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet, Value
from django.http import HttpRequest
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def capped_counts(counts: dict[str, QuerySet], cap: int = COUNT_CAP) -> dict[str, int]:
    """Each queryset's number of rows, counted up to `cap + 1`, all in one statement."""
    if not counts:
        return {}
    parts, params = [], []
    for n, rows in enumerate(counts.values()):
        # `SELECT 1`: nothing to read from the table when an index answers the filter.
        sql, values = rows.order_by().values(one=Value(1))[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS rows_{n})")  # noqa: S608 - the ORM's SQL
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(counts, cursor.fetchone(), strict=True))


def count_label(n: int, cap: int = COUNT_CAP) -> str:
    """The number as shown: "10000+" past the cap."""
    return f"{cap}+" if n > cap else str(n)


class CappedPaginator(Paginator):
    """Django's paginator counting at most `COUNT_CAP + 1` rows: the admin's lists of millions of rows
    (with `show_full_result_count = False`) page without counting the whole table."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            return rows.order_by()[: COUNT_CAP + 1].count()
        return len(rows)

    @property
    def capped(self) -> bool:
        """Whether there are more rows than `count` (it stopped at COUNT_CAP + 1)."""
        return self.count > COUNT_CAP


class RecentValuesFilter(SimpleListFilter):
    """An admin filter on a column of a large table offering the values of its newest `COUNT_CAP` rows
    (Django's own reads every row's value with a DISTINCT): `RecentValuesFilter.on("kind", _("类型"))`."""

    field = ""

    @classmethod
    def on(cls, field: str, title: Any) -> type[RecentValuesFilter]:
        return type(f"Recent_{field}", (cls,), {"field": field, "title": title, "parameter_name": field})

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = model_admin.model._default_manager.order_by()
        oldest = rows.order_by("-pk").values_list("pk", flat=True)[COUNT_CAP - 1: COUNT_CAP].first()
        if oldest is not None:  # the newest rows: a range of the primary key
            rows = rows.filter(pk__gte=oldest)
        values = rows.exclude(**{self.field: ""}).values_list(self.field, flat=True).distinct()
        return [(value, value) for value in sorted(values)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset
