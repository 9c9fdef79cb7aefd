"""The center's own clocks on the deadline engine (issue 22 items 1-3, seed 000 二(二)).

A matter waits on the center's own people at five points, and each wait is a clock of deadline steps
(`DeadlineStep` with `subject_type` = the clock, `subject_id` = the matter), fired by the sweep like
every other deadline (exactly once, in the batch's transaction, with its messages in the outbox):

- 移送 (`case.send_on`): registered at the window → sent on or settled on the spot, within the mode's
  `send_on_minutes`; at the limit the first receiver and the duty director on duty are reminded and
  the lapse is on the timeline (`case.send_on_overdue`); as many minutes later the commander is told.
- 派单 (`case.dispatch`): on the board → dispatched, within the mode's `dispatch_minutes`; the duty
  director is reminded, then the commander.
- 核查 (`case.verify`): reported back → verified on site by the end of the working day after
  (`VERIFY_WITHIN_WORKING_DAYS`, the rule the grid workers' figures count by); the grid's workers are
  reminded on the due day and told when it lapses, with the duty director.
- 回访 (`case.revisit`): verified (or settled on the spot) → revisited by the end of the next working
  day; the first receiver is reminded, then told with the duty director when it lapses.
- 解释回访 (`case.explain`): when an assignment goes overdue the first receiver is asked to call the
  applicant and explain (`case.explanation_requested`), by the end of the next working day.

A status clock starts when the matter enters its status and stops when it leaves it (`intake`'s
`case_status_changed` hook, called in the transaction of every move); the explanation clock stops
when the call is recorded or the matter is revisited or closed. Stopping a clock marks all its steps
`cancelled_at` (those already fired too: the clock stopped then), so the running clock of a matter is
the one whose steps are not marked, and its lapse stays on the timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dispatch.choices import DispatchEventType, StepKind
from dispatch.links import link_for
from dispatch.models import DeadlineStep
from dispatch.selectors.clocks import (
    DISPATCH,
    EXPLAIN,
    EXPLAIN_WITHIN_WORKING_DAYS,
    REVISIT,
    REVISIT_WITHIN_WORKING_DAYS,
    SEND_ON,
    VERIFY,
    VERIFY_WITHIN_WORKING_DAYS,
    clock_minutes,
)
from dispatch.selectors.roster import duty_director_on_duty
from dispatch.services.common import CommanderCache
from dispatch.services.subjects import PlannedStep, StepOutbox, deadline_steps_schedule
from governance.models import Center
from governance.selectors import grid_workers_to_verify
from governance.workcal import WorkingCalendar
from intake.choices import CaseStatus
from intake.events import case_events_record_many, case_system_event_build
from intake.models import Case, CaseEvent

# Who a clock's step tells (the step's `targets`).
FIRST_RECEIVER = "first_receiver"
DUTY_DIRECTOR = "duty_director"
COMMANDER = "commander"
GRID_WORKERS = "grid_workers"


@dataclass(frozen=True)
class ClockRule:
    """One clock: the statuses it runs in (none: the explanation clock, started by the engine), the
    timeline events of its lapse and escalation, the words of its messages."""

    subject_type: str
    statuses: frozenset[str]
    overdue_event: str
    escalated_event: str
    overdue_title: Promise
    reminder_title: Promise
    link_name: str = "work-case"


RULES: dict[str, ClockRule] = {rule.subject_type: rule for rule in (
    ClockRule(SEND_ON, frozenset({CaseStatus.REGISTERED}), DispatchEventType.CASE_SEND_ON_OVERDUE,
              DispatchEventType.CASE_SEND_ON_ESCALATED, _("登记后未及时移送"), _("请及时移送")),
    ClockRule(DISPATCH, frozenset({CaseStatus.PENDING_DISPATCH}), DispatchEventType.CASE_DISPATCH_OVERDUE,
              DispatchEventType.CASE_DISPATCH_ESCALATED, _("待调度未及时派单"), _("请及时派单")),
    ClockRule(VERIFY, frozenset({CaseStatus.REPORTED}), DispatchEventType.CASE_VERIFICATION_OVERDUE, "",
              _("核查已超时"), _("今日须完成现场核查")),
    ClockRule(REVISIT, frozenset({CaseStatus.VERIFIED, CaseStatus.SETTLED_ON_SPOT}),
              DispatchEventType.CASE_REVISIT_OVERDUE, "", _("回访已超时"), _("今日须完成回访")),
    ClockRule(EXPLAIN, frozenset(), DispatchEventType.CASE_EXPLANATION_OVERDUE, "", _("解释回访已超时"),
              _("请致电申请人解释")),
)}
# The explanation call is moot once the applicant has been revisited (or the matter closed).
EXPLAIN_ENDS = frozenset({CaseStatus.REVISITED, CaseStatus.CLOSED})


def _day_reminder(*, calendar: WorkingCalendar, due_at: dt.datetime) -> dt.datetime:
    """The due day's afternoon: the start of its last working period."""
    local = timezone.localtime(due_at, calendar.tz)
    return dt.datetime.combine(local.date(), calendar.periods[-1][0], tzinfo=calendar.tz)


