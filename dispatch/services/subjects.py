"""Deadlines of other apps on the one deadline engine.

An app above dispatch (review: warning letters, consultation action items) schedules its deadline
steps with `deadline_steps_schedule(subject_type=..., subject_id=...)` and registers, in its
`ready()`, a handler for its subject type. The sweep claims those steps like any other (exactly
once, crash-safe) and hands each batch to the handler inside its transaction; the handler re-reads
its rows, acts only when the step still applies (a conditional update where it changes state), and
returns the ids of the steps it acted on — the others are recorded as skipped. Cancelling is
`deadline_steps_cancel` when the subject is done (letter answered, action item completed).

A handler writes its messages with `deadline_step_notify(step=...)`: they join the batch's outbox,
stored in the sweep's transaction with the step's id and counted on the step, so the auditor
checks them like the engine's own (a handler that writes through `notification_send` is not
covered).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from dispatch.choices import StepKind
from dispatch.models import DeadlineStep
from governance.errors import ApplicationError

logger = logging.getLogger(__name__)

SubjectHandler = Callable[[Sequence[DeadlineStep], dt.datetime], set[int]]
_HANDLERS: dict[str, SubjectHandler] = {}


class StepOutbox(Protocol):
    """The sweep batch's outbox (`dispatch.services.engine.Outbox`)."""

    def add(self, *, step: DeadlineStep, recipients: list[Any], kind: str, title: str, body: str = "",
            link: str = "", dedupe_key: str, urgent: bool = False) -> None: ...


# The outbox of the batch whose subject steps are being handed to their handlers.
_OUTBOX: ContextVar[StepOutbox | None] = ContextVar("deadline_subject_outbox", default=None)


def deadline_step_notify(*, step: DeadlineStep, recipients: Iterable[Any], kind: str, title: str, body: str = "",
                         link: str = "", urgent: bool = False) -> None:
    """From a subject handler: the message(s) of a fired step (in-app, plus SMS when urgent), written
    with the sweep's batch, carrying the step (dedupe key `step:<id>`: once per step and person)."""
    outbox = _OUTBOX.get()
    if outbox is None:
        raise RuntimeError("deadline_step_notify is for subject handlers, called by the deadline sweep")
    outbox.add(step=step, recipients=list(recipients), kind=kind, title=title, body=body, link=link,
               dedupe_key=f"step:{step.pk}", urgent=urgent)


def deadline_subject_register(*, subject_type: str, handler: SubjectHandler) -> None:
    """Called from an app's `ready()`: the sweep passes due steps of `subject_type` to `handler`."""
    _HANDLERS[subject_type] = handler


@dataclass(frozen=True)
class PlannedStep:
    """One step to schedule: a reminder, the overdue mark (level 0), an escalation (level 1, 2 …)."""

    kind: str
    due_at: dt.datetime
    level: int = 0
    targets: tuple[str, ...] = field(default_factory=tuple)


def deadline_steps_schedule(*, subject_type: str, subject_id: int, steps: Iterable[PlannedStep],
                            now: dt.datetime) -> list[DeadlineStep]:
    """Store the steps (reminders already in the past are left out; overdue and escalation steps
    are kept even when past, so the next sweep fires them)."""
    if subject_type not in _HANDLERS:
        raise ApplicationError(f"时限对象类型未登记：{subject_type}", code="unknown_subject_type")
    rows = [
        DeadlineStep(kind=step.kind, subject_type=subject_type, subject_id=subject_id, due_at=step.due_at,
                     level=step.level, targets=list(step.targets))
        for step in steps
        if not (step.kind == StepKind.DUE_REMINDER and step.due_at <= now)
    ]
    return DeadlineStep.objects.bulk_create(rows)


def deadline_steps_cancel(*, subject_type: str, subject_id: int, now: dt.datetime,
                          kinds: Iterable[str] | None = None) -> int:
    """Cancel the subject's steps not fired yet (the letter is answered, the item is done)."""
    rows = DeadlineStep.objects.filter(subject_type=subject_type, subject_id=subject_id, fired_at__isnull=True,
                                       cancelled_at__isnull=True)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return rows.update(cancelled_at=now)


def subject_steps_fire(*, steps: Sequence[DeadlineStep], now: dt.datetime,
                       outbox: StepOutbox | None = None) -> set[int]:
    """The sweep's part: group claimed subject steps by type and call each handler once per batch;
    `outbox` receives what the handlers write with `deadline_step_notify`."""
    by_type: dict[str, list[DeadlineStep]] = defaultdict(list)
    for step in steps:
        by_type[step.subject_type].append(step)
    acted: set[int] = set()
    token = _OUTBOX.set(outbox)
    try:
        for subject_type, group in by_type.items():
            handler = _HANDLERS.get(subject_type)
            if handler is None:
                logger.error("deadline steps of unregistered subject type %s skipped: %s", subject_type,
                             [step.pk for step in group])
                continue
            acted |= handler(group, now)
    finally:
        _OUTBOX.reset(token)
    return acted
