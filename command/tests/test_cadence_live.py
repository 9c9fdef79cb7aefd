"""Issue 23's acceptance for the standing meetings, with real processes: a real Celery worker and beat
on Redis remind the chair of a meeting that is due and not yet held, once, and say nothing to the chair
of one whose minutes were recorded. The clock is shortened: a grace of 5 seconds instead of 2 hours,
the meeting set 30 seconds ago, on a day the test center's calendar makes a working day (so the test
does not depend on today's date).

Runs only with CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL DATABASE_URL (LIVE_ONLY), in the real
database (fresh codes per run):

    CELERY_LIVE_TESTS=1 REDIS_URL=redis://127.0.0.1:6379/5 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_review_live \\
    .venv/bin/pytest review/tests/test_cadence_live.py -m celery_worker -q
"""

from __future__ import annotations

import time
import uuid

from dispatch.tests.test_work_live_celery import (  # noqa: F401
    BEAT_WAIT_SECONDS,
    LIVE_ONLY,
    POLL_SECONDS,
    _shell,
    live,
    live_center,
)

pytestmark = LIVE_ONLY

SETUP = live_center("M") + r"""
import datetime as dt, json
from django.contrib.auth.models import Group, User
from django.utils import timezone
from governance.models import CalendarDay, Center, Profile
from command.choices import CadenceFrequency, ChairRule, ConsultationKind
from command.services.cadence import cadence_create, cadence_plan
from command.services.consultation import consultation_record

now = timezone.now()
local = timezone.localtime(now)
CalendarDay.objects.create(date=local.date(), kind="workday", name="演练值班", center=center)
director, deputy = person("zr", "center_director"), person("fzr", "center_deputy_director")
def cadence(kind, rule):
    made = cadence_create(actor=director, center=center, kind=kind, title="演练 " + kind,
                          frequency=CadenceFrequency.MONTHLY, first_date=local.date(),
                          time=(local - dt.timedelta(seconds=30)).time(), chair_rule=rule, invitee_rules=[],
                          missed_after=dt.timedelta(seconds=5), now=now)
    return cadence_plan(cadence=made, now=now)
missed = cadence(ConsultationKind.LEADERSHIP_MONTHLY, ChairRule.CENTER_DIRECTOR)
held = cadence(ConsultationKind.STATIONED_BIWEEKLY, ChairRule.DEPUTIES_ALTERNATE)
consultation_record(actor=deputy, consultation=held, attended_user_ids=[deputy.pk], minutes="按时召开。", now=now)
print(json.dumps({{"missed": missed.pk, "held": held.pk, "director": director.pk, "deputy": deputy.pk}}))
"""

COUNT = r"""
import json
from dispatch.models import Notification, SweepRun
rows = Notification.objects.filter(kind="consultation.missed", channel="in_app",
                                   recipient_id__in=[{director}, {deputy}])
print(json.dumps({{"reminded": sorted(rows.values_list("recipient_id", flat=True)),
                   "sweeps": SweepRun.objects.filter(finished_at__isnull=False).count()}}))
"""


def _wait_for(env: dict, ids: dict, *, until, seconds: int) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        state = _shell(env, COUNT.format(**ids))
        if until(state) or time.monotonic() > deadline:
            return state
        time.sleep(POLL_SECONDS)


def test_a_missed_standing_meeting_reminds_its_chair_once_with_real_worker_and_beat(live):  # noqa: F811
    env = live["env"]
    ids = _shell(env, SETUP.format(token=uuid.uuid4().hex[:8]))
    state = _wait_for(env, ids, until=lambda s: s["reminded"], seconds=BEAT_WAIT_SECONDS)
    worker_log = (live["logs"] / "worker.log").read_text()[-3000:]
    assert state["reminded"] == [ids["director"]], worker_log
    # Two more sweeps: still one reminder, and none to the chair who held the meeting.
    before = state["sweeps"]
    state = _wait_for(env, ids, until=lambda s: s["sweeps"] >= before + 2, seconds=60)
    assert state["sweeps"] >= before + 2 and state["reminded"] == [ids["director"]]
    assert live["worker"].poll() is None and live["beat"].poll() is None
