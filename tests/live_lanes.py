"""The live tests (real worker, beat and web processes on the real database and broker) in two lanes.

They mostly wait on real clocks: twenty minutes of waiting one after another made the longest process of
CI's PostgreSQL pass. A lane is run by one process of `make test`, its modules one after another
(`conftest.py`'s scheduler), and has a database and a broker of its own, so that the worker processes
one lane starts never take the tasks, nor read the rows, of the other's:

- lane 0 (every live module outside `dispatch/`): the environment as given, DATABASE_URL and REDIS_URL;
- lane 1 (the deadline engine's own, `dispatch/`): the database `<name>_lane1` on the same server
  (created on first use as a copy of the migrated test template, `tests/database_template.py`), the
  Redis database eight above the given one, and the private redis-servers' ports 6395-6399 (lane 0
  takes 6390-6394: a stopped private broker's port is not free for the other lane to take).

The two halves are of about the same length (ten minutes each on two cores).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16


def is_live(nodeid: str) -> bool:
    """A live test: its module's name says so (`*_live.py`, `*_live_celery.py`)."""
    return "_live" in Path(nodeid.split("::", 1)[0]).stem


def lane_of(nodeid: str) -> int:
    return 1 if nodeid.startswith("dispatch/") else 0


def current_lane() -> int:
    """The lane of the test running now (pytest names it in PYTEST_CURRENT_TEST); 0 outside a test."""
    return lane_of(os.environ.get("PYTEST_CURRENT_TEST", ""))


def lane_environment(environ: dict[str, str], lane: int) -> dict[str, str]:
    """DATABASE_URL and REDIS_URL of `lane`, from the environment's own (lane 0's)."""
    if lane == 0:
        return {}
    changed = {}
    if database := environ.get("DATABASE_URL", ""):
        parts = urlsplit(database)
        changed["DATABASE_URL"] = urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_lane{lane}"))
    if broker := environ.get("REDIS_URL", ""):
        parts = urlsplit(broker)
        number = int(parts.path.strip("/") or 0)
        changed["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{(number + 8 * lane) % REDIS_DATABASES}"))
    return changed


def private_ports(lane: int) -> range:
    """The ports a lane's private redis-servers may take."""
    return range(6390 + 5 * lane, 6395 + 5 * lane)


def ensure_database(database_url: str) -> None:
    """Creates the lane's PostgreSQL database when it does not exist: a copy of the migrated test template
    when there is one (the `migrate` that follows then applies nothing), else empty."""
    import psycopg2

    from tests.database_template import postgresql_copy

    parts = urlsplit(database_url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            postgresql_copy(cursor, parts.path.lstrip("/"), replace=False)
    finally:
        admin.close()
