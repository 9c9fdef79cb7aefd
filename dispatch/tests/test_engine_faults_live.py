"""Faults injected into the deadline engine with real processes (issue 9): a worker killed at each
point of a sweep, the broker stopped during actions, and the acceptance run (a summons approved during
a 2,000-step catch-up with a 300 ms SMS gateway).

Like `test_work_live_celery.py` these run only with CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL
DATABASE_URL (CI's second pass), in the real database (fresh codes per run) through `manage.py shell -c`
subprocesses. The killed "worker" is a subprocess that runs the sweep or a delivery batch and receives
SIGKILL at the chosen point (the point is reached by replacing one function with a suicide in that
process only). The outage test starts its own redis-server on a free port between 6390 and 6399 and
stops it; the shared Redis is never touched. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from dispatch.tests.test_work_live_celery import (
    LIVE_ONLY,
    ROOT,
    _env,
    _migrate,
    _start,
    _stop,
)

pytestmark = LIVE_ONLY

FAKE_SMS = "dispatch.tests.fakes.FileSMSBackend"
DEPARTMENTS = 12

# One summons calling DEPARTMENTS departments, approved long enough ago that every report-in step is due.
SETUP = r"""
import datetime as dt, json
from django.contrib.auth.models import Group, User
from django.utils import timezone
from dispatch.models import CommandAssignment, DeadlineStep
from dispatch.services import summons_approve, summons_request
from governance.models import Center, Department, Profile
from intake.models import Case, Category

token, count, ago = "{token}", {count}, {ago}
center = Center.objects.create(name="fault " + token, code="F" + token, level="district")
def person(name, role, phone=""):
    user = User.objects.create(username=name + token)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=user, center=center, phone=phone)
    return user
director = person("dir", "duty_director")
commander = person("cmd", "commander", "13800000000")
CommandAssignment.objects.create(center=center, role="commander", user=commander, valid_from=dt.date(2020, 1, 1))
departments = [Department.objects.create(
    center=center, name=f"部门{{i}}-{{token}}", short_code=f"D{{i}}{{token}}",
    liaison=person(f"lia{{i}}", "department_liaison", f"1370000{{i:04d}}"),
    leader_in_charge=person(f"lic{{i}}", "leader", f"1390000{{i:04d}}")) for i in range(count)]
category = Category.objects.get_or_create(code="LIVE", defaults={{"name": "live"}})[0]
case = Case.objects.create(district=center, center=center, code="FAULT-" + token, year=2025, sequence=1,
                           channel="grid_report", category=category, title="玉田村堵路", description="fault",
                           first_receiver=director, registered_at=timezone.now(), status="pending_dispatch")
summons = summons_request(actor=director, center=center, case=case, reason="堵路", departments=departments)
summons_approve(actor=commander, summons=summons, report_in_minutes=1,
                now=timezone.now() - dt.timedelta(seconds=ago))
steps = list(DeadlineStep.objects.filter(summons_department__summons=summons).values_list("pk", flat=True))
print(json.dumps({{"summons": summons.pk, "case": case.pk, "commander": commander.pk, "steps": steps,
                   "due": summons.report_in_due_at and summons.report_in_due_at.timestamp()}}))
"""

DIE = r"""
import os, signal
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
from dispatch.services import delivery, engine, notifications
"""

KILL = {
    # The worker dies as the sweep starts its first batch: nothing claimed, the run left open.
    "before_claim": DIE + "engine._sweep_batch = die\nengine.deadline_sweep(batch_size=4)\n",
    # The worker dies right after the first batch committed, before it published any delivery.
    "after_commit": DIE + "notifications.notification_publish = die\nengine.deadline_sweep(batch_size=4)\n",
    # The sweep completes (its delivery messages lost with the broker); a delivery batch then dies
    # after the gateway took three messages, in the middle of the fourth.
    "during_delivery": DIE + r"""
