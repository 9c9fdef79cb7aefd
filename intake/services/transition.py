"""The guarded status transition every service that moves a matter goes through."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import ApplicationError
from intake import hooks
from intake.choices import CASE_TRANSITIONS, CaseStatus, EventSource
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

    A conditional update (`WHERE status = <expected>`) so that doing the same transition twice,
    or two people at once, succeeds once and leaves one event — also on SQLite.
    """
    now = now or timezone.now()
    from_status = case.status
    if to_status not in CASE_TRANSITIONS.get(from_status, frozenset()):
        raise ApplicationError(
            gettext("事项当前状态为“%(from)s”，不能变为“%(to)s”。") % {
                "from": CaseStatus(from_status).label, "to": CaseStatus(to_status).label},
            code="invalid_transition",
            extra={"from": from_status, "to": to_status},
        )
    fields = {"status": to_status, "updated_at": now, **(extra_fields or {})}
    with transaction.atomic():
        changed = Case.objects.filter(pk=case.pk, status=from_status).update(**fields)
        if changed != 1:
            raise ApplicationError(
                gettext("事项状态已被他人更改，请刷新后重试。"), code="stale_state"
            )
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
    for name, value in fields.items():
        setattr(case, name, value)
    return event
