"""The guarded status transition every service that moves a matter goes through."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from governance.transitions import guarded_move
from intake import hooks
from intake.choices import EventSource
from intake.events import case_event_record
from intake.models import Case, CaseEvent


def case_transition(
    *,
    case: Case,
    to_status: str,
    actor: AbstractBaseUser | None,
    event_type: str,
    source: str = EventSource.WEB,
    data: dict[str, Any] | None = None,
    extra_fields: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    """Move `case` from the status it was read in to `to_status`, and record it.

    Along `CASE_TRANSITIONS`, by `governance.transitions.guarded_move` (a conditional update on the
    status read): doing the same transition twice, or two people at once, succeeds once and leaves one
    event — also on SQLite.
    """
    now = now or timezone.now()
    with transaction.atomic():
        from_status = guarded_move(case, to_status, updated_at=now, **(extra_fields or {}))
        event = case_event_record(
            case=case,
            type=event_type,
            actor=actor,
            source=source,
            from_status=from_status,
            to_status=to_status,
            data=data,
            now=now,
        )
        # The clocks of the status left stop, the clock of the status entered starts (dispatch).
        hooks.case_status_changed(case=case, from_status=from_status, to_status=to_status, now=now)
    return event
