"""Project-wide test fixtures."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from tests.live_lanes import is_live, lane_of
from tests.strict_templates import InvalidVariable, take_reports


@pytest.fixture(autouse=True, scope="session")
def _strict_templates(django_test_environment):
    """A variable our templates print or pass on must exist (rule and mechanism:
    tests/strict_templates.py). Set on the engine before any test renders a page."""
    from django.conf import settings
    from django.test.signals import reset_template_engines

    options = settings.TEMPLATES[0]["OPTIONS"]
    previous = options.get("string_if_invalid", "")
    options["string_if_invalid"] = InvalidVariable()
    reset_template_engines(setting="TEMPLATES")
    yield
    options["string_if_invalid"] = previous
    reset_template_engines(setting="TEMPLATES")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.strict_templates_call_failed = report.failed
    return report


@pytest.fixture(autouse=True)
def _no_undefined_template_variables(request, _strict_templates):
    """Fails a test that rendered an undefined variable even where the exception was caught
    (a live server's thread, a Celery task); a test that already failed of it is not failed twice."""
    take_reports()
    yield
    reports = take_reports()
    if reports and not getattr(request.node, "strict_templates_call_failed", False):
        pytest.fail("\n".join(dict.fromkeys(reports)), pytrace=False)


def settings_for_tests(media_root: Path) -> dict[str, Any]:
    """The settings every test runs with (and the demo seeded for a module's tests):
    - files under the test's own media root;
    - pages rendered without a collectstatic run (`test_static` checks the manifest build itself);
    - passwords hashed fast;
    - a cache of its own, empty: ids are reused between tests (governance.cache), and clearing a Redis
      cache would empty the Celery broker's database;
    - no login lockout: Django's test `Client.login()` authenticates without a request, which
      django-axes refuses (the lockout tests, governance/tests/test_security_logins.py, switch it
      back on and log in through the login page as a browser does)."""
    from django.conf import settings

    return {
        "MEDIA_ROOT": media_root,
        "STORAGES": {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "AXES_ENABLED": False,
    }


@contextmanager
def eager_tasks() -> Iterator[None]:
    """Tasks run inline in tests unless a test talks to a real worker."""
    from governance.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    from django.core.cache import cache

    for name, value in settings_for_tests(tmp_path / "media").items():
        setattr(settings, name, value)
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    with eager_tasks():
        yield


@pytest.fixture(autouse=True, scope="session")
def _flush_by_delete() -> Iterator[None]:
    """Transactional tests' teardowns on PostgreSQL empty the tables by DELETE (tests/database_template.py)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from tests.database_template import delete_flush

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", delete_flush(DatabaseOperations.sql_flush))
        yield


def _copies_databases(config: pytest.Config) -> bool:
    """Test databases are copies of a migrated template (tests/database_template.py) unless the run
    asks for pytest-django's own ways (`--reuse-db`, `--create-db`, `--no-migrations`) or a database is
    neither PostgreSQL nor SQLite."""
    from tests.database_template import supported

    return supported() and not any(config.getvalue(option) for option in ("reuse_db", "create_db", "nomigrations"))


@pytest.fixture(scope="session")
def django_db_keepdb(request: pytest.FixtureRequest) -> bool:
    """A copied test database is found migrated by Django (`keepdb`), and dropped by
    `django_db_modify_db_settings` below after the run."""
    return bool(request.config.getvalue("reuse_db")) or _copies_databases(request.config)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, request, django_db_blocker) -> Iterator[None]:
    """After pytest-django's per-process names: each test database a copy of the migrated template."""
    if not _copies_databases(request.config):
        yield
        return
    from django.db import connections

    from tests.database_template import copy_test_databases

    names = {alias: connections[alias].settings_dict["NAME"] for alias in connections}
    with django_db_blocker.unblock():
        keepers = copy_test_databases(set(names))
    yield
    with django_db_blocker.unblock():
        for keeper in keepers:
            keeper.close()
        for alias, name in names.items():
            connection = connections[alias]
            if connection.settings_dict["NAME"] != name and not connection.settings_dict.get("TEST", {}).get("MIRROR"):
                connection.creation.destroy_test_db(name, verbosity=0)  # a file or PostgreSQL copy: dropped


@pytest.fixture(scope="module")
def demo_seeded(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """`seed_demo` once for the tests of a module (it takes seconds), answering what it printed.

    It runs in a transaction kept open while the module's tests run, each of them in a savepoint of
    it (pytest-django's `db`, which a test of the demo must use: a function fixture asking for `db`
    and this), and everything is rolled back after the module's last test. The seed sees the tests'
    settings (above). A module may set `DEMO_AT` (a datetime: the seed's frozen clock) and
    `DEMO_HISTORY_MATTERS` (the demo's generated history)."""
    from django.conf import settings

    at = getattr(request.module, "DEMO_AT", None)
    history = getattr(request.module, "DEMO_HISTORY_MATTERS", settings.DEMO_HISTORY_MATTERS)
    printed = io.StringIO()
    with (django_db_blocker.unblock(), eager_tasks(),
          override_settings(**settings_for_tests(tmp_path_factory.mktemp("demo") / "media"),
                            DEMO_HISTORY_MATTERS=history), transaction.atomic()):
        with time_machine.travel(at, tick=False) if at else nullcontext():
            call_command("seed_demo", stdout=printed)
        yield printed.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in English through the test client leaves
    English active in the thread, and under `make test` the next test in that process could be any."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.hookimpl(trylast=True)  # after pytest-django's ordering by kind of database use
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The live tests (real worker processes on the real database and broker) go first: they mostly
    wait on real clocks, and under `make test` (pytest-xdist) the other processes run the rest
    meanwhile. They are known by their module's name, which is all xdist's scheduler sees."""
    live = {item.nodeid for item in items if is_live(item.nodeid)}
    misplaced = [item.nodeid for item in items if item.get_closest_marker("celery_worker") and item.nodeid not in live]
    if misplaced:
        raise pytest.UsageError(f"live tests belong in a *_live module: {misplaced}")
    items[:] = [item for item in items if item.nodeid in live] + [item for item in items if item.nodeid not in live]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`make test` runs the suite in several processes (`-n N --dist loadscope`): the live modules of
    a lane in one process, one after another, since they share the lane's database, Redis broker and the
    worker processes they start (tests/live_lanes.py: two lanes, each with its own); every other test on
    its own, in collection order, so that each process runs its tests in pytest-django's order (a
    transactional test empties the database of what the migrations put there: those come after the
    others)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LiveTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return f"live{lane_of(nodeid)}" if is_live(nodeid) else nodeid

    config.option.loadscopereorder = False  # in collection order: the live tests first
    return LiveTogether(config, log)