notifications.notification_publish = lambda rows, countdown=None: 0
engine.deadline_sweep(batch_size=4)
from dispatch.models import Notification
from dispatch.tests import fakes
original, calls = fakes.FileSMSBackend.send, []
def send(self, **kwargs):
    if len(calls) == 3:
        die()
    calls.append(1)
    return original(self, **kwargs)
fakes.FileSMSBackend.send = send
ids = list(Notification.objects.filter(dedupe_key__startswith="summons:{summons}:", channel="sms")
           .order_by("pk").values_list("pk", flat=True))
delivery.notification_deliver_batch(notification_ids=ids)
""",
}

# What the status page says while things are broken (eleven minutes on: past every grace period).
HEALTH = r"""
import datetime as dt, json
from django.utils import timezone
from dispatch.services import engine_audit
later = timezone.now() + dt.timedelta(minutes=11)
engine_audit.deadline_audit(now=later)
checks = engine_audit.deadline_engine_checks(now=later)
from dispatch.models import SweepRun
health = {{"deadlines_ok": checks["时限督办"]["ok"], "delivery_ok": checks["消息投递"]["ok"],
          "open_runs": SweepRun.objects.filter(status="running", pk__gte={first_run}).count(),
          "failed_runs": SweepRun.objects.filter(status="failed", pk__gte={first_run}).count()}}
"""

RUN_ID = r"""
from dispatch.models import SweepRun as _Run
_last = _Run.objects.order_by("-pk").first()
next_run = (_last.pk + 1) if _last else 1
"""

# The next sweep and beat's requeue, with tasks run in this process (CELERY_TASK_ALWAYS_EAGER=1);
# eleven minutes on, so a row a killed batch left "sending" is past its lease.
RECOVER = r"""
import datetime as dt, json
from django.utils import timezone
from dispatch.models import Notification
from dispatch.services import delivery, engine
engine.deadline_sweep()
mine = Notification.objects.filter(dedupe_key__startswith="summons:{summons}:", channel="sms")
later = timezone.now() + dt.timedelta(minutes=11)
for _ in range(30):
    if not mine.exclude(status__in=["sent", "abandoned"]).exists():
        break
    delivery.notification_requeue_stale(now=later, older_than=dt.timedelta(0))
    # A row a killed batch left "sending" is taken again once its lease has passed (eleven minutes on).
    delivery.notification_deliver_batch(notification_ids=list(mine.filter(status="sending")
                                                              .values_list("pk", flat=True)), now=later)
