"""Issue 28, "also measure": PostgreSQL out of connections, with real processes. A gunicorn web server and a
Celery worker connect as a database role of their own with a connection limit (so the shared server's
other users are never starved); the test takes every connection the role may have and drops the ones the
processes held. The web answers a clear Chinese 503 within seconds (not a hang, not a 500), /livez says
the database is down, and when the connections are free again the pages answer and the worker beats
again, without restarting anything.

Runs with CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL DATABASE_URL whose user may create roles (CI's
second pass: the postgres user), in the real database.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from dispatch.tests.faults_live import _json
from dispatch.tests.test_work_live_celery import (
    DATABASE_URL,
    LIVE_ONLY,
    ROOT,
    _env,
    _manage,
    _migrate,
    _start,
    _stop,
)
from tests.processes import own_session_ending_with_parent
from tests.test_redis_outage_live import _port

pytestmark = LIVE_ONLY

requests = pytest.importorskip("requests")
psycopg2 = pytest.importorskip("psycopg2")

ROLE_LIMIT = 3

SETUP = r"""
import json
from governance.tests.factories import CenterFactory, UserFactory
token = "{token}"
center = CenterFactory(code="P" + token, name="连接耗尽演练" + token)
user = UserFactory(username="conn" + token, roles=["dispatcher"], center=center)
user.set_password("pass-" + token)
user.save()
print(json.dumps({{"user": user.pk}}))
"""

WORKER_BEAT = r"""
import json
from governance.health import check_heartbeats
print(json.dumps(check_heartbeats()["worker"]["queues"]["sweep"]))
"""


def _as(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user}:{password}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class _admin:  # noqa: N801 (used as a context manager, like a connection)
    """An autocommit connection as the DATABASE_URL user, closed on exit."""

    def __enter__(self):  # noqa: ANN204
        self.connection = psycopg2.connect(DATABASE_URL)
        self.connection.autocommit = True
        self.cursor = self.connection.cursor()
        return self

    def execute(self, sql: str, params: list | None = None) -> None:
        self.cursor.execute(sql, params)

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _connect(url: str):  # noqa: ANN202
    connection = psycopg2.connect(url)
    connection.autocommit = True
    return connection


def _login(base: str, token: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/accounts/login/", timeout=30, allow_redirects=False,
                          data={"username": f"conn{token}", "password": f"pass-{token}", "csrfmiddlewaretoken": csrf},
                          headers={"Referer": f"{base}/accounts/login/"})
    assert answer.status_code == 302, answer.text[:2000]
    return session


def test_postgresql_out_of_connections_answers_a_clear_503_and_resumes_by_itself(tmp_path):
    token = uuid.uuid4().hex[:8]
    role, password = f"gov_conn_{token}", f"pw{token}"
    env = _env(tmp_path)
    with _admin() as admin:
        try:
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}' CONNECTION LIMIT {ROLE_LIMIT}")
        except psycopg2.errors.InsufficientPrivilege:
            pytest.skip("the DATABASE_URL user may not create roles")
        admin.execute(f"GRANT pg_read_all_data, pg_write_all_data TO {role}")
    limited = {**env, "DATABASE_URL": _as(DATABASE_URL, role, password), "DEBUG": "0"}
    holders: list = []
    processes: list[subprocess.Popen] = []
    try:
        _migrate(env)
        _manage(env, "collectstatic", "--noinput", "-v0", timeout=300)
        _json(env, SETUP.format(token=token))
        web_port = _port()
        web_log = tmp_path / "web.log"
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "governance.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
             "--workers", "1", "--threads", "2", "--timeout", "60", "--no-control-socket"],
            cwd=ROOT, env=limited, stdout=web_log.open("w"), stderr=subprocess.STDOUT, preexec_fn=own_session_ending_with_parent))
        processes.append(_start(limited, tmp_path / "sweeper.log", "worker", "-Q", "sweep", "--pool=threads",
                                "--concurrency=1", "--loglevel=INFO", "--hostname", f"conn-{token}@%h",
                                "--without-gossip", "--without-mingle"))
        base = f"http://127.0.0.1:{web_port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/accounts/login/", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, web_log.read_text()[-3000:]
            time.sleep(0.5)
        session = _login(base, token)
        assert session.get(f"{base}/intake/cases/", timeout=30).status_code == 200

        # Out of connections: this test holds every connection the role may have, and the ones the web
        # server and the worker kept are dropped (as a restart of PgBouncer or PostgreSQL would).
        with _admin() as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role])
        while len(holders) < ROLE_LIMIT:
            try:
                holders.append(_connect(limited["DATABASE_URL"]))
            except psycopg2.OperationalError:
                with _admin() as admin:  # a process reconnected in between: drop it again
                    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s "
                                  "AND pid <> ALL(%s)", [role, [h.get_backend_pid() for h in holders]])
        with pytest.raises(psycopg2.OperationalError, match="too many connections"):
            psycopg2.connect(limited["DATABASE_URL"])

        started = time.monotonic()
        page = session.get(f"{base}/intake/cases/", timeout=30)
        took = time.monotonic() - started
        assert page.status_code == 503 and "数据库暂时无法接入" in page.text, page.text[:500]
        assert page.headers["Retry-After"] == "5" and took < 5, took
        api = session.get(f"{base}/api/intake/cases/", timeout=30)
        assert api.status_code == 503 and api.json()["error"]["code"] == "database_unavailable"
        assert requests.get(f"{base}/livez", timeout=10).status_code == 503
        time.sleep(2)  # the worker's heartbeat thread fails meanwhile, and carries on

        for holder in holders:
            holder.close()
        holders.clear()
        # Resumed by itself: the next requests connect again, the worker beats again.
        deadline = time.monotonic() + 15
        while session.get(f"{base}/intake/cases/", timeout=30).status_code != 200:
            assert time.monotonic() < deadline, web_log.read_text()[-3000:]
            time.sleep(0.5)
        assert requests.get(f"{base}/livez", timeout=10).status_code == 200
        resumed = time.time()
        deadline = time.monotonic() + 40
        while True:
            beat = _json(env, WORKER_BEAT)
            if beat["ok"] and beat["age_seconds"] is not None and beat["age_seconds"] <= time.time() - resumed + 1:
                break
            assert time.monotonic() < deadline, ((tmp_path / "sweeper.log").read_text()[-3000:], beat)
            time.sleep(1)
        assert all(process.poll() is None for process in processes)
        assert "Traceback" not in web_log.read_text() or "OperationalError" in web_log.read_text()
    finally:
        for holder in holders:
            holder.close()
        for process in processes:
            _stop(process)
        with _admin() as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role])
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")
