"""A real Celery worker and beat on Redis let an overdue assignment climb its accountability ladder
(issue 22 item 8): 催办 → 督办通知 → 工作提示函 → 风险预警函 → 通报批评 → 移交区效能办, each rung issued
exactly once, in order, on time, by beat's own deadline sweeps.

The clock is shortened the way the summons live test shortens it: the center's deadline policy gives one
minute to handle, the matter is dispatched 50 seconds before the test goes on, and the year's scheme
(`AssessmentScheme`, the ladder's per-year offsets) sets the rungs in minutes, half a minute apart, so
every rung falls due in its own sweep. Same gate and processes as the summons live test
(`dispatch/tests/test_work_live_celery.py`: worker and beat on the real database named by DATABASE_URL,
fresh codes per run):

    CELERY_LIVE_TESTS=1 REDIS_URL=redis://127.0.0.1:6379/11 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_ladder_live \
    .venv/bin/pytest review/tests/test_ladder_live.py -m celery_worker -q
"""

from __future__ import annotations

import time
import uuid

import pytest

from command.choices import LetterKind
from dispatch.tests.test_work_live_celery import (  # noqa: F401  (the `live` fixture: worker + beat)
    BEAT_WAIT_SECONDS,
    LIVE_ONLY,
    POLL_SECONDS,
    TRIGGER_TWICE,
    _shell,
    live,
    live_center,
)
from review.choices import RUNG_ORDER

pytestmark = LIVE_ONLY

# The year's ladder, in minutes after the assignment's deadline (RUNG_ORDER).
OFFSETS_MINUTES = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
# The engine's promise (README): a deadline fires within 15 s (beat) plus the sweep's run time, 30 s.
ON_TIME_SECONDS = 30

SETUP = live_center("K") + r"""
import datetime as dt, json
from decimal import Decimal
from django.utils import timezone
from dispatch.models import CommandAssignment, DeadlinePolicy, DutyRoster, DutyRosterSlot, DutyTeam
from dispatch.services import assignment_acknowledge, case_dispatch
from governance.models import Department
from intake.models import Case, Category
from review.models import AssessmentScheme

offsets = {offsets}
def member(name, role, department):
    user = person(name, role)
    Profile.objects.filter(user=user).update(department=department)
    return user
director, commander = person("dir", "duty_director"), person("cmd", "commander")
office = person("xn", "efficiency_office")
CommandAssignment.objects.create(center=center, role="commander", user=commander, valid_from=dt.date(2020, 1, 1))
duty = Department.objects.create(center=center, name="执法应急局 " + token, short_code="Y" + token,
                                 residency="rotating", supplies_duty_directors=True)
DutyTeam.objects.create(department=duty, main_director=director)
roster = DutyRoster.objects.create(center=center, name="轮值", start_date=dt.date(2020, 1, 1), unit="day",
                                   non_working_days="cover")
DutyRosterSlot.objects.create(roster=roster, position=0, department=duty)
dept = Department.objects.create(center=center, name="资规建交局 " + token, short_code="Z" + token,
                                 leader_in_charge=person("lic", "leader"))
dept.liaison = member("lia", "department_liaison", dept)
dept.save(update_fields=["liaison"])
handler = member("hdl", "department_handler", dept)
# The shortened clock: one minute to handle; the year's ladder in minutes after the deadline.
DeadlinePolicy.objects.create(center=center, name="演练：办理时限 1 分钟", ack_amount=1, ack_unit="calendar_minutes",
                              handle_amount=1, handle_unit="calendar_minutes")
names = ("ladder_reminder_after", "ladder_notice_after", "ladder_work_letter_after",
         "ladder_warning_letter_after", "ladder_criticism_after", "ladder_referral_after")
AssessmentScheme.objects.create(center=center, year=timezone.localtime().year, ladder_unit="calendar_minutes",
                                **{{name: Decimal(str(value)) for name, value in zip(names, offsets)}})
category = Category.objects.get_or_create(code="LIVE", defaults={{"name": "live"}})[0]
case = Case.objects.create(district=center, center=center, code="LADDER-" + token, year=2025, sequence=1,
                           channel="platform", category=category, title="小区路灯不亮", description="live",
                           first_receiver=director, registered_at=timezone.now(), status="pending_dispatch")
# Dispatched {ago} seconds ago with a one-minute limit: the deadline is {left} seconds away.
dispatched = timezone.now() - dt.timedelta(seconds={ago})
assignment = case_dispatch(actor=director, case=case, mode="transfer", lead_department=dept, now=dispatched)[0]
assignment_acknowledge(actor=dept.liaison, assignment=assignment, handler=handler, now=dispatched)
assignment.refresh_from_db()
print(json.dumps({{"assignment": assignment.pk, "case": case.pk, "handler": handler.pk, "liaison": dept.liaison_id,
                   "office": office.pk, "commander": commander.pk, "due": assignment.due_at.timestamp()}}))
"""