"""

STATE = r"""
import json
from django.db.models import Count
from dispatch.models import DeadlineStep, Notification
from intake.models import CaseEvent
steps = DeadlineStep.objects.filter(pk__in={steps}).annotate(stored=Count("notifications"))
rows = Notification.objects.filter(dedupe_key__startswith="summons:{summons}:department:", dedupe_key__endswith=":overdue")
print(json.dumps({{
    "fired": sorted(s.pk for s in steps if s.fired_at and s.outcome == "fired"),
    "complete": all(s.stored == s.message_count and s.message_count > 0 for s in steps),
    "events": CaseEvent.objects.filter(case_id={case}, type="summons.overdue").count(),
    "sms": sorted(set(rows.filter(channel="sms").values_list("status", flat=True))),
    "sms_rows": rows.filter(channel="sms").count(),
    "in_app_rows": rows.filter(channel="in_app").count(),
    "health": health,
}}))
"""


def _script(env: dict[str, str], code: str, *, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _json(env: dict[str, str], code: str, *, timeout: int = 120) -> dict:
    done = _script(env, code, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _sms_lines(log: Path, token: str) -> list[tuple[str, str]]:
    if not log.exists():
        return []
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(line["phone"], line["text"]) for line in lines if token in line["text"]]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    var_dir = tmp_path_factory.mktemp("faults")
    _migrate(_env(var_dir))
    return var_dir


@pytest.fixture
def fault_env(migrated: Path, tmp_path: Path) -> dict[str, str]:
    env = _env(migrated)
    env.update(SMS_BACKEND=FAKE_SMS, TEST_SMS_LOG=str(tmp_path / "sms.log"), TEST_SMS_DELAY_MS="0")
    return env


@pytest.mark.parametrize("point", ["before_claim", "after_commit", "during_delivery"])
def test_a_worker_killed_at_each_point_of_a_sweep_loses_nothing_and_sends_once(fault_env, tmp_path, point):
    env, token = fault_env, uuid.uuid4().hex[:8]
    setup = RUN_ID + SETUP.format(token=token, count=DEPARTMENTS, ago=120).replace(
        'print(json.dumps({', 'print(json.dumps({"first_run": next_run, ')
    ids = _json(env, setup)

    killed = _script(env, KILL[point].format(**ids))
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])

    # Then, in one process: what the status page says (eleven minutes on), the next sweep and beat's
    # requeue (tasks run in this process: CELERY_TASK_ALWAYS_EAGER=1), and the resulting state.
    recover_env = {**env, "CELERY_TASK_ALWAYS_EAGER": "1"}
    state = _json(recover_env, HEALTH.format(first_run=ids["first_run"]) + RECOVER.format(**ids)
                  + STATE.format(**ids), timeout=180)
    # Nothing was reported healthy while something waited: the steps not fired or the SMS not sent
    # showed on the status page, and the run that died was closed as failed.
    health = state["health"]
    assert health["deadlines_ok"] is False or health["delivery_ok"] is False, health
    assert health["open_runs"] == 0 and health["failed_runs"] >= (0 if point == "during_delivery" else 1), health
    # Every due step fired exactly once, with all of its messages, and one timeline event each.
    assert state["fired"] == sorted(ids["steps"]) and state["complete"] is True
    assert state["events"] == DEPARTMENTS
    # Each department's leader in charge and the commander: one in-app and one SMS row each, all sent.
    assert state["in_app_rows"] == state["sms_rows"] == 2 * DEPARTMENTS
    assert state["sms"] == ["sent"]
    # ... and each SMS reached the gateway exactly once.
    sent = [line for line in _sms_lines(tmp_path / "sms.log", token) if "召集报到超时" in line[1]]
    assert len(sent) == len(set(sent)) == 2 * DEPARTMENTS


def _free_port() -> int:
    for port in range(6390, 6400):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port between 6390 and 6399 for a private redis-server")


def _redis(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=log.open("a"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    pytest.fail("private redis-server did not start")


ACTIONS_DURING_OUTAGE = r"""
import json
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from dispatch.models import Summons
summons = Summons.objects.get(pk={summons})
commander = User.objects.get(pk={commander})
client = Client()
client.force_login(commander)
approve = client.post(reverse("dispatch:work-summons-action", args=[summons.pk, "approve"]))
# the page the approval leads to (it answered 500 while the broker was down)
page = client.get(approve["Location"]) if approve.status_code == 302 else approve
director = User.objects.get(username="dir{token}")
client.force_login(director)
again = client.post(reverse("dispatch:work-summons-new"), {{"reason": "复堵", "case": summons.case_id,
                                                           "departments": [summons.departments.first().department_id]}})
print(json.dumps({{"approve": approve.status_code, "approve_queued": approve.get("X-Notifications-Queued"),
                   "page": page.status_code, "page_queued": "短信和邮件已排队" in page.content.decode(),
                   "request": again.status_code, "request_queued": again.get("X-Notifications-Queued"),
                   "summonses": Summons.objects.filter(case_id=summons.case_id).count()}}))
"""

_APPROVAL = ("summons_approve(actor=commander, summons=summons, report_in_minutes=1,\n"
             "                now=timezone.now() - dt.timedelta(seconds=ago))")
assert _APPROVAL in SETUP
REQUESTED_ONLY = SETUP.replace(_APPROVAL, "")

CALLED = r"""
import json
from dispatch.models import Notification
rows = Notification.objects.filter(dedupe_key__startswith="summons:{summons}:department:", dedupe_key__endswith=":called",
                                   channel="sms")
print(json.dumps({{"rows": rows.count(), "statuses": sorted(set(rows.values_list("status", flat=True))),
                   "attempts": sorted(set(rows.values_list("attempts", flat=True)))}}))
