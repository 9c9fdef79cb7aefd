"""Reference data read on every request (the mode in force, calendar overrides, categories), cached.

A value is stored in the shared cache (Redis when `REDIS_URL` is set, so every gunicorn worker
and Celery child sees the same) under its namespace's *generation*: a change bumps the generation
after its transaction commits, and every older value is simply never read again.

Inside the transaction that changed a namespace, reads of that namespace bypass the cache: the
change is not visible to others yet, and it may still roll back.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

# Safety net: a value older than this is read again even if no change was seen (an edit made
# with a bulk UPDATE, which sends no signal, is picked up within this many seconds).
DEFAULT_TIMEOUT = 300

OPERATING_MODE = "operating_mode"
CALENDAR = "calendar"
CATEGORY = "category"


def _generation_key(namespace: str) -> str:
    return f"gov:gen:{namespace}"


def _dirty(namespace: str) -> bool:
    """Whether the current transaction changed the namespace: its bump still waits for the commit
    (a rollback discards the waiting callbacks, and with them the mark)."""
    connection = connections[DEFAULT_DB_ALIAS]
    return any(isinstance(entry[1], _Bump) and entry[1].namespace == namespace for entry in connection.run_on_commit)


def cached_read(namespace: str, key: Hashable, load: Callable[[], T], *, timeout: int = DEFAULT_TIMEOUT) -> T:
    """`load()`, or its value cached under the namespace's current generation."""
    if _dirty(namespace):
        return load()
    generation = cache.get_or_set(_generation_key(namespace), time.time_ns, timeout=None)
    data_key = f"gov:{namespace}:{generation}:{key}"
    value = cache.get(data_key, _MISSING)
    if value is _MISSING:
        value = load()
        cache.set(data_key, value, timeout)
    return value  # type: ignore[return-value]


COUNTED_EVERY_SECONDS = 60


def counted_once_a_minute(namespace: str, key: str, count: Callable[[dt.datetime], T], *, now: dt.datetime) -> T:
    """`count(at)` for the minute `now` falls in (`at`: that minute's start, so a deadline compared with
    it gives one answer for the whole minute), cached for that minute: figures that read every open
    matter of a district, shown on every view, counted at most once a minute (the pages say so)."""
    at = counting_minute(now)
    minute = int(at.timestamp()) // COUNTED_EVERY_SECONDS
    return cached_read(namespace, f"{key}:{minute}", lambda: count(at), timeout=2 * COUNTED_EVERY_SECONDS)


def counting_minute(now: dt.datetime) -> dt.datetime:
    """The start of the minute `now` falls in: what a count once a minute is as of."""
    return dt.datetime.fromtimestamp(int(now.timestamp()) // COUNTED_EVERY_SECONDS * COUNTED_EVERY_SECONDS, tz=dt.UTC)


def cache_invalidate(namespace: str) -> None:
    """Forget every cached value of the namespace once the current transaction commits."""
    if not _dirty(namespace):
        transaction.on_commit(_Bump(namespace))


class _Bump:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def __call__(self) -> None:
        # A new unique generation (not +1: an evicted counter restarting at 0 could revive old values).
        cache.set(_generation_key(self.namespace), time.time_ns(), timeout=None)


def cache_invalidate_on_change(model: type[Model], namespace: str) -> None:
    """Every save or delete of a `model` row invalidates `namespace` (called from the owning app's ready())."""

    def receiver(**kwargs: object) -> None:
        cache_invalidate(namespace)

    uid = f"cache:{model._meta.label}:{namespace}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)


class _Missing:
    pass


_MISSING = _Missing()
