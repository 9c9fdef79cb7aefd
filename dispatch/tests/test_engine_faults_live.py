"""Faults injected into the deadline engine with real processes (issue 9): a worker killed at each
point of a sweep, and two beat processes started by mistake. The broker stopped during actions is in
`test_engine_faults_outage_live.py`; the acceptance run (a summons approved during a 2,000-step catch-up
with a 300 ms SMS gateway) and a call-up behind a backlog in `test_engine_faults_backlog_live.py`.

Like `test_work_live_celery.py` these run only with CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL
DATABASE_URL (CI's second pass), in the real database (fresh codes per run) through `manage.py shell -c`
subprocesses. The killed "worker" is a subprocess that runs the sweep or a delivery batch and receives
SIGKILL at the chosen point (the point is reached by replacing one function with a suicide in that
process only). The outage test starts its own redis-server on a free port between 6390 and 6399 and
stops it; the shared Redis is never touched. Every wait is bounded.
"""
from __future__ import annotations

import json
import signal
import time
import uuid

import pytest

from dispatch.tests.faults_live import DEPARTMENTS, SETUP, _json, _script, _sms_lines
from dispatch.tests.test_work_live_celery import LIVE_ONLY, _start, _stop

pytestmark = LIVE_ONLY

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