"""

# The worker reconnects with a growing interval (at most 30 s apart) and beat's urgent requeue runs every
# 10 s: the call-ups leave within this many seconds of the broker's return.
BROKER_BACK_BOUND = 45


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_broker_stopped_during_actions_answers_queued_and_delivers_once_when_back(tmp_path, fault_env):
    port = _free_port()
    redis_log = tmp_path / "redis.log"
    broker = _redis(port, redis_log)
    env = {**fault_env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    token = uuid.uuid4().hex[:8]
    worker = beat = None
    try:
        ids = _json(env, REQUESTED_ONLY.format(token=token, count=3, ago=0))
        # The worker is up before the outage: it must reconnect by itself afterwards.
        worker = _start(env, tmp_path / "worker.log", "worker", "--loglevel=INFO", "--pool=threads",
                        "--concurrency=2", "-Q", "default,sweep,deliveries,urgent", "--without-gossip", "--without-mingle",
                        "--hostname", f"outage-{token}@%h")
        ready = time.monotonic() + 90
        while "ready." not in (tmp_path / "worker.log").read_text():
            assert time.monotonic() < ready, (tmp_path / "worker.log").read_text()[-2000:]
            time.sleep(0.5)
        _stop(broker)

        # DEBUG=1: the page renders without built static files (no collectstatic here)
        during = _json({**env, "DEBUG": "1"}, ACTIONS_DURING_OUTAGE.format(token=token, **ids), timeout=120)
        # Saved, answered (no 500), and the answer says the messages are queued; no retry needed,
        # so no duplicate summons.
        assert during["approve"] == 302 and during["approve_queued"], during
        assert during["page"] == 200 and during["page_queued"], during
        assert during["request"] == 302 and during["request_queued"], during
        assert during["summonses"] == 2
        assert _json(env, CALLED.format(**ids)) == {"rows": 6, "statuses": ["pending"], "attempts": [0]}

        broker = _redis(port, redis_log)
        back = time.monotonic()
        # beat (started now, as it would have kept running) publishes the waiting call-ups again:
        # notifications-requeue-urgent, every 10 s, on the urgent queue
        beat = _start(env, tmp_path / "beat.log", "beat", "--loglevel=INFO", "--schedule",
                      str(tmp_path / "beat-schedule"))
        deadline = time.monotonic() + 90
        while _json(env, CALLED.format(**ids))["statuses"] != ["sent"]:
            if time.monotonic() > deadline:
                pytest.fail("call-up SMS not delivered after the broker came back\n"
                            + (tmp_path / "worker.log").read_text()[-3000:])
            time.sleep(1)
        print(f"call-up SMS sent {time.monotonic() - back:.0f} s after the broker came back")
        assert time.monotonic() - back <= BROKER_BACK_BOUND
        # Liaison and leader in charge of 3 departments, each SMS handed to the gateway once.
        assert _json(env, CALLED.format(**ids)) == {"rows": 6, "statuses": ["sent"], "attempts": [1]}
        log = (tmp_path / "sms.log").read_text(encoding="utf-8")
        assert log.count("召集：请于") >= 6
        assert worker.poll() is None  # the worker survived the outage
    finally:
        if beat is not None:
            _stop(beat)
        if worker is not None:
            _stop(worker)
        _stop(broker)


# --- acceptance: a summons during a 2,000-step catch-up with a 300 ms gateway ----------------------
CATCH_UP = r"""
import datetime as dt, json
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from dispatch.choices import StepKind
from dispatch.models import Assignment, DeadlineStep
from dispatch.services.common import policy_snapshot
from governance.models import Center, Department, Profile
from intake.models import Case, Category

token, total = "{token}", {total}
now = timezone.now()
center = Center.objects.create(name="catchup " + token, code="C" + token, level="district")
def person(name, role, phone=""):
    user = User.objects.create(username=name + token)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=user, center=center, phone=phone)
    return user
