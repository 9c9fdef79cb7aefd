"""Reads from a PostgreSQL streaming replica (`DATABASE_REPLICA_URL`), for the heavy reading pages and
jobs: reports, the dashboard, the assessment, the radar, exports.

Nothing reads from the replica unless it asks to: a view or a task runs its reads there inside
`replica_reads()` (also a decorator). Inside that scope the router still keeps on the primary:
- a read inside a transaction of the primary (`transaction.atomic()`, `select_for_update`): it belongs
  to the write;
- a read of a model this scope has written (read your own write: a job's progress row, the summary it
  just stored);
- every read of a browser that wrote in the last `REPLICA_PIN_SECONDS` (the cookie set by
  `ReplicaPinMiddleware` after a POST): the page after a form shows what the form did;
- everything while the replica is unreachable or lags more than `REPLICA_MAX_LAG_SECONDS`, checked at
  most every `REPLICA_CHECK_SECONDS` per process (a circuit breaker: no request waits on a dead replica).

Writes always go to the primary, and migrations run there only. Without `DATABASE_REPLICA_URL` the
scope changes nothing.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "primary_pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# None outside a replica scope; inside, the set of model labels the scope wrote.
_scope: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("replica_scope", default=None)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_pinned", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Run the block's reads on the replica where that is safe (see the module's rules). Nests."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set(set())
    try:
        yield
    finally:
        _scope.reset(token)


def reads_from_replica(function: Callable[..., Any]) -> Callable[..., Any]:
    """A view or task whose reads run in `replica_reads()`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return function(*args, **kwargs)

    return wrapper


@contextmanager
def pinned_to_primary() -> Iterator[None]:
    """Every read of the block on the primary, replica scope or not."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


class _Breaker:
    """The replica's health as this process last saw it: usable, or not until `retry_at`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at = -1e9
        self._usable = False
        self.reason = ""

    def usable(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at < settings.REPLICA_CHECK_SECONDS:
            return self._usable
        with self._lock:
            if now - self._checked_at >= settings.REPLICA_CHECK_SECONDS:
                self._usable, self.reason = _probe()
                self._checked_at = time.monotonic()
                if not self._usable:
                    logger.warning("reading from the primary: %s", self.reason)
        return self._usable

    def reset(self) -> None:
        self._checked_at = -1e9


def _probe() -> tuple[bool, str]:
    """Connect to the replica and read its replay lag (0 when it has replayed all it received)."""
    connection = connections[REPLICA]
    try:
        connection.ensure_connection()
        if connection.vendor != "postgresql":
            return True, ""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
                "THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END")
            _, lag = cursor.fetchone()
    except Exception as exc:  # whatever keeps the replica from answering: read from the primary
        if isinstance(exc, DatabaseError):
            connection.close_if_unusable_or_obsolete()
        return False, f"只读副本不可用：{exc}".strip()
    if lag is not None and float(lag) > settings.REPLICA_MAX_LAG_SECONDS:
        return False, f"只读副本延迟 {float(lag):.0f} 秒"
    return True, ""


breaker = _Breaker()


def read_alias(model: Any = None) -> str:
    """Where a read of `model` (any model when None) runs now."""
    written = _scope.get()
    if written is None or _pinned.get() or not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if model is not None and model._meta.label_lower in written:
        return DEFAULT_DB_ALIAS
    return REPLICA if breaker.usable() else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """`DATABASE_ROUTERS`: reads on the replica inside `replica_reads()` (the rules above), writes and
    migrations on the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias(model)

    def db_for_write(self, model: Any, **hints: Any) -> str:
        written = _scope.get()
        if written is not None:
            written.add(model._meta.label_lower)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two servers

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaPinMiddleware:
    """A browser that has just written (any unsafe method) reads from the primary for
    `REPLICA_PIN_SECONDS`: the page it is redirected to shows what it did, whatever the replica's lag."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        wrote = request.method not in SAFE_METHODS
        if wrote or PIN_COOKIE in request.COOKIES:
            with pinned_to_primary():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if wrote:
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
