"""The shared cache on Redis, read around when Redis is unreachable.

A cache is an optimisation: when Redis is down a read is a miss (the caller loads from the database)
and a write is dropped, instead of a 500. After a failure the circuit stays open for
`CACHE_CIRCUIT_SECONDS`: the calls within that time do not try Redis at all, so a request does not
wait on a connection timeout for each of its cache reads. The first call after that tries again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds the cache is skipped after Redis failed to answer.
CIRCUIT_SECONDS = 5.0


class _Circuit:
    """Open (skip Redis) until `reopen_at`; shared by the threads of a process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open_until = 0.0
        self.failures = 0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, exc: BaseException, seconds: float) -> None:
        with self._lock:
            first = not self.is_open()
            self.open_until = time.monotonic() + seconds
            self.failures += 1
        if first:
            logger.warning("shared cache unreachable, read around it for %.0f s: %s", seconds, exc)

    def close(self) -> None:
        self.open_until = 0.0


circuit = _Circuit()


class _OneClientPerPool(RedisCacheClient):
    """Django's client builds a `redis.Redis` for every cache call (70 µs here: its table of reply
    callbacks), ten times per registration (issue 25). One per connection pool serves them all: a
    `redis.Redis` holds no connection of its own (each command takes one from the pool) and is
    shared by threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache whose failures are misses (reads) and no-ops (writes)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.circuit_seconds = float(options.pop("CIRCUIT_SECONDS", CIRCUIT_SECONDS))
        # Fail fast: a cache that takes seconds to answer is no cache.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _OneClientPerPool

    def _guard(self, call: Callable[[], T], fallback: Callable[[], T]) -> T:
        if circuit.is_open():
            return fallback()
        try:
            return call()
        except (RedisError, OSError) as exc:
            circuit.trip(exc, self.circuit_seconds)
            return fallback()

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), lambda: False)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).get(key, default, version), lambda: default)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), lambda: None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), lambda: False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key, version), lambda: False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), dict)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), lambda: False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # Without the cache there is no stored value to increment: the caller's "missing key" path.
        def missing() -> int:
            raise ValueError(f"Key '{key}' not found (cache unreachable)")

        return self._guard(lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing)

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
                           lambda: list(data))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), lambda: None)

    def clear(self) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).clear(), lambda: False)


def cache_status() -> dict[str, Any]:
    """For the status page: whether the shared cache is being read around right now."""
    return {"ok": not circuit.is_open(), "failures": circuit.failures}
