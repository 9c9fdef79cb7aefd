"""A real Celery worker and beat on Redis remind the reporter when a 续报 of a 情况报告 is due.

The clock is shortened the way the summons live test shortens it: the 首报 is filed with `now` set
so far back that its follow-up (the shortest interval, 10 minutes) falls due a few seconds after
the test starts; beat's own deadline sweep must then write the "follow-up due" message to the
reporter exactly once, and leave the commander alone (he is told only 30 minutes late). Runs only
with CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL DATABASE_URL (see test_work_live_celery.py):

    CELERY_LIVE_TESTS=1 REDIS_URL=redis://127.0.0.1:6379/14 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_urgent \
    .venv/bin/pytest review/tests/test_urgent_live.py -m celery_worker -q
"""

from __future__ import annotations

import time
import uuid

from dispatch.tests.test_work_live_celery import (  # noqa: F401  (the `live` fixture: worker + beat)
    BEAT_WAIT_SECONDS,
    LIVE_ONLY,
    POLL_SECONDS,
    _shell,
    live,
    live_center,
)

pytestmark = LIVE_ONLY

SETUP = live_center("U") + r"""
import datetime as dt, json
from django.contrib.auth.models import Group, User
from django.utils import timezone
from dispatch.models import CommandAssignment
from governance.models import Center, Profile
from command.services.urgent import urgent_report_file

director, commander, leader = person("dir", "duty_director"), person("cmd", "commander"), person("ldr", "leader")
CommandAssignment.objects.create(center=center, role="commander", user=commander, valid_from=dt.date(2020, 1, 1))
# Filed (10 - {left}/60) minutes ago with a 10-minute interval: the 续报 is due {left} seconds from now.
filed = timezone.now() - dt.timedelta(minutes=10) + dt.timedelta(seconds={left})
report = urgent_report_file(actor=director, center=center, title="工地坍塌", occurred_at=filed, place="上浦村",
                            what_happened="脚手架坍塌", interval_minutes=10, now=filed)
print(json.dumps({{"report": report.pk, "director": director.pk, "commander": commander.pk,
                   "leader": leader.pk}}))
"""

STATE = r"""
import json
from dispatch.models import Notification
from command.models import UrgentReport
rows = Notification.objects.filter(link__endswith="/command/urgent/{report}/", channel="in_app")
print(json.dumps({{"due": sorted(rows.filter(kind="urgent_report.follow_up_due").values_list("recipient_id", flat=True)),
                   "escalated": rows.filter(kind="urgent_report.escalated").count(),
                   "initial": sorted(rows.filter(kind="urgent_report.initial").values_list("recipient_id", flat=True)),
                   "late": UrgentReport.objects.get(pk={report}).late_since is not None}}))
"""


def test_a_due_follow_up_reminds_the_reporter_with_real_worker_and_beat(live):  # noqa: F811
    env = live["env"]
    ids = _shell(env, SETUP.format(token=uuid.uuid4().hex[:8], left=5))
    deadline = time.monotonic() + BEAT_WAIT_SECONDS
    state = _shell(env, STATE.format(**ids))
    while not state["due"] and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        state = _shell(env, STATE.format(**ids))
    assert state["due"] == [ids["director"]], (live["logs"] / "worker.log").read_text()[-3000:]
    assert state["late"] and state["escalated"] == 0
    assert state["initial"] == sorted([ids["commander"], ids["leader"]])
    time.sleep(20)  # another sweep or two: still one message
    assert _shell(env, STATE.format(**ids))["due"] == [ids["director"]]
    assert live["worker"].poll() is None and live["beat"].poll() is None
