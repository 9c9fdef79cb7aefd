"""What the duty director does with a risk signal: dismiss it with a reason (turning it into a
letter is `letter_issue(signal=...)`, putting it on an agenda is `agenda_add(signal=...)`)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import SignalStatus
from command.models import RiskSignal
from command.selectors.work import require_command_center
from dispatch.selectors.duty import DIRECT, require_on_duty
from governance.errors import ApplicationError, PermissionDeniedError
from governance.roles import MAY_DECIDE_SIGNALS, may
from governance.transitions import guarded_move


def signal_transition(*, signal: RiskSignal, to_status: str, actor: AbstractBaseUser | None, now: dt.datetime,
                      **fields: object) -> RiskSignal:
    """One guarded move along SIGNAL_TRANSITIONS (governance.transitions)."""
    if to_status == signal.status and to_status != SignalStatus.DISMISSED:
        return signal  # already lettered / on an agenda: a second letter or agenda keeps it so
    guarded_move(signal, to_status, decided_by=actor, decided_at=now, **fields)
    signal.refresh_from_db()
    return signal


@transaction.atomic
def signal_dismiss(*, actor: AbstractBaseUser, signal: RiskSignal, reason: str,
                   now: dt.datetime | None = None) -> RiskSignal:
    now = now or timezone.now()
    if not may(actor, MAY_DECIDE_SIGNALS):
        raise PermissionDeniedError(gettext("只有轮值主任、指挥长可以处置研判信号。"))
    require_command_center(actor=actor, center=signal.center)
    require_on_duty(actor=actor, center=signal.center, task=DIRECT, now=now)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ApplicationError(gettext("请填写排除理由（不超过 500 字）。"), code="invalid", field="reason")
    return signal_transition(signal=signal, to_status=SignalStatus.DISMISSED, actor=actor, now=now,
                             dismiss_reason=reason)
