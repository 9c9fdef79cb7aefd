"""Reads of the dispatch app (rosters, modes, notifications; the board and matters in `work`)."""

from dispatch.selectors.mode import mode_current, mode_history
from dispatch.selectors.notifications import notification_unread_count, notifications_for_user
from dispatch.selectors.roster import (
    CommandersOnDuty,
    DutyDay,
    center_keeps_rotation,
    command_assignments_current,
    commanders_on_duty,
    duty_day,
    duty_days,
    duty_director_on_duty,
    duty_month,
    duty_shifts_upcoming,
    roster_gaps,
)
from dispatch.selectors.work import case_ids_visible_to_department_user

__all__ = [
    "CommandersOnDuty",
    "case_ids_visible_to_department_user",
    "DutyDay",
    "center_keeps_rotation",
    "command_assignments_current",
    "commanders_on_duty",
    "duty_day",
    "duty_days",
    "duty_director_on_duty",
    "duty_month",
    "duty_shifts_upcoming",
    "mode_current",
    "mode_history",
    "notification_unread_count",
    "notifications_for_user",
    "roster_gaps",
]