STATE = r"""
import json
from django.db.models import Count
from dispatch.models import DeadlineStep, Notification
from intake.models import CaseEvent
from review.models import AccountabilityRung, EfficiencyReferral
from command.models import WarningLetter
rungs = AccountabilityRung.objects.filter(assignment_id={assignment}).order_by("pk")
steps = DeadlineStep.objects.filter(subject_type="ladder", subject_id={assignment})
messages = Notification.objects.filter(kind__startswith="ladder.", dedupe_key__startswith="ladder:{assignment}:",
                                       channel="in_app")
referrals = EfficiencyReferral.objects.filter(rung__assignment_id={assignment})
print(json.dumps({{
    "rungs": [[row.rung, row.level, row.status, row.actor_id, row.due_at.timestamp(), row.occurred_at.timestamp(),
               row.letter_id] for row in rungs],
    "steps": sorted([step.level, step.due_at.timestamp(), step.fired_at is not None]
                    for step in steps.filter(cancelled_at__isnull=True)),
    "events": list(CaseEvent.objects.filter(case_id={case}, type="ladder.rung_issued").order_by("pk")
                   .values_list("data__rung", flat=True)),
    "messages": sorted([kind, who, n] for kind, who, n in messages.values_list("kind", "recipient_id")
                       .annotate(n=Count("pk")).values_list("kind", "recipient_id", "n")),
    "letters": list(WarningLetter.objects.filter(case_id={case}, source="ladder").order_by("pk")
                    .values_list("kind", flat=True)),
    "referrals": [[row.status, sorted(row.people.values_list("person_id", flat=True))] for row in referrals],
}}))
"""


def test_an_overdue_assignment_climbs_each_rung_once_in_order_on_time(live):  # noqa: F811
    env, logs = live["env"], live["logs"]
    ids = _shell(env, SETUP.format(token=uuid.uuid4().hex[:8], offsets=OFFSETS_MINUTES, ago=50, left=10))

    # Watch the ladder climb: what is issued is always the bottom of the ladder, one rung more at a time.
    seen: list[list[str]] = []
    deadline = time.monotonic() + BEAT_WAIT_SECONDS + 60 * OFFSETS_MINUTES[-1]
    while True:
        state = _shell(env, STATE.format(**ids))
        issued = [row[0] for row in state["rungs"]]
        assert issued == list(RUNG_ORDER[:len(issued)]), state
        if not seen or seen[-1] != issued:
            seen.append(issued)
        if len(issued) == len(RUNG_ORDER):
            break
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; last state {state}\n{(logs / 'worker.log').read_text()[-3000:]}")
        time.sleep(POLL_SECONDS)

    # Each rung by the engine (no actor), at the year's offset after the deadline, issued no earlier than
    # its time and within the engine's promise, each by a later sweep than the rung below it.
    due = ids["due"]
    for (rung, level, status, actor, rung_due, occurred, _letter), rung_name, minutes in zip(
            state["rungs"], RUNG_ORDER, OFFSETS_MINUTES, strict=True):
        assert (rung, level, status, actor) == (rung_name, RUNG_ORDER.index(rung_name) + 1, "issued", None)
        assert rung_due - due == pytest.approx(60 * minutes)
        assert rung_due <= occurred <= rung_due + ON_TIME_SECONDS, (rung, occurred - rung_due)
    occurred_at = [row[5] for row in state["rungs"]]
    assert occurred_at == sorted(set(occurred_at)), "each rung in its own sweep, in order"
    assert len(seen) >= 4, seen  # watched climbing, not found finished at once
    # Six steps, one per rung (each scheduled when the one below it fired), all fired; the timeline has
    # each rung once, in order.
    assert [step[0] for step in state["steps"]] == [1, 2, 3, 4, 5, 6] and all(step[2] for step in state["steps"])
    assert state["events"] == list(RUNG_ORDER)
    # The two letters rungs issued numbered letters; the referral names the handler and the liaison.
    assert state["letters"] == [LetterKind.WORK_REMINDER, LetterKind.RISK_WARNING]
    assert [row[6] is not None for row in state["rungs"]] == [False, False, True, True, False, False]
    assert state["referrals"] == [["open", sorted([ids["handler"], ids["liaison"]])]]
    # Each message once: the handler and liaison reminded, the office told of the referral.
    told = {(kind, who): n for kind, who, n in state["messages"]}
    assert set(told.values()) == {1}, told
    assert told[("ladder.reminder", ids["handler"])] == told[("ladder.reminder", ids["liaison"])] == 1
    assert ("ladder.referral", ids["office"]) in told and ("ladder.criticism", ids["commander"]) in told

    # Two sweeps at once on the two worker processes, then beat's own: nothing is issued again.
    _shell(env, TRIGGER_TWICE.format())
    time.sleep(20)
    assert _shell(env, STATE.format(**ids)) == state
    assert live["worker"].poll() is None and live["beat"].poll() is None
