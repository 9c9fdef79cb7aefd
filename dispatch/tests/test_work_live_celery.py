"""A real Celery worker and beat on Redis let a summons report-in deadline pass.

Runs only with CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL DATABASE_URL. It does not use
pytest-django's test database: the worker and beat are separate processes, so everything happens in
the real database named by DATABASE_URL (migrated here) through `manage.py shell -c` subprocesses.
Each run uses fresh codes, so the database can be reused. CI:

    CELERY_LIVE_TESTS=1 REDIS_URL=redis://127.0.0.1:6379/5 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_dispatch_live \
    .venv/bin/pytest dispatch/tests/test_work_live_celery.py -m celery_worker -q
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.live_lanes import current_lane, ensure_database, lane_environment
from tests.processes import own_session_ending_with_parent

ROOT = Path(__file__).resolve().parents[2]
LIVE = os.environ.get("CELERY_LIVE_TESTS") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")

# The mark of every live test (real worker processes on a real broker and database), here and in the
# other *_live.py files.
LIVE_ONLY = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not (LIVE and REDIS_URL and DATABASE_URL.startswith(("postgres://", "postgresql://"))),
        reason="needs CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL DATABASE_URL",
    ),
]
pytestmark = LIVE_ONLY

BEAT_WAIT_SECONDS = 150  # beat's first sweep comes one interval (15 s) after it starts
POLL_SECONDS = 2


def live_center(prefix: str) -> str:
    """The start of every live test's setup script: a fresh district center (code `prefix` + the run's
    token, formatted in as `{token}`) and `person(name, role)`, who belongs to it with one role."""
    return (
        "from django.contrib.auth.models import Group, User\n"
        "from governance.models import Center, Profile\n"
        'token = "{token}"\n'
        f'center = Center.objects.create(name="live " + token, code="{prefix}" + token, level="district")\n'
        + PERSON
    )


PERSON = """def person(name, role):
    user = User.objects.create(username=name + token, email=name + token + "@example.cn")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=user, center=center, phone="13905950000")
    return user
"""

def summons_setup(prefix: str, *, channels: str = "") -> str:
    """A live setup script (formatted with `token` and `ago`): a duty director, a commander on duty, one
    department with its liaison and leader in charge, a matter and the department's summons, approved
    `ago` seconds ago with a one-minute limit. `channels`: code run before the request (the people's
    phones and accounts, which decide the messages' channels). Prints the ids."""
    return live_center(prefix) + r"""
import datetime as dt, json
from django.utils import timezone
from dispatch.models import CommandAssignment
from dispatch.services import summons_approve, summons_request
from governance.models import Department, Profile
from intake.models import Case, Category

director, commander = person("dir", "duty_director"), person("cmd", "commander")
CommandAssignment.objects.create(center=center, role="commander", user=commander, valid_from=dt.date(2020, 1, 1))
liaison, leader = person("lia", "department_liaison"), person("lic", "leader")
dept = Department.objects.create(center=center, name="资规建交局 " + token, short_code="Z" + token,
                                 liaison=liaison, leader_in_charge=leader)
""" + channels + r"""
category = Category.objects.get_or_create(code="LIVE", defaults={{"name": "live"}})[0]
case = Case.objects.create(district=center, center=center, code="LIVE-" + token, year=2025, sequence=1,
                           channel="grid_report", category=category, title="玉田村堵路", description="live",
                           first_receiver=director, registered_at=timezone.now(), status="pending_dispatch")
summons = summons_request(actor=director, center=center, case=case, reason="玉田村村民堵路", departments=[dept])
summons_approve(actor=commander, summons=summons, report_in_minutes=1,
                now=timezone.now() - dt.timedelta(seconds={ago}))
print(json.dumps({{"summons": summons.pk, "department": dept.pk, "case": case.pk, "leader": leader.pk,
                   "commander": commander.pk, "director": director.pk, "liaison": liaison.pk}}))
"""


# The report-in deadline is 60 - `ago` seconds away (negative: passed already).
SETUP = summons_setup("L")

COUNT = r"""
import json
from dispatch.models import Notification
from dispatch.models import SweepRun
rows = Notification.objects.filter(dedupe_key="summons:{summons}:department:{department}:overdue", channel="in_app")
print(json.dumps({{"recipients": sorted(rows.values_list("recipient_id", flat=True)),
                   "sweeps": SweepRun.objects.filter(finished_at__isnull=False).count()}}))
"""

TRIGGER_TWICE = r"""
from dispatch.tasks import deadline_sweep_task
deadline_sweep_task.delay()
deadline_sweep_task.delay()
print("{{}}")
"""


def _env(var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "governance.settings", "VAR_DIR": str(var_dir),
           "SECRET_KEY": os.environ.get("SECRET_KEY", "live-test-secret-key"),
           **lane_environment(os.environ, current_lane())}  # the running test's lane's database and broker
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


_migrated: set[str] = set()


def _migrate(env: dict[str, str]) -> None:
    """Migrate the real database the live tests use, once per database per session (CI migrates it
    before the run; a developer's first live test does it here)."""
    if env.get("DATABASE_URL", "") not in _migrated:
        if env.get("DATABASE_URL") != os.environ.get("DATABASE_URL"):
            ensure_database(env["DATABASE_URL"])  # a lane's own (tests/live_lanes.py)
        _manage(env, "migrate", "--noinput", timeout=300)
        _migrated.add(env.get("DATABASE_URL", ""))


def _manage(env: dict[str, str], *args: str, timeout: int = 120) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# One Django process per environment runs every `_shell` script of the live tests (their setups and the
# polls of their waits), each in a fresh namespace and with fresh database connections: a `manage.py
# shell` per poll cost 2.5 s of CPU, most of what a waiting live test spends.
_SHELL_LOOP = r"""
import contextlib, io, json, sys, traceback
import django
django.setup()
from django.db import connections
for line in sys.stdin:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(json.loads(line), {"__name__": "__live_shell__"})
        answer = {"out": out.getvalue()}
    except BaseException:
        answer = {"error": traceback.format_exc()[-3000:]}
    finally:
        connections.close_all()
    sys.__stdout__.write(json.dumps(answer) + "\n")
    sys.__stdout__.flush()
"""
_shells: dict[tuple[tuple[str, str], ...], subprocess.Popen] = {}


def _shell(env: dict[str, str], code: str, *, timeout: int = 120) -> dict:
    """Run `code` (a script that prints JSON last) with Django set up in `env`; its last line, parsed."""
    key = tuple(sorted(env.items()))
    process = _shells.get(key)
    if process is None or process.poll() is not None:
        process = _shells[key] = subprocess.Popen(
            [sys.executable, "-c", _SHELL_LOOP], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, preexec_fn=own_session_ending_with_parent)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps(code) + "\n")
    process.stdin.flush()
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"the live shell did not answer within {timeout} s"
    answer = json.loads(process.stdout.readline() or '{"error": "the live shell ended"}')
    assert "error" not in answer, answer["error"]
    return json.loads(answer["out"].strip().splitlines()[-1])