director = person("dir", "duty_director")
departments = [Department.objects.create(
    center=center, name=f"积压{{i}}-{{token}}", short_code=f"K{{i}}{{token}}",
    liaison=person(f"lia{{i}}", "department_liaison", f"1360000{{i:04d}}"),
    leader_in_charge=person(f"lic{{i}}", "leader", f"1350000{{i:04d}}")) for i in range(20)]
category = Category.objects.get_or_create(code="LIVE", defaults={{"name": "live"}})[0]
with transaction.atomic():
    cases = Case.objects.bulk_create([
        Case(district=center, center=center, code=f"C{{token}}-{{i}}", year=2025, sequence=i, channel="walk_in",
             category=category, title=f"积压 {{token}}", description="catch-up", first_receiver=director,
             registered_at=now - dt.timedelta(days=3), status="in_progress") for i in range(total)])
    snapshot = policy_snapshot(policy=None, case=cases[0], mode="transfer", percent=100)
    rows = Assignment.objects.bulk_create([
        Assignment(case=case, center=center, department=departments[i % 20], mode="transfer", role="sole",
                   status="acknowledged", assigned_by=director, assigned_at=now - dt.timedelta(days=3),
                   ack_due_at=now - dt.timedelta(days=3), due_at=now - dt.timedelta(hours=1),
                   original_due_at=now - dt.timedelta(hours=1), policy_snapshot=snapshot)
        for i, case in enumerate(cases)])
    DeadlineStep.objects.bulk_create([
        DeadlineStep(kind=StepKind.ESCALATION, assignment=row, level=1, targets=["liaison", "leader_in_charge"],
                     due_at=now - dt.timedelta(minutes=30)) for row in rows])
print(json.dumps({{"center": center.pk}}))
"""

CATCH_UP_STATE = r"""
import json
from dispatch.models import DeadlineStep, Notification
steps = DeadlineStep.objects.filter(assignment__center_id={center})
sms = Notification.objects.filter(recipient__profile__center_id={center}, channel="sms")
print(json.dumps({{"fired": steps.filter(fired_at__isnull=False).count(),
                   "sms_pending": sms.exclude(status="sent").count(), "sms_sent": sms.filter(status="sent").count()}}))
"""

BACKLOG_WAITING_AT = r"""
import datetime as dt
import json
from django.db.models import Q
from dispatch.models import Notification
moment = dt.datetime.fromtimestamp({moment}, tz=dt.timezone.utc)
sms = Notification.objects.filter(recipient__profile__center_id={center}, channel="sms")
print(json.dumps({{"waiting": sms.filter(Q(sent_at__isnull=True) | Q(sent_at__gt=moment)).count()}}))
"""

APPROVE_NOW = r"""
import json
from django.contrib.auth.models import User
from django.utils import timezone
from dispatch.models import Summons
from dispatch.services import summons_approve
summons = Summons.objects.get(pk={summons})
summons_approve(actor=User.objects.get(pk={commander}), summons=summons, report_in_minutes=1, now=timezone.now())
summons.refresh_from_db()
print(json.dumps({{"decided": summons.decided_at.timestamp(), "due": summons.report_in_due_at.timestamp()}}))
"""

SUMMONS_TIMES = r"""
import json
from dispatch.models import DeadlineStep, Notification
def sent(suffix):
    rows = Notification.objects.filter(dedupe_key__startswith="summons:{summons}:department:",
                                       dedupe_key__endswith=suffix, channel="sms")
    times = [row.sent_at.timestamp() if row.sent_at else None for row in rows]
    return times
steps = DeadlineStep.objects.filter(summons_department__summons_id={summons})
print(json.dumps({{"called": sent(":called"), "overdue": sent(":overdue"),
                   "fired": [s.fired_at.timestamp() if s.fired_at else None for s in steps],
                   "lag": [s.lag.total_seconds() if s.lag is not None else None for s in steps]}}))
"""

CLEAN_UP = r"""
from dispatch.models import Notification
# The catch-up's SMS still queued are abandoned so that later runs' workers do not send them.
Notification.objects.filter(recipient__profile__center_id={center}, channel="sms").exclude(status="sent").update(
    status="abandoned", last_error="live test clean-up")
