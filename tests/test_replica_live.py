"""Issue 25's scale-out on a real PostgreSQL streaming replica (CI: `.ci/replica` makes one of the local
PostgreSQL with pg_basebackup, then runs these with DATABASE_REPLICA_URL): the dashboard is served
from the replica (its connection is in recovery) while the primary takes writes; a browser that has
just written reads its own write from the primary; a replica that stops replaying is left for the
primary once its lag passes the limit, and taken back when it catches up."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import replica
from governance.tests.factories import CenterFactory, UserFactory
from intake.models import Case
from intake.tests.factories import CaseFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("replica" not in settings.DATABASES, reason="needs DATABASE_REPLICA_URL (a streaming replica)"),
    # Committed rows (the replica sees only those), flushed after each test with the rows the migrations
    # wrote: `.ci/run` runs this module in a pytest of its own.
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def _replicated(count_of, expected: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while count_of() != expected:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


def _on_replica(sql: str):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.fixture
def district(settings):
    settings.REPLICA_CHECK_SECONDS = 0  # ask the replica on every read: the test moves its lag
    settings.REPLICA_MAX_LAG_SECONDS = 1
    replica.breaker.reset()
    center = CenterFactory(quanzhou=True)
    leader = UserFactory(roles=["leader"], profile={"center": center})
    for _ in range(3):
        CaseFactory(district=center, status="in_progress")
    _replicated(lambda: Case.objects.using("replica").filter(district=center).count(), 3)
    yield center, leader
    replica.breaker.reset()


def _dashboard(client) -> tuple[int, int, int]:
    """Today's total on the dashboard, and the statements it ran on the replica and on the primary."""
    with CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get(reverse("review:dashboard"))
    assert response.status_code == 200
    reads = [query for query in on_replica.captured_queries if "pg_is_in_recovery" not in query["sql"]]  # not the probe
    return response.context["data"]["today_total"], len(reads), len(on_primary)


def test_the_dashboard_is_served_from_the_replica_while_the_primary_takes_writes(client, district):
    center, leader = district
    client.force_login(UserFactory(roles=["administrator"], profile={"center": center}))
    assert client.get("/healthz").json()["extra_checks"]["只读副本"]["ok"] is True  # the status page's row
    client.force_login(leader)
    assert _on_replica("SELECT pg_is_in_recovery()") is True  # a standby, not the primary
    stop = threading.Event()
    written = []

    def clerk() -> None:  # the window keeps registering on the primary meanwhile
        try:
            while not stop.is_set():
                written.append(CaseFactory(district=center, status="in_progress").pk)
                time.sleep(0.02)
        finally:
            connections.close_all()

    writer = threading.Thread(target=clerk)
    writer.start()
    try:
        pages = [_dashboard(client) for _ in range(5)]
    finally:
        stop.set()
        writer.join()
    assert len(written) > 5, pages
    for total, reads_on_replica, _ in pages:
        assert reads_on_replica > 0 and total >= 3
    # once the replica has replayed the writes, the page counts them all
    _replicated(lambda: Case.objects.using("replica").filter(district=center).count(), 3 + len(written))
    assert _dashboard(client)[0] == 3 + len(written)


def test_a_browser_that_has_just_written_reads_from_the_primary(client, district):
    _, leader = district
    client.force_login(leader)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})  # any write (POST)
    _, reads_on_replica, reads_on_primary = _dashboard(client)
    assert reads_on_replica == 0 and reads_on_primary > 0
    client.cookies.pop(replica.PIN_COOKIE)  # REPLICA_PIN_SECONDS later the browser's cookie is gone
    assert _dashboard(client)[1] > 0


def test_a_replica_that_stops_replaying_is_left_for_the_primary_and_taken_back(client, district):
    center, leader = district
    client.force_login(leader)
    _on_replica("SELECT pg_wal_replay_pause()::text")
    try:
        CaseFactory(district=center, status="in_progress")
        time.sleep(1.5)  # its lag passes REPLICA_MAX_LAG_SECONDS (1 s here)
        CaseFactory(district=center, status="in_progress")
        total, reads_on_replica, _ = _dashboard(client)
        assert (total, reads_on_replica) == (5, 0)  # every read on the primary, which has both
        assert "延迟" in replica.breaker.reason
        client.force_login(UserFactory(roles=["administrator"], profile={"center": center}))
        row = client.get("/healthz").json()["extra_checks"]["只读副本"]
        assert row["ok"] is False and row["soft"] is True  # amber: the center works on the primary
        assert "暂时全部从主库读取" in row["message"]
        client.force_login(leader)
    finally:
        _on_replica("SELECT pg_wal_replay_resume()::text")
    _replicated(lambda: Case.objects.using("replica").filter(district=center).count(), 5)
    total, reads_on_replica, _ = _dashboard(client)
    assert total == 5 and reads_on_replica > 0
