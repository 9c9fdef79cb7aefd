"""Timeline event constructors: the one way to append to a matter's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from intake.choices import EventSource
from intake.models import Case, CaseEvent


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
    return event


def case_event_build(
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
    """An unsaved event, for `case_events_record_many` (several events of one action, one INSERT)."""
    return CaseEvent(
        case=case,
        type=type,
        actor=actor if actor is not None and actor.is_authenticated else None,
        source=source,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        occurred_at=now or timezone.now(),
    )


def case_events_record_many(*, events: list[CaseEvent]) -> list[CaseEvent]:
    """Append several events built with `case_event_build` in one statement."""
    if any(event.pk is not None for event in events):
        raise ValueError("only new events can be recorded")
    return CaseEvent.objects.bulk_create(events)