@atexit.register
def _close_shells() -> None:
    for process in _shells.values():
        if process.poll() is None:
            process.kill()


def _start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "governance", *args], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, preexec_fn=own_session_ending_with_parent)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[dict]:
    env = _env(tmp_path)
    _migrate(env)
    worker = _start(env, tmp_path / "worker.log", "worker", "--loglevel=INFO", "--concurrency=2",
                    "-Q", "default,sweep,deliveries,urgent", "--hostname", f"live-{uuid.uuid4().hex[:6]}@%h")
    beat = _start(env, tmp_path / "beat.log", "beat", "--loglevel=INFO",
                  "--schedule", str(tmp_path / "celerybeat-schedule"))
    try:
        yield {"env": env, "worker": worker, "beat": beat, "logs": tmp_path}
    finally:
        _stop(beat)
        _stop(worker)


def poll_until(read: Callable[[], dict], until: Callable[[dict], bool], *, seconds: float, log: Path,
               failure: str = "timed out waiting", interval: float = POLL_SECONDS) -> dict:
    """`read()` every `interval` until `until(state)`; after `seconds`, fails with the last state and the
    end of `log` (the live tests' one wait)."""
    deadline = time.monotonic() + seconds
    while True:
        state = read()
        if until(state):
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"{failure}; last state {state}\n{log.name}:\n{log.read_text()[-3000:]}")
        time.sleep(interval)


def _wait_for(env: dict[str, str], ids: dict, *, until, seconds: int, logs: Path) -> dict:
    return poll_until(lambda: _shell(env, COUNT.format(**ids)), until, seconds=seconds, log=logs / "worker.log")


def test_summons_deadline_escalates_exactly_once_with_real_worker_and_beat(live):
    env, logs = live["env"], live["logs"]
    ids = _shell(env, SETUP.format(token=uuid.uuid4().hex[:8], ago=55))
    expected = sorted({ids["leader"], ids["commander"]})

    # Beat's own sweep marks the department overdue and notifies its leader in charge and the commander.
    state = _wait_for(env, ids, until=lambda s: s["recipients"], seconds=BEAT_WAIT_SECONDS, logs=logs)
    assert state["recipients"] == expected

    # Two sweeps at once on the two worker processes: still exactly one notification each.
    before = state["sweeps"]
    _shell(env, TRIGGER_TWICE.format())
    state = _wait_for(env, ids, until=lambda s: s["sweeps"] >= before + 2, seconds=60, logs=logs)
    assert state["recipients"] == expected

    # A second summons whose deadline has already passed, swept only by the two concurrent tasks.
    ids2 = _shell(env, SETUP.format(token=uuid.uuid4().hex[:8], ago=120))
    before = _shell(env, COUNT.format(**ids2))["sweeps"]
    _shell(env, TRIGGER_TWICE.format())
    state = _wait_for(env, ids2, until=lambda s: s["sweeps"] >= before + 2 and s["recipients"], seconds=60,
                      logs=logs)
    assert state["recipients"] == sorted({ids2["leader"], ids2["commander"]})
    assert live["worker"].poll() is None and live["beat"].poll() is None