def clock_plan(*, subject_type: str, case: Case, now: dt.datetime,
               calendar: WorkingCalendar | None = None) -> list[PlannedStep]:
    """The steps of a clock starting now on `case` (the limits in force copied onto the steps)."""
    if subject_type in (SEND_ON, DISPATCH):
        minutes = clock_minutes(center=case.center)[subject_type]
        due = now + dt.timedelta(minutes=minutes)
        first = (FIRST_RECEIVER, DUTY_DIRECTOR) if subject_type == SEND_ON else (DUTY_DIRECTOR,)
        return [PlannedStep(kind=StepKind.OVERDUE, due_at=due, targets=first),
                PlannedStep(kind=StepKind.ESCALATION, due_at=due + dt.timedelta(minutes=minutes), level=1,
                            targets=(COMMANDER,))]
    calendar = calendar or WorkingCalendar(center=case.center)
    days = {VERIFY: VERIFY_WITHIN_WORKING_DAYS, REVISIT: REVISIT_WITHIN_WORKING_DAYS,
            EXPLAIN: EXPLAIN_WITHIN_WORKING_DAYS}[subject_type]
    due = calendar.working_days_deadline(now, days)
    who = (GRID_WORKERS,) if subject_type == VERIFY else (FIRST_RECEIVER,)
    steps = [PlannedStep(kind=StepKind.OVERDUE, due_at=due, targets=(*who, DUTY_DIRECTOR))]
    if subject_type != EXPLAIN:
        steps.insert(0, PlannedStep(kind=StepKind.DUE_REMINDER, due_at=_day_reminder(calendar=calendar, due_at=due),
                                    targets=who))
    return steps


def clocks_stop(*, case_id: int, subject_types: Sequence[str], now: dt.datetime) -> int:
    """Stop the matter's running clocks of these kinds (all their steps marked, fired or not)."""
    return DeadlineStep.objects.filter(subject_type__in=list(subject_types), subject_id=case_id,
                                       cancelled_at__isnull=True).update(cancelled_at=now)


def case_clocks_on_status(*, case: Case, from_status: str, to_status: str, now: dt.datetime) -> None:
    """Registered as intake's `case_status_changed` hook (inside the move's transaction): stop the
    clocks of the status left, start the clock of the status entered."""
    left = [rule.subject_type for rule in RULES.values()
            if from_status in rule.statuses and to_status not in rule.statuses]
    if to_status in EXPLAIN_ENDS:
        left.append(EXPLAIN)
    if from_status and left:
        clocks_stop(case_id=case.pk, subject_types=left, now=now)
    for rule in RULES.values():
        if to_status in rule.statuses and from_status not in rule.statuses:
            deadline_steps_schedule(subject_type=rule.subject_type, subject_id=case.pk, now=now,
                                    steps=clock_plan(subject_type=rule.subject_type, case=case, now=now))


def case_clock_restart(*, case: Case, subject_type: str, now: dt.datetime) -> None:
    """The same wait starts over elsewhere (a waiting matter moved to another center's board)."""
    clocks_stop(case_id=case.pk, subject_types=[subject_type], now=now)
    deadline_steps_schedule(subject_type=subject_type, subject_id=case.pk, now=now,
                            steps=clock_plan(subject_type=subject_type, case=case, now=now))


def explanation_clock_stop(*, case: Case, now: dt.datetime) -> int:
    """The explanation call is recorded: its clock stops."""
    return clocks_stop(case_id=case.pk, subject_types=[EXPLAIN], now=now)


# --- the sweep's part ------------------------------------------------------------------------------
class _People:
    """Who a step tells, read once per batch: the first receivers (with the matters), the duty
    directors and commanders on duty per center and day, the grid's workers per grid and day."""

    def __init__(self) -> None:
        self.commanders = CommanderCache()
        self.directors: dict[tuple[int, dt.date], AbstractBaseUser | None] = {}
        self.workers: dict[tuple[int, dt.date], list[AbstractBaseUser]] = {}

    def director(self, center: Center, at: dt.datetime) -> AbstractBaseUser | None:
        key = (center.pk, timezone.localtime(at).date())
        if key not in self.directors:
            self.directors[key] = duty_director_on_duty(center=center, at=at).director
        return self.directors[key]

    def grid_workers(self, case: Case, at: dt.datetime) -> list[AbstractBaseUser]:
        if case.grid_id is None:
            return []
        key = (case.grid_id, timezone.localtime(at).date())
        if key not in self.workers:
            self.workers[key] = list(grid_workers_to_verify(grid=case.grid, on=key[1]))
        return self.workers[key]

    def for_targets(self, *, targets: Sequence[str], case: Case, at: dt.datetime) -> list[AbstractBaseUser]:
        people: list[AbstractBaseUser | None] = []
        for target in targets:
            if target == FIRST_RECEIVER:
                people.append(case.first_receiver)
            elif target == DUTY_DIRECTOR:
                people.append(self.director(case.center, at))
            elif target == COMMANDER:
                people.extend(self.commanders.get(center=case.center, at=at))
            elif target == GRID_WORKERS:
                workers = self.grid_workers(case, at)
                # A matter without a grid worker on duty for it is checked by the center.
                people.extend(workers or [self.director(case.center, at)])
        return [person for person in people if person is not None]


