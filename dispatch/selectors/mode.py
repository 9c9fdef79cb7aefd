"""Reads of the normal/wartime mode."""

from __future__ import annotations

from django.db.models import QuerySet

from dispatch.choices import (
    NORMAL_DISPATCH_MINUTES,
    NORMAL_LIMIT_PERCENT,
    NORMAL_REPORT_IN_MINUTES,
    NORMAL_SEND_ON_MINUTES,
)
from dispatch.models import Mode
from governance.models import Center
from intake.choices import OperatingMode


def mode_current(*, center: Center | int) -> Mode:
    """The latest switch of the center; an unsaved normal-mode row (seq 0) when it never switched."""
    center_id = center if isinstance(center, int) else center.pk
    mode = Mode.objects.filter(center_id=center_id).select_related("switched_by").order_by("-seq").first()
    if mode is None:
        mode = Mode(
            center_id=center_id,
            seq=0,
            kind=OperatingMode.NORMAL,
            reason="",
            summons_report_in_minutes=NORMAL_REPORT_IN_MINUTES,
            assignment_limit_percent=NORMAL_LIMIT_PERCENT,
            send_on_minutes=NORMAL_SEND_ON_MINUTES,
            dispatch_minutes=NORMAL_DISPATCH_MINUTES,
        )
    return mode


def mode_history(*, center: Center) -> QuerySet[Mode]:
    return Mode.objects.filter(center=center).select_related("switched_by").order_by("-seq")
