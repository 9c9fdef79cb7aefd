"""The deadline engine behind a backlog, with real processes: the acceptance run of issue 9 (a summons
approved during a 2,000-step catch-up with a 300 ms SMS gateway) and issue 28's point 2 (a call-up
behind a 200-message backlog at a slow gateway). Live only, as `test_engine_faults_live.py` (whose
docstring says how these tests run)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import uuid

from dispatch.tests.faults_live import REQUESTED_ONLY, _json
from dispatch.tests.test_work_live_celery import LIVE_ONLY, ROOT, _start, _stop, poll_until

pytestmark = LIVE_ONLY

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

QUIET = ("--without-gossip", "--without-mingle")


def _queue_workers(env: dict[str, str], tmp_path, name: str, *, start: bool = True) -> list:
    """The sweep's worker, the deliveries' (four threads) and the urgent queue's (four threads), as deployed:
    started, or (`start=False`) as three functions that each start one."""
    arguments = [
        ("sweeper.log", "-Q", "sweep", "--concurrency=1", "--hostname", f"sweep-{name}@%h"),
        ("deliverer.log", "-Q", "deliveries", "--pool=threads", "--concurrency=4", "--hostname", f"deliveries-{name}@%h"),
        ("urgent.log", "-Q", "urgent", "--pool=threads", "--concurrency=4", "--hostname", f"urgent-{name}@%h"),
    ]
    starters = [functools.partial(_start, env, tmp_path / log, "worker", *rest, "--loglevel=INFO", *QUIET)
                for log, *rest in arguments]
    return [starter() for starter in starters] if start else starters


def _wait_for(env: dict[str, str], backlog: dict, tmp_path, done, failure: str, seconds: float = 90) -> dict:
    """The backlog's state once `done(state)`; fails with the sweep's log after `seconds`."""
    return poll_until(lambda: _json(env, CATCH_UP_STATE.format(**backlog)), done, seconds=seconds,
                      log=tmp_path / "sweeper.log", failure=failure, interval=0.5)



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
    processes = [
        *_queue_workers(env, tmp_path, name),
        _start(env, tmp_path / "worker.log", "worker", "-Q", "default", "--concurrency=1", "--loglevel=INFO",
               "--hostname", f"default-{name}@%h", *QUIET),
        _start(env, tmp_path / "beat.log", "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")),
    ]
    try:
        # Wait until the catch-up is under way: steps fired, thousands of SMS queued.
        state = _wait_for(env, backlog, tmp_path, lambda state: state["fired"] == CATCH_UP_STEPS,
                          "catch-up did not fire", seconds=120)
        assert state["sms_pending"] > 1000, state  # the gateway is far behind

        approved = _json(env, APPROVE_NOW.format(**ids))
        times = poll_until(lambda: _json(env, SUMMONS_TIMES.format(**ids)),
                           lambda times: times["overdue"] and all(times["overdue"]) and all(times["called"]),
                           seconds=60 + ESCALATION_LIMIT + 60, log=tmp_path / "deliverer.log",
                           failure="summons not escalated in time", interval=2)
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
    # The sweep fires the 100 steps first, with the SMS workers not yet started: all 200 SMS are queued
    # when the deliveries worker starts, however long a loaded machine takes to fire them.
    sweeper, deliverer, urgent = _queue_workers(env, tmp_path, name, start=False)
    processes = [sweeper(), _start(env, tmp_path / "beat.log", "beat", "--loglevel=INFO",
                                   "--schedule", str(tmp_path / "beat-schedule"))]
    try:
        _wait_for(env, backlog, tmp_path, lambda state: state["fired"] == BACKLOG_STEPS, "backlog did not fire")
        processes += [deliverer(), urgent()]
        # the backlog is at the gateway: the first of its 200 SMS sent
        _wait_for(env, backlog, tmp_path, lambda state: state["sms_sent"] > 0, "backlog not sent")
        approved = _json(env, APPROVE_NOW.format(**ids))
        # Most of it was still waiting at the approval. (Asked of the send times: each look at the queue is
        # a Django process, seconds on a loaded machine, while four threads send four messages a second.)
        behind = _json(env, BACKLOG_WAITING_AT.format(moment=approved["decided"], **backlog))["waiting"]
        assert behind >= 100, behind
        times = poll_until(lambda: _json(env, SUMMONS_TIMES.format(**ids)),
                           lambda times: times["called"] and all(times["called"]), seconds=30,
                           log=tmp_path / "urgent.log", failure="call-up not sent", interval=0.5)
        took = max(times["called"]) - approved["decided"]
        # The call-up overtook the backlog: most of it was still waiting when the call-up left. (Asked of the
        # send times, not of the queue now: the backlog drains on while this test polls.)
        waiting = _json(env, BACKLOG_WAITING_AT.format(moment=max(times["called"]), **backlog))["waiting"]
        print(f"call-up SMS {took:.1f} s after the approval, with {waiting} of the backlog's SMS still waiting")
        assert len(times["called"]) == 6
        assert took <= CALL_UP_BOUND, (times, approved)
        assert waiting > 50, (waiting, behind)
        log = (tmp_path / "sms.log").read_text(encoding="utf-8")
        assert log.count("召集：请于") == 6  # each call-up once
        # Each worker process beats for its own queues (point 0d), with no default worker running.
        workers = _json(env, WORKER_HEARTBEATS)
        assert {queue for queue, ok in workers.items() if ok} >= {"sweep", "deliveries", "urgent"}, workers
    finally:
        for process in processes:
            _stop(process)
        _json(env, CLEAN_UP.format(**backlog))