def _applies(rule: ClockRule, case: Case) -> bool:
    if rule.statuses:
        return case.status in rule.statuses
    return case.status not in EXPLAIN_ENDS


def case_clock_steps_fire(steps: Sequence[DeadlineStep], now: dt.datetime, outbox: StepOutbox) -> set[int]:
    """The sweep's handler for the matters' clocks (inside the batch's transaction): a reminder, the
    lapse (an event on the timeline) or the escalation to the commander, each once; steps whose
    matter has moved on are skipped."""
    cases = Case.objects.select_related("center", "grid", "first_receiver").in_bulk(
        {step.subject_id for step in steps})
    people = _People()
    events: list[CaseEvent] = []
    acted: set[int] = set()
    for step in steps:
        rule, case = RULES.get(step.subject_type), cases.get(step.subject_id)
        if rule is None or case is None or not _applies(rule, case):
            continue
        recipients = people.for_targets(targets=step.targets, case=case, at=now)
        link = link_for(rule.link_name, case.pk)
        key = f"step:{step.pk}"
        data = {"clock": rule.subject_type, "due_at": step.due_at, "step": step.pk, "to": list(step.targets)}
        if step.kind == StepKind.DUE_REMINDER:
            outbox.add(step=step, recipients=recipients, kind=f"{rule.subject_type}.reminder",
                       title=f"{rule.reminder_title}：{case.code}", body=case.title, link=link, dedupe_key=key)
        elif step.kind == StepKind.OVERDUE:
            events.append(case_system_event_build(case=case.pk, type=rule.overdue_event, now=now, data=data))
            outbox.add(step=step, recipients=recipients, kind=f"{rule.subject_type}.overdue",
                       title=f"{rule.overdue_title}：{case.code}", body=case.title, link=link, dedupe_key=key,
                       urgent=rule.subject_type in (SEND_ON, DISPATCH))
        elif step.kind == StepKind.ESCALATION and rule.escalated_event:
            events.append(case_system_event_build(case=case.pk, type=rule.escalated_event, now=now,
                                                  data={**data, "level": step.level}))
            outbox.add(step=step, recipients=recipients, kind=f"{rule.subject_type}.escalated",
                       title=f"{rule.overdue_title}，请指挥长督办：{case.code}", body=case.title, link=link,
                       dedupe_key=key, urgent=True)
        else:
            continue
        acted.add(step.pk)
    case_events_record_many(events=events)
    return acted


def explanations_request(*, overdue: Sequence[tuple[Any, int, int]], now: dt.datetime, outbox: StepOutbox,
                         calendars: dict[int, WorkingCalendar]) -> tuple[list[CaseEvent], list[DeadlineStep]]:
    """Assignments just marked overdue (the step that fired, the matter, the assignment): the first
    receiver of each matter is asked, once per matter while no explanation clock runs on it, to call
    the applicant and explain; the call's clock starts. One read per batch whatever its size. The
    matters with a clock running are excluded by a subquery on the subject index that PostgreSQL runs
    once and hashes, not a correlated NOT EXISTS: a burst of new explanation clocks the planner's
    statistics had not seen yet turned that anti-join into a scan of every clock per matter (350 ms
    per batch of 500)."""
    case_ids = {case_id for _step, case_id, _assignment in overdue}
    running = DeadlineStep.objects.filter(subject_type=EXPLAIN, subject_id__in=case_ids, cancelled_at__isnull=True)
    cases = (Case.objects.select_related("center", "first_receiver").exclude(status__in=EXPLAIN_ENDS)
             .exclude(pk__in=running.values("subject_id")).order_by().in_bulk(case_ids))
    events: list[CaseEvent] = []
    steps: list[DeadlineStep] = []
    for step, case_id, assignment_id in overdue:
        case = cases.pop(case_id, None)  # once per matter
        if case is None:
            continue
        if case.center_id not in calendars:
            calendars[case.center_id] = WorkingCalendar(center=case.center)
        plan = clock_plan(subject_type=EXPLAIN, case=case, now=now, calendar=calendars[case.center_id])
        steps += [DeadlineStep(kind=p.kind, subject_type=EXPLAIN, subject_id=case.pk, due_at=p.due_at, level=p.level,
                               targets=list(p.targets)) for p in plan]
        due = plan[-1].due_at
        events.append(case_system_event_build(case=case.pk, type=DispatchEventType.CASE_EXPLANATION_REQUESTED, now=now,
                                              data={"clock": EXPLAIN, "assignment": assignment_id, "due_at": due}))
        outbox.add(step=step, recipients=[case.first_receiver], kind="case.explanation_requested",
                   title=f"交办已超期，请致电申请人解释：{case.code}",
                   body=f"请于 {timezone.localtime(due):%m-%d %H:%M} 前完成解释回访并记录。",
                   link=link_for("work-case", case.pk), dedupe_key=f"explain:{case.pk}:{step.pk}")
    return events, steps
