"""Writes of the dispatch app (rosters, modes, notifications)."""

from dispatch.services.mode import mode_declare_wartime, mode_end_wartime
from dispatch.services.notifications import (
    DeliveryOutcome,
    notification_deliver,
    notification_mark_all_read,
    notification_mark_read,
    notification_requeue_stale,
    notification_retry,
    notification_send,
)
from dispatch.services.roster import duty_shift_cancel, duty_shift_create, duty_swap

__all__ = [
    "DeliveryOutcome",
    "duty_shift_cancel",
    "duty_shift_create",
    "duty_swap",
    "mode_declare_wartime",
    "mode_end_wartime",
    "notification_deliver",
    "notification_mark_all_read",
    "notification_mark_read",
    "notification_requeue_stale",
    "notification_retry",
    "notification_send",
]
