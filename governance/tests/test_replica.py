"""The read replica's rules (governance/replica.py), on any database: where a read goes inside and
outside `replica_reads()`, after a write, inside a transaction, after a browser's POST, and while the
replica is down or lags. The real streaming replica is `tests/test_replica_live.py` (CI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import RequestFactory

from governance import replica
from governance.config import Env
from governance.models import Center, Heartbeat
from governance.replica import (
    PIN_COOKIE,
    REPLICA,
    ReplicaPinMiddleware,
    ReplicaRouter,
    read_alias,
    reads_from_replica,
    replica_reads,
)


@pytest.fixture
def configured(monkeypatch):
    """A replica that answers (its probe is the breaker's, tested below)."""
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica.breaker, "usable", lambda: True)


def test_nothing_reads_from_the_replica_outside_a_scope_or_without_one(monkeypatch, transactional_db):
    assert read_alias(Center) == "default"
    with replica_reads():
        assert read_alias(Center) == "default"  # not configured: a no-op
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica.breaker, "usable", lambda: True)
    assert read_alias(Center) == "default"


def test_a_scope_reads_from_the_replica_until_it_writes_the_model(configured, transactional_db):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Center) == REPLICA
        with replica_reads():  # nested scopes are one scope
            assert router.db_for_write(Heartbeat) == "default"
        assert router.db_for_read(Heartbeat) == "default"  # read your own write
        assert router.db_for_read(Center) == REPLICA  # other models still from the replica
    with replica_reads():
        assert router.db_for_read(Heartbeat) == REPLICA  # a new scope has written nothing


def test_a_read_inside_a_transaction_of_the_primary_stays_on_it(configured, transactional_db):
    with replica_reads():
        with transaction.atomic():
            assert read_alias(Center) == "default"
        assert read_alias(Center) == REPLICA


def test_the_decorator_scopes_a_view_or_a_task(configured, transactional_db):
    seen = reads_from_replica(lambda: read_alias(Center))
    assert seen() == REPLICA and read_alias(Center) == "default"


def test_a_dead_or_lagging_replica_sends_every_read_to_the_primary(monkeypatch, settings, transactional_db):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    settings.REPLICA_CHECK_SECONDS = 0
    answers = iter([(False, "只读副本不可用：connection refused"), (False, "只读副本延迟 45 秒"), (True, "")])
    monkeypatch.setattr(replica, "_probe", lambda: next(answers))
    replica.breaker.reset()
    with replica_reads():
        assert read_alias(Center) == "default" and replica.breaker.reason.startswith("只读副本不可用")
        assert read_alias(Center) == "default" and replica.breaker.reason == "只读副本延迟 45 秒"
        assert read_alias(Center) == REPLICA


def test_the_breaker_asks_the_replica_at_most_once_per_interval(monkeypatch, settings, transactional_db):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    settings.REPLICA_CHECK_SECONDS = 3600
    probes = []
    monkeypatch.setattr(replica, "_probe", lambda: probes.append(1) or (True, ""))
    replica.breaker.reset()
    with replica_reads():
        for _ in range(50):
            assert read_alias(Center) == REPLICA
    assert len(probes) == 1
    replica.breaker.reset()


def test_a_browser_that_wrote_reads_from_the_primary_for_a_while(configured, settings, transactional_db):
    settings.REPLICA_PIN_SECONDS = 10
    seen = []

    def view(request):
        from django.http import HttpResponse

        with replica_reads():
            seen.append(read_alias(Center))
        return HttpResponse("ok")

    middleware = ReplicaPinMiddleware(view)
    requests = RequestFactory()
    posted = middleware(requests.post("/intake/window/"))
    assert seen == ["default"] and posted.cookies[PIN_COOKIE]["max-age"] == 10
    following = requests.get("/review/dashboard/")
    following.COOKIES[PIN_COOKIE] = "1"
    middleware(following)
    middleware(requests.get("/review/dashboard/"))  # the pin has expired (no cookie)
    assert seen == ["default", "default", REPLICA]


def test_migrations_run_on_the_primary_only():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "intake") and not router.allow_migrate(REPLICA, "intake")


def test_the_replica_url_is_postgresql_beside_a_postgresql_primary():
    sqlite = Env({}).database(default_sqlite=Path("/tmp/x.sqlite3"))
    assert Env({}).replica_database(sqlite) is None
    with pytest.raises(ImproperlyConfigured, match="需要 PostgreSQL 主库"):
        Env({"DATABASE_REPLICA_URL": "postgres://r/db"}).replica_database(sqlite)
    primary = Env({"DATABASE_URL": "postgres://p/db"}).database(default_sqlite=None)
    config = Env({"DATABASE_REPLICA_URL": "postgres://u@replica:5433/db"}).replica_database(primary)
    assert (config["HOST"], config["PORT"], config["TEST"]) == ("replica", 5433, {"MIRROR": "default"})
    with pytest.raises(ImproperlyConfigured, match="只读副本"):
        Env({"DATABASE_REPLICA_URL": "sqlite:///tmp/r.sqlite3"}).replica_database(primary)
