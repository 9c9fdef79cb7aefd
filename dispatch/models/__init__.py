from dispatch.models.mode import Mode
from dispatch.models.notification import Notification
from dispatch.models.roster import CommandAssignment, DutyRoster, DutyRosterSlot, DutyShift, DutyTeam

__all__ = [
    "CommandAssignment",
    "DutyRoster",
    "DutyRosterSlot",
    "DutyShift",
    "DutyTeam",
    "Mode",
    "Notification",
]
from dispatch.models.work import *  # noqa: E402,F401,F403
