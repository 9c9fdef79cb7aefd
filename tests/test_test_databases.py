"""The suite's own machinery for its databases (tests/database_template.py, tests/live_lanes.py): test
databases copied from a template named by the migrations, transactional teardowns by DELETE on
PostgreSQL, and the live tests' second lane with a database, broker and ports of its own."""

from __future__ import annotations

import sqlite3

import pytest
from django.core.management.color import no_style
from django.db import connection

from intake.tests.factories import CaseFactory
from tests import database_template
from tests.live_lanes import lane_environment, lane_of, private_ports


def test_the_template_s_name_changes_with_any_migration(tmp_path, monkeypatch):
    migration = tmp_path / "intake" / "migrations" / "0001_initial.py"
    migration.parent.mkdir(parents=True)
    migration.write_text("operations = []\n")
    monkeypatch.setattr(database_template, "ROOT", tmp_path)
    first = database_template.migrations_digest()
    assert database_template.migrations_digest() == first
    migration.write_text("operations = [1]\n")
    changed = database_template.migrations_digest()
    (tmp_path / "intake" / "migrations" / "0002_more.py").write_text("")
    assert len({first, changed, database_template.migrations_digest()}) == 3


def test_a_sqlite_template_is_migrated_once_and_copied(tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path
    migrated = []

    def migrate(command, cwd, env, **kwargs):  # stands for the 45 s `manage.py migrate`: one table, one row
        name = env["DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(name) as database:
            database.execute("CREATE TABLE t (x int)")
            database.execute("INSERT INTO t VALUES (1)")
        migrated.append(command)

    class Creation:
        @staticmethod
        def _get_test_db_name():
            return str(tmp_path / f"copy{len(copies)}.sqlite3")

        @staticmethod
        def is_in_memory_db(name):
            return False

    class Connection:
        creation = Creation

    monkeypatch.setattr(database_template.subprocess, "run", migrate)
    copies: list[str] = []
    for _ in range(2):
        assert database_template._sqlite_copy(Connection) is None
        copies.append(Creation._get_test_db_name())
    assert len(migrated) == 1 and migrated[0][-3:] == ["migrate", "--noinput", "-v0"]
    assert [sqlite3.connect(copy).execute("SELECT x FROM t").fetchall() for copy in copies] == [[(1,)], [(1,)]]
    (tmp_path / "intake").mkdir()
    monkeypatch.setattr(database_template, "ROOT", tmp_path)  # another set of migrations: another template
    database_template._sqlite_copy(Connection)
    assert len(migrated) == 2 and len(list((tmp_path / "test-templates").glob("*.sqlite3"))) == 1


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_flush_deletes_related_rows_in_any_order():
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE flush is PostgreSQL's")
    case = CaseFactory()
    # the center's table first: the matter pointing at it is deleted after it
    tables = [case.center._meta.db_table, *connection.introspection.django_table_names(only_existing=True)]
    statements = connection.ops.sql_flush(no_style(), tables)
    assert statements[0] == "SET CONSTRAINTS ALL DEFERRED" and all(s.startswith("DELETE") for s in statements[1:])
    connection.ops.execute_sql_flush(statements)
    assert not type(case).objects.exists()
    assert connection.ops.sql_flush(no_style(), tables, reset_sequences=True)[0].startswith("TRUNCATE")


def test_the_second_lane_has_its_own_database_broker_and_ports():
    environ = {"DATABASE_URL": "postgres://postgres:pw@127.0.0.1:5432/governance_ci?sslmode=disable",
               "REDIS_URL": "redis://127.0.0.1:6379/3"}
    assert lane_environment(environ, 0) == {}
    assert lane_environment(environ, 1) == {
        "DATABASE_URL": "postgres://postgres:pw@127.0.0.1:5432/governance_ci_lane1?sslmode=disable",
        "REDIS_URL": "redis://127.0.0.1:6379/11"}
    assert lane_environment({"REDIS_URL": "redis://127.0.0.1:6379"}, 1) == {"REDIS_URL": "redis://127.0.0.1:6379/8"}
    assert lane_environment({"REDIS_URL": "redis://127.0.0.1:6379/12"}, 1)["REDIS_URL"].endswith("/4")
    assert not set(private_ports(0)) & set(private_ports(1))
    assert lane_of("dispatch/tests/test_clocks_live_celery.py::test_x") == 1
    assert lane_of("review/tests/test_ladder_live.py::test_x (call)") == 0
