"""Timeline event constructors: the one way to append to a matter's history, and the declared
vocabulary of event types (each app's `…EventType` choices, with their labels)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise

from intake import hooks
from intake.choices import CaseEventType, EventSource
from intake.models import Case, CaseEvent

_VOCABULARY: dict[str, str | Promise] = {}


def event_types_declare(choices: type[models.TextChoices]) -> None:
    """Add an app's event types (a TextChoices whose labels are the words people read) to the
    vocabulary; called for intake here and by each higher app in its `ready()`."""
    for value, label in zip(choices.values, choices.labels, strict=True):
        _VOCABULARY.setdefault(value, label)


def event_types() -> dict[str, str | Promise]:
    """Every declared event type and its label."""
    return dict(_VOCABULARY)


def event_label(event_type: str) -> str:
    return str(_VOCABULARY.get(event_type, event_type))


event_types_declare(CaseEventType)


def case_event_record(
    *,
    case: Case,
    type: str,
    actor: AbstractBaseUser | None,
    source: str = EventSource.WEB,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    """Append one event. `type` is dotted and past tense: `case.registered`, `assignment.acknowledged`."""
    event = case_event_build(case=case, type=type, actor=actor, source=source, from_status=from_status,
                             to_status=to_status, data=data, now=now)
    event.save(force_insert=True)
    hooks.events_recorded(events=[event])
    return event


def case_event_build(
    *,
    case: Case | int,
    type: str,
    actor: AbstractBaseUser | None,
    source: str = EventSource.WEB,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    """An unsaved event, for `case_events_record_many` (several events of one action, one INSERT).
    `case` may be a matter or its id. An undeclared `type` is refused."""
    if type not in _VOCABULARY:
        raise ValueError(f"undeclared timeline event type {type!r}: declare it in the app's …EventType choices")
    return CaseEvent(
        **({"case_id": case} if isinstance(case, int) else {"case": case}),
        type=type,
        actor=actor if actor is not None and actor.is_authenticated else None,
        source=source,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        occurred_at=now or timezone.now(),
    )


def case_system_event_build(*, case: Case | int, type: str, now: dt.datetime, data: dict[str, Any]) -> CaseEvent:
    """An unsaved event of the system (no actor; source: task), for the sweeps' batches, which insert
    their events in bulk (`case_events_record_many`)."""
    return case_event_build(case=case, type=type, actor=None, source=EventSource.TASK, data=data, now=now)


def case_events_record_many(*, events: list[CaseEvent], new_case: Case | None = None) -> list[CaseEvent]:
    """Append several events built with `case_event_build` in one statement. `new_case`: a matter
    this transaction just inserted (its first events need not lock it nor read its chain)."""
    if any(event.pk is not None for event in events):
        raise ValueError("only new events can be recorded")
    recorded = CaseEvent.objects.bulk_create(events, new_case_ids=frozenset([new_case.pk]) if new_case else frozenset())
    hooks.events_recorded(events=recorded)
    return recorded
