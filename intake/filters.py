"""The list filters of matters (pages, API, export) as one django-filter FilterSet.

A value that does not parse (`?category=²`, `?date_from=yesterday`) fails its form field and is left
out, so the list shows unfiltered by it instead of failing; the API validates its query first and
answers 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from intake.choices import CaseStatus
from intake.models import Case, Category

# The indexed lexemes of the text's character pairs (migration 0011) hold the term itself: found
# from the index, and exact (a pair is a lexeme exactly when the lower-cased text holds it). Only a
# two-character term of letters and digits comes here, so quoting it makes one plain lexeme.
BIGRAM_MATCH = "search_pairs @@ quote_literal(lower(%s))::tsquery"
SEARCH_MAX_CHARS = 100
TICKED = frozenset({"1", "on", "true", True})


class IdFilter(django_filters.NumberFilter):
    """A whole positive id that fits the database (NumberFilter alone would accept 1.5)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class CaseFilterSet(django_filters.FilterSet):
    status = django_filters.CharFilter(field_name="status")
    channel = django_filters.CharFilter(field_name="channel")
    category = IdFilter(method="filter_category")
    town = IdFilter(field_name="town_id")
    grid = IdFilter(field_name="grid_id")
    date_from = django_filters.DateFilter(method="filter_date_from")
    date_to = django_filters.DateFilter(method="filter_date_to")
    overdue = django_filters.CharFilter(method="filter_overdue")  # a ticked box: 1, on or true
    first_receiver = IdFilter(field_name="first_receiver_id")
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args: Any, now: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def filter_category(self, queryset: QuerySet[Case], name: str, value: int) -> QuerySet[Case]:
        # A top-level category includes its children. The ids are read first (a tiny table): with a
        # subquery PostgreSQL loops over the categories and repeats every index scan per category
        # (1.7 s instead of 0.2 s over a million matters).
        ids = list(Category.objects.filter(Q(pk=value) | Q(parent_id=value)).values_list("pk", flat=True))
        return queryset.filter(category_id__in=ids)

    # No matter is registered outside these years; a day beyond them bounds nothing (0001-01-01 and
    # 9999-12-31 used to overflow converting to UTC or adding a day: a 500).
    YEARS = range(1900, 2200)

    def filter_date_from(self, queryset: QuerySet[Case], name: str, value: dt.date) -> QuerySet[Case]:
        if value.year < self.YEARS.start:
            return queryset
        if value.year >= self.YEARS.stop:
            return queryset.none()
        start = dt.datetime.combine(value, dt.time.min, timezone.get_current_timezone())
        return queryset.filter(registered_at__gte=start)

    def filter_date_to(self, queryset: QuerySet[Case], name: str, value: dt.date) -> QuerySet[Case]:
        if value.year >= self.YEARS.stop:
            return queryset
        if value.year < self.YEARS.start:
            return queryset.none()
        end = dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min, timezone.get_current_timezone())
        return queryset.filter(registered_at__lt=end)

    def filter_overdue(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value not in TICKED:
            return queryset
        return queryset.filter(due_at__lt=self.now).exclude(status=CaseStatus.CLOSED)

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        term = value.strip()[:SEARCH_MAX_CHARS]
        if not term:
            return queryset
        # icontains: on PostgreSQL served by the GIN trigram indexes of migration 0004 from three
        # characters on; a two-character term (most Chinese words) by the character-pair index of
        # 0006/0011 instead, which trigrams cannot serve.
        if connection.vendor == "postgresql" and len(term) == 2 and term.isalnum():
            # A constant SQL text; the term is a bound parameter. No LIKE beside it: the planner
            # would also try the trigram indexes, which match everything for two characters.
            condition = Q(RawSQL(BIGRAM_MATCH, [term], output_field=BooleanField()))  # noqa: S611
        else:
            condition = Q(title__icontains=term) | Q(description__icontains=term)
        if len(term) >= 6 and (term.isascii() and term.replace("-", "").isalnum()):
            condition |= Q(code__iexact=term)
        return queryset.filter(condition)


def case_filters_clean(query: Any) -> dict[str, Any]:
    """The values of `query` that parse, by filter name (invalid ones are left out)."""
    form = CaseFilterSet(data=query, queryset=Case.objects.none()).form
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
