"""Test databases cloned from a migrated template instead of migrated one by one.

Migrating an empty database takes about 45 s of CPU (Django renders the project's model states some
20,000 times over the 120 migrations), and a run of the suite made as many of them as it had processes:
CI's passes made a dozen. The first process to need a test database migrates a template once, named by
a digest of every migration file and the Django version (so a changed or added migration builds a new
one), and every test database is a copy of it:

- PostgreSQL: `CREATE DATABASE ... TEMPLATE`, under an advisory lock (the processes of several runs on
  one server take turns); the template is built under another name and renamed when complete, so a
  process killed while migrating leaves no half-built template behind;
- SQLite: a file under VAR_DIR (`manage.py migrate` in a process of its own), built beside and moved into
  place under a file lock, copied into each process's in-memory database with SQLite's backup API (and
  by the README's test into the database its `./manage migrate` then finds up to date).

Django's own `setup_databases` then finds the copy migrated (`keepdb`: its `migrate` applies nothing) and
does the rest as always (mirrors, cache table, serialisation); the copies are dropped after the run as
before. Another database engine, `--reuse-db`, `--create-db` and `--no-migrations` keep pytest-django's
own way.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PREFIX = "test_template_"
LOCK_KEY = 0x676F7674  # the advisory lock the PostgreSQL templates are built and copied under


def migrations_digest() -> str:
    """What the migrated schema depends on: every migration file's path and content, and Django's version."""
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _migrate(connection: BaseDatabaseWrapper, name: str) -> None:
    """Migrate the database `name` (existing and empty) through `connection`'s settings."""
    previous = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False, database=connection.alias, run_syncdb=True)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


def postgresql_copy(cursor: Any, name: str, *, replace: bool = True,
                    build: Callable[[str], None] | None = None) -> None:
    """With `cursor` on the server's maintenance database: the database `name` as a copy of the migrated
    template, under the templates' lock. A missing template is built by `build(database)` (an empty
    database to migrate), or without `build` `name` is created empty. An existing `name` is dropped
    first, or kept (`replace=False`)."""
    template = TEMPLATE_PREFIX + migrations_digest()
    cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        if cursor.fetchone() is None and build is not None:
            building = template + "_building"
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote(building)}")
            cursor.execute(f"CREATE DATABASE {_quote(building)}")
            build(building)
            cursor.execute(f"ALTER DATABASE {_quote(building)} RENAME TO {_quote(template)}")
            _drop_other_templates(cursor, template)
        cursor.execute("SELECT datname FROM pg_database WHERE datname IN (%s, %s)", [name, template])
        found = {row[0] for row in cursor.fetchall()}
        if name not in found or replace:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)}")
            cursor.execute(f"CREATE DATABASE {_quote(name)}"
                           + (f" TEMPLATE {_quote(template)}" if template in found else ""))
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _quote(name: str) -> str:
    escaped = name.replace('"', '""')
    return f'"{escaped}"'


def _drop_other_templates(cursor: Any, keep: str) -> None:
    """Templates of earlier migration sets nobody will copy again (a database in use is left)."""
    cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                   [TEMPLATE_PREFIX.replace("_", r"\_") + "%", keep])
    for (name,) in cursor.fetchall():
        with contextlib.suppress(Exception):
            cursor.execute(f"DROP DATABASE {_quote(name)}")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_template() -> Path:
    """The migrated SQLite template of this checkout (VAR_DIR), migrated first if there is none: by
    `manage.py migrate` in a process of its own, whatever database this process's tests use."""
    folder = Path(settings.VAR_DIR) / "test-templates"
    template = folder / f"{migrations_digest()}.sqlite3"
    with _file_lock(folder / "lock"):
        if not template.exists():
            for old in folder.glob("*.sqlite3*"):
                old.unlink()
            building = folder / "building.sqlite3"
            building.unlink(missing_ok=True)
            environ = {**os.environ, "DATABASE_URL": f"sqlite:///{building}", "DEBUG": "1"}
            subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=environ,
                           check=True, timeout=600)
            building.replace(template)
    return template


def _sqlite_copy(connection: BaseDatabaseWrapper) -> sqlite3.Connection | None:
    """Fills the process's test database from the template file. An in-memory one (the default) is
    filled through a connection that keeps that shared in-memory database alive until Django's own
    opens it: answered, to be closed after the run."""
    template = sqlite_template()
    test_name = connection.creation._get_test_db_name()
    if not connection.creation.is_in_memory_db(test_name):
        shutil.copyfile(template, test_name)
        return None
    keeper = sqlite3.connect(test_name, uri=True)
    source = sqlite3.connect(template)
    try:
        source.backup(keeper)
    finally:
        source.close()
    return keeper


def _copied(connection: BaseDatabaseWrapper) -> bool:
    return not connection.settings_dict.get("TEST", {}).get("MIRROR")


def supported() -> bool:
    """Every database the tests create is PostgreSQL or SQLite (the others are migrated by Django)."""
    return all(connections[alias].vendor in ("postgresql", "sqlite")
               for alias in connections if _copied(connections[alias]))


def _wait_for_mirrors(alias: str, seconds: float = 60) -> None:
    """A streaming replica mirroring `alias` replays the copy's CREATE DATABASE a moment later (a migrate
    of 45 s used to give it that time): its tests connect once the replica has the database."""
    name = connections[alias].creation._get_test_db_name()
    for mirror in connections:
        if connections[mirror].settings_dict.get("TEST", {}).get("MIRROR") != alias:
            continue
        deadline = time.monotonic() + seconds
        with connections[mirror]._nodb_cursor() as cursor:
            while True:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if cursor.fetchone() or time.monotonic() > deadline:
                    break
                time.sleep(0.2)


def copy_test_databases(aliases: set[str]) -> list[sqlite3.Connection]:
    """Copies the template into each test database of `aliases` (their mirrors follow them); answers the
    connections that must stay open until Django's own have opened the copies."""
    keep = []
    for alias in sorted(aliases):
        connection = connections[alias]
        if not _copied(connection):
            continue
        if connection.vendor == "postgresql":
            with connection._nodb_cursor() as cursor:
                postgresql_copy(cursor, connection.creation._get_test_db_name(),
                                build=functools.partial(_migrate, connection))
            _wait_for_mirrors(alias)
        elif (keeper := _sqlite_copy(connection)) is not None:
            keep.append(keeper)
    return keep


def delete_flush(original: Any) -> Any:
    """PostgreSQL's `sql_flush` for the tests: a transactional test's teardown empties the tables with
    DELETE instead of one TRUNCATE of all 119 of them, which creates new files for every table and index
    (3 s a test on two busy cores, against 0.05 s; CI's PostgreSQL pass has 200 such tests). Django's
    foreign keys are deferrable, checked when the flush commits. Sequences to reset and cascades keep
    Django's TRUNCATE."""

    def sql_flush(self: Any, style: Any, tables: list[str], *, reset_sequences: bool = False,
                  allow_cascade: bool = False) -> list[str]:
        if reset_sequences or allow_cascade or not tables:
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED", *(f"DELETE FROM {self.quote_name(table)}" for table in tables)]

    return sql_flush