print("{{}}")
"""

CATCH_UP_STEPS = 2000


def _purge_urgent(env: dict[str, str]) -> None:
    """Earlier tests on the same broker published call-ups to the urgent queue with no urgent worker
    running; their stale tasks (no-ops by now) are not the backlog these tests measure."""
    subprocess.run([sys.executable, "-m", "celery", "-A", "governance", "purge", "-f", "-Q", "urgent"], cwd=ROOT,
                   env=env, capture_output=True, timeout=60, check=True)
CALL_UP_LIMIT = 10
ESCALATION_LIMIT = 30


def test_acceptance_summons_during_a_2000_step_catch_up_with_a_300_ms_gateway(tmp_path, fault_env):
    """The topology of `make run`: a worker per queue and beat. 2,000 overdue escalations (4,000 SMS
    at 300 ms each: minutes of gateway time) are due when the workers start; a summons approved
    during that catch-up gets its call-up SMS within 10 s and its escalation within 30 s of the
    report-in deadline (times read from the rows: sent_at, fired_at, lag)."""
    env = {**fault_env, "TEST_SMS_DELAY_MS": "300"}
    token = uuid.uuid4().hex[:8]
    backlog = _json(env, CATCH_UP.format(token=token, total=CATCH_UP_STEPS), timeout=300)
    ids = _json(env, REQUESTED_ONLY.format(token=uuid.uuid4().hex[:8], count=3, ago=0))
    _purge_urgent(env)
    name = f"acc-{token}"
    quiet = ("--without-gossip", "--without-mingle")
    processes = [
        _start(env, tmp_path / "sweeper.log", "worker", "-Q", "sweep", "--concurrency=1", "--loglevel=INFO",
               "--hostname", f"sweep-{name}@%h", *quiet),
        _start(env, tmp_path / "deliverer.log", "worker", "-Q", "deliveries", "--pool=threads", "--concurrency=4",
               "--loglevel=INFO", "--hostname", f"deliveries-{name}@%h", *quiet),
        _start(env, tmp_path / "urgent.log", "worker", "-Q", "urgent", "--pool=threads", "--concurrency=4",
               "--loglevel=INFO", "--hostname", f"urgent-{name}@%h", *quiet),
        _start(env, tmp_path / "worker.log", "worker", "-Q", "default", "--concurrency=1", "--loglevel=INFO",
               "--hostname", f"default-{name}@%h", *quiet),
        _start(env, tmp_path / "beat.log", "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")),
    ]
    try:
        # Wait until the catch-up is under way: steps fired, thousands of SMS queued.
        deadline = time.monotonic() + 120
        while True:
            state = _json(env, CATCH_UP_STATE.format(**backlog))
            if state["fired"] == CATCH_UP_STEPS:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"catch-up did not fire: {state}\n" + (tmp_path / "sweeper.log").read_text()[-3000:])
            time.sleep(1)
        assert state["sms_pending"] > 1000, state  # the gateway is far behind

        approved = _json(env, APPROVE_NOW.format(**ids))
        deadline = time.monotonic() + 60 + ESCALATION_LIMIT + 60
        while True:
            times = _json(env, SUMMONS_TIMES.format(**ids))
            if times["overdue"] and all(times["overdue"]) and all(times["called"]):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"summons not escalated in time: {times}\n"
                            + (tmp_path / "deliverer.log").read_text()[-2000:])
            time.sleep(2)
        print(f"call-up SMS {max(times['called']) - approved['decided']:.1f} s after approval; steps fired "
              f"{max(times['fired']) - approved['due']:.1f} s and escalation SMS sent "
              f"{max(times['overdue']) - approved['due']:.1f} s after the deadline")
        assert len(times["called"]) == 6  # liaison and leader in charge of each of 3 departments
        assert max(times["called"]) - approved["decided"] <= CALL_UP_LIMIT, (times, approved)
        assert all(lag is not None and lag <= ESCALATION_LIMIT for lag in times["lag"]), times
        assert max(times["fired"]) - approved["due"] <= ESCALATION_LIMIT, (times, approved)
        # The escalation SMS went out within the promise too, although the backlog still waits.
        assert max(times["overdue"]) - approved["due"] <= ESCALATION_LIMIT, (times, approved)
        assert _json(env, BACKLOG_WAITING_AT.format(moment=max(times["overdue"]), **backlog))["waiting"] > 0
        assert all(process.poll() is None for process in processes)
    finally:
        for process in processes:
            _stop(process)
        _json(env, CLEAN_UP.format(**backlog))
        os.environ.get("KEEP_LIVE_LOGS") and print(tmp_path)


# --- point 2: a call-up behind a 200-message backlog at a slow gateway ----------------------------
BACKLOG_STEPS = 100  # 200 SMS (liaison and leader in charge of each)
SLOW_GATEWAY_MS = 1000
CALL_UP_BOUND = 5
WORKER_HEARTBEATS = r"""
import json
from governance.health import check_heartbeats
print(json.dumps({queue: state["ok"] for queue, state in check_heartbeats()["worker"]["queues"].items()}))
"""


def test_a_call_up_leaves_within_5_s_of_the_approval_behind_a_200_message_backlog(tmp_path, fault_env):
    """Issue 28 point 2: 100 overdue steps (200 SMS) at a gateway taking 1 s a message fill the
    `deliveries` worker for about a minute; a summons approved meanwhile has every call-up SMS sent
    within 5 s of the approval (its own queue and worker: the backlog is not in front of it)."""
    env = {**fault_env, "TEST_SMS_DELAY_MS": str(SLOW_GATEWAY_MS)}
    token = uuid.uuid4().hex[:8]
    backlog = _json(env, CATCH_UP.format(token=token, total=BACKLOG_STEPS), timeout=120)
    ids = _json(env, REQUESTED_ONLY.format(token=uuid.uuid4().hex[:8], count=3, ago=0))
    _purge_urgent(env)
    name = f"bound-{token}"
    quiet = ("--without-gossip", "--without-mingle")
    processes = [
        _start(env, tmp_path / "sweeper.log", "worker", "-Q", "sweep", "--concurrency=1", "--loglevel=INFO",
               "--hostname", f"sweep-{name}@%h", *quiet),
        _start(env, tmp_path / "deliverer.log", "worker", "-Q", "deliveries", "--pool=threads", "--concurrency=4",
               "--loglevel=INFO", "--hostname", f"deliveries-{name}@%h", *quiet),
        _start(env, tmp_path / "urgent.log", "worker", "-Q", "urgent", "--pool=threads", "--concurrency=4",
               "--loglevel=INFO", "--hostname", f"urgent-{name}@%h", *quiet),
        _start(env, tmp_path / "beat.log", "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")),
    ]
    try:
        deadline = time.monotonic() + 60
        while True:  # the backlog is at the gateway: every step fired, most of its 200 SMS still waiting
            state = _json(env, CATCH_UP_STATE.format(**backlog))
            if state["fired"] == BACKLOG_STEPS and state["sms_sent"] > 0:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"backlog did not start: {state}\n" + (tmp_path / "sweeper.log").read_text()[-3000:])
            time.sleep(0.5)
        assert state["sms_pending"] >= 150, state
        # Each worker process beats for its own queues (point 0d), with no default worker running.
        workers = _json(env, WORKER_HEARTBEATS)
        assert {queue for queue, ok in workers.items() if ok} >= {"sweep", "deliveries", "urgent"}, workers

        approved = _json(env, APPROVE_NOW.format(**ids))
        deadline = time.monotonic() + 30
        while True:
            times = _json(env, SUMMONS_TIMES.format(**ids))
            if times["called"] and all(times["called"]):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"call-up not sent: {times}\n" + (tmp_path / "urgent.log").read_text()[-3000:])
            time.sleep(0.5)
        took = max(times["called"]) - approved["decided"]
        # The call-up overtook the backlog: most of it was still waiting when the call-up left. (Asked of the
        # send times, not of the queue now: the backlog drains on while this test polls.)
        waiting = _json(env, BACKLOG_WAITING_AT.format(moment=max(times["called"]), **backlog))["waiting"]
        print(f"call-up SMS {took:.1f} s after the approval, with {waiting} of the backlog's SMS still waiting")
        assert len(times["called"]) == 6
        assert took <= CALL_UP_BOUND, (times, approved)
        assert waiting > 50, (waiting, state)
        log = (tmp_path / "sms.log").read_text(encoding="utf-8")
        assert log.count("召集：请于") == 6  # each call-up once
    finally:
        for process in processes:
            _stop(process)
        _json(env, CLEAN_UP.format(**backlog))


# --- two beat processes started by mistake -------------------------------------------------------
TWO_BEATS_STATE = r"""
import json
from dispatch.models import DeadlineStep, Notification
from intake.models import CaseEvent
rows = Notification.objects.filter(dedupe_key__startswith="summons:{summons}:", channel="sms")
print(json.dumps({{"fired": DeadlineStep.objects.filter(pk__in={steps}, fired_at__isnull=False).count(),
                   "events": CaseEvent.objects.filter(case_id={case}, type="summons.overdue").count(),
                   "sms": rows.count(), "sent": rows.filter(status="sent").count(),
                   "attempts": sorted(set(rows.values_list("attempts", flat=True)))}}))
