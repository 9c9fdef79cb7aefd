"""What dispatch asks of the apps above it; the grid registers the answer in `GridConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from governance.hooks import Hook

mode_switched: Hook[Callable[..., None]] = Hook(
    "dispatch.mode_switched",
    declared_by="dispatch",
    provided_by="grid",
    doc="`(*, mode) -> None`, called inside the switch's transaction with the new `Mode` row: the grid "
        "activates its wartime micro-grids and releases reinforcements when wartime ends.",
)

handling_limits: Hook[Callable[..., Any]] = Hook(
    "dispatch.handling_limits",
    declared_by="dispatch",
    provided_by="review",
    doc="`(*, center, year) -> dispatch.selectors.limits.HandlingLimits`: the year's 退单时限 and extension "
        "limits, set with the year's assessment scheme of the center (or of the nearest center above it), "
        "the defaults when none is set.",
)

assignments_overdue: Hook[Callable[..., list[Any]]] = Hook(
    "dispatch.assignments_overdue",
    declared_by="dispatch",
    provided_by="review",
    doc="`(*, assignments, now, calendars) -> [DeadlineStep]`, called inside a sweep batch's transaction with "
        "the assignments the batch marked overdue (`assignment.pk`, `.center`, `.due_at`): the unsaved steps "
        "that follow (review's accountability ladder: 催办 … 移交区效能办), stored with the batch. One read "
        "per batch, whatever its size.",
)

consultation_url: Hook[Callable[..., str]] = Hook(
    "dispatch.consultation_url",
    declared_by="dispatch",
    provided_by="command",
    doc="`(*, consultation_id) -> url`: a consultation's page, linked from the wartime page's 战时会商.",
)

wartime_consultation: Hook[Callable[..., int | None]] = Hook(
    "dispatch.wartime_consultation",
    declared_by="dispatch",
    provided_by="command",
    doc="`(*, actor, center, title, scheduled_at, chair, invitees, now) -> consultation id`: the first 战时会商 "
        "of a wartime episode, scheduled with its invitees (called inside the declaration's transaction).",
)
