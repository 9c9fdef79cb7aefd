"""A real Celery worker and beat on Redis let a registered matter's 移送 clock pass (issue 22 item 1):
the first receiver and the duty director are reminded, then the commander, each once. Shortened clock:
the center's mode gives one minute to send on. Same gate and processes as the summons live test:

    CELERY_LIVE_TESTS=1 REDIS_URL=redis://127.0.0.1:6379/12 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_clocks \
    .venv/bin/pytest dispatch/tests/test_clocks_live_celery.py -m celery_worker -q
"""

from __future__ import annotations

import time
import uuid

from dispatch.tests.test_work_live_celery import (  # noqa: F401
    BEAT_WAIT_SECONDS,
    LIVE_ONLY,
    _shell,
    live,
    live_center,
    poll_until,
)

pytestmark = LIVE_ONLY

SETUP = live_center("C") + r"""
import datetime as dt, json
from django.contrib.auth.models import Group, User
from django.utils import timezone
from dispatch.models import CommandAssignment, DutyRoster, DutyRosterSlot, DutyTeam, Mode
from governance.models import Center, Department, Profile
from intake.models import Category
from intake.services import MatterInput, PartyInput, case_register

clerk, director, commander = person("clk", "window_clerk"), person("dir", "duty_director"), person("cmd", "commander")
CommandAssignment.objects.create(center=center, role="commander", user=commander, valid_from=dt.date(2020, 1, 1))
dept = Department.objects.create(center=center, name="执法应急局 " + token, short_code="Z" + token,
                                 residency="rotating", supplies_duty_directors=True)
DutyTeam.objects.create(department=dept, main_director=director)
roster = DutyRoster.objects.create(center=center, name="轮值", start_date=dt.date(2020, 1, 1), unit="day",
                                   non_working_days="cover")
DutyRosterSlot.objects.create(roster=roster, position=0, department=dept)
Mode.objects.create(center=center, seq=1, kind="normal", reason="演练：移送时限 1 分钟", switched_at=timezone.now(),
                    send_on_minutes=1, dispatch_minutes=1)
category = Category.objects.get_or_create(code="LIVE", defaults={{"name": "live"}})[0]
# Registered {ago} seconds ago: the send-on limit passes {left} seconds from now, the commander a minute later.
case = case_register(actor=clerk, center=center, now=timezone.now() - dt.timedelta(seconds={ago}), matter=MatterInput(
    channel="walk_in", category=category, title="工地欠薪", description="live",
    parties=[PartyInput(name="王建国", phone="13805950001", role="applicant")]))
print(json.dumps({{"case": case.pk, "clerk": clerk.pk, "director": director.pk, "commander": commander.pk}}))
"""

COUNT = r"""
import json
from dispatch.models import Notification
from intake.models import CaseEvent
rows = Notification.objects.filter(link__endswith="/work/cases/{case}/", channel="in_app",
                                   kind__startswith="case.send_on.")
print(json.dumps({{"told": sorted([kind, who] for kind, who in rows.values_list("kind", "recipient_id")),
                   "events": list(CaseEvent.objects.filter(case_id={case}).order_by("pk")
                                  .values_list("type", flat=True))}}))
"""


def _wait(env, ids, *, until, seconds, logs):
    return poll_until(lambda: _shell(env, COUNT.format(**ids)), until, seconds=seconds, log=logs / "worker.log")


def test_a_registered_matter_not_sent_on_is_reminded_then_escalated_once(live):  # noqa: F811
    env, logs = live["env"], live["logs"]
    ids = _shell(env, SETUP.format(token=uuid.uuid4().hex[:8], ago=50, left=10))
    reminded = sorted([["case.send_on.overdue", ids["clerk"]], ["case.send_on.overdue", ids["director"]]])
    state = _wait(env, ids, until=lambda s: len(s["told"]) >= 2, seconds=BEAT_WAIT_SECONDS, logs=logs)
    assert state["told"] == reminded
    state = _wait(env, ids, until=lambda s: len(s["told"]) >= 3, seconds=BEAT_WAIT_SECONDS, logs=logs)
    time.sleep(20)  # more sweeps: nothing more
    state = _shell(env, COUNT.format(**ids))
    assert state["told"] == sorted([*reminded, ["case.send_on.escalated", ids["commander"]]])
    assert state["events"] == ["case.registered", "case.send_on_overdue", "case.send_on_escalated"]
