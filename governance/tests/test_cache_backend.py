"""With Redis unreachable the shared cache is read around: a miss, not a 500, and after the first
failure the circuit stays open so a request does not wait on a timeout for each read."""

from __future__ import annotations

import socket
import time

import pytest

from governance import cache_backend
from governance.cache_backend import ResilientRedisCache


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nothing listens on: bound, then released
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_cache():
    cache_backend.circuit.close()
    yield ResilientRedisCache(f"redis://127.0.0.1:{_closed_port()}/9", {"KEY_PREFIX": "t", "OPTIONS": {"CIRCUIT_SECONDS": 30}})
    cache_backend.circuit.close()


def test_an_unreachable_cache_is_a_miss_and_writes_are_dropped(dead_cache):
    assert dead_cache.get("k", "fallback") == "fallback"
    dead_cache.set("k", 1)
    assert dead_cache.add("k", 1) is False
    assert dead_cache.get_many(["a", "b"]) == {}
    assert dead_cache.get_or_set("k", lambda: 42) == 42
    assert dead_cache.delete("k") is False
    with pytest.raises(ValueError):
        dead_cache.incr("k")
    assert cache_backend.cache_status()["ok"] is False


def test_while_the_circuit_is_open_redis_is_not_tried(dead_cache, monkeypatch):
    dead_cache.get("k")
    calls = []
    monkeypatch.setattr(type(dead_cache._cache), "get", lambda *args: calls.append(args))
    started = time.monotonic()
    for _ in range(100):
        assert dead_cache.get("k") is None
    assert calls == []
    assert time.monotonic() - started < 0.5
    cache_backend.circuit.close()
    dead_cache.get("k")
    assert len(calls) == 1  # closed again: the next read tries Redis


def test_one_redis_client_serves_every_call_of_a_pool():
    """Django builds a redis.Redis per call (70 µs each, ten per registration); one is kept per pool."""
    cache = ResilientRedisCache(f"redis://127.0.0.1:{_closed_port()}/9", {})
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client
    assert cache._cache.get_client("another key", write=True) is client
    assert client.connection_pool is cache._cache._get_connection_pool(True)