"""


def test_two_beats_started_by_mistake_send_nothing_twice(tmp_path, fault_env):
    """Two beat processes (each with its own schedule file) publish every periodic task twice: the
    sweep, the requeues, the audit. A summons whose report-in deadline passes meanwhile escalates once:
    one event per department, every call-up and escalation SMS handed to the gateway exactly once."""
    env = {**fault_env, "TEST_SMS_DELAY_MS": "100"}
    token = uuid.uuid4().hex[:8]
    # Approved 45 s ago with a one-minute report-in: the deadline passes 15 s after the processes start.
    ids = _json(env, SETUP.format(token=token, count=3, ago=45))
    name = f"twobeats-{token}"
    processes = [
        _start(env, tmp_path / "worker.log", "worker", "-Q", "sweep,urgent,deliveries,default", "--pool=threads",
               "--concurrency=4", "--loglevel=INFO", "--hostname", f"{name}@%h", "--without-gossip",
               "--without-mingle"),
        _start(env, tmp_path / "beat1.log", "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat1")),
        _start(env, tmp_path / "beat2.log", "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat2")),
    ]
    try:
        deadline = time.monotonic() + 90
        while True:
            state = _json(env, TWO_BEATS_STATE.format(**ids))
            if state["fired"] == 3 and state["sms"] and state["sent"] == state["sms"]:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"not escalated: {state}\n" + (tmp_path / "worker.log").read_text()[-3000:])
            time.sleep(1)
        time.sleep(12)  # both beats publish the sweep and the urgent requeue again meanwhile
        state = _json(env, TWO_BEATS_STATE.format(**ids))
        sweeps = sum((tmp_path / log).read_text().count("dispatch.tasks.deadline_sweep") for log in ("beat1.log",
                                                                                                      "beat2.log"))
        assert sweeps >= 2 and all((tmp_path / log).read_text().count("deadline_sweep") for log in ("beat1.log",
                                                                                                   "beat2.log"))
        assert state["events"] == 3  # one summons.overdue per department
        # call-up: liaison and leader in charge of 3 departments; escalation: 3 leaders + the commander
        assert state["sms"] == state["sent"] and state["attempts"] == [1], state
        # at the gateway: no message twice (a double send repeats a phone and text), and all of ours there
        log = [json.loads(line) for line in (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()]
        sent = [(line["phone"], line["text"]) for line in log]
        assert len(sent) == len(set(sent)), sent
        assert len([text for _, text in sent if "召集" in text]) >= state["sms"], sent
    finally:
        for process in processes:
            _stop(process)
