"""Reference data cached across requests: read once, read again after a change commits, never
served stale to the transaction that changed it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from governance.cache import CALENDAR, CATEGORY, cache_invalidate, cached_read
from governance.choices import CalendarDayKind
from governance.models import CalendarDay
from governance.workcal import WorkingCalendar

pytestmark = pytest.mark.django_db


def test_a_cached_value_is_read_once():
    calls = []
    for _ in range(3):
        assert cached_read(CATEGORY, 7, lambda: calls.append(1) or "value") == "value"
    assert calls == [1]


def test_a_committed_change_is_read_again(django_capture_on_commit_callbacks):
    values = iter(["old", "new"])
    assert cached_read(CATEGORY, 1, lambda: next(values)) == "old"
    with django_capture_on_commit_callbacks(execute=True):
        cache_invalidate(CATEGORY)
    assert cached_read(CATEGORY, 1, lambda: next(values)) == "new"


def test_namespaces_are_separate(django_capture_on_commit_callbacks):
    assert cached_read(CALENDAR, 1, lambda: "calendar") == "calendar"
    with django_capture_on_commit_callbacks(execute=True):
        cache_invalidate(CATEGORY)
    assert cached_read(CALENDAR, 1, lambda: "reloaded") == "calendar"


def test_the_changing_transaction_bypasses_the_cache_until_commit(django_capture_on_commit_callbacks):
    assert cached_read(CATEGORY, 1, lambda: "old") == "old"
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        cache_invalidate(CATEGORY)
        # Its own change is visible to it, and is not stored for others before the commit.
        assert cached_read(CATEGORY, 1, lambda: "uncommitted") == "uncommitted"
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_the_cache_as_it_was():
    assert cached_read(CATEGORY, 1, lambda: "committed") == "committed"
    with pytest.raises(RuntimeError), transaction.atomic():
        cache_invalidate(CATEGORY)
        assert cached_read(CATEGORY, 1, lambda: "uncommitted") == "uncommitted"
        raise RuntimeError("rollback")
    assert cached_read(CATEGORY, 1, lambda: "reloaded") == "committed"


@pytest.mark.django_db(transaction=True)
def test_a_new_calendar_day_reaches_the_next_calendar(django_assert_num_queries):
    day = dt.date(2031, 3, 4)  # a Tuesday in a year the package does not cover
    assert WorkingCalendar().is_working_day(day)
    with django_assert_num_queries(0):
        WorkingCalendar()  # served from the cache
    CalendarDay.objects.create(date=day, kind=CalendarDayKind.HOLIDAY, name="台风停工")  # autocommit: bumps
    assert not WorkingCalendar().is_working_day(day)
    CalendarDay.objects.filter(date=day).delete()
    assert WorkingCalendar().is_working_day(day)
