from dispatch.models.assignment import (
    Assignment,
    AssignmentReport,
    ExplanationCall,
    ExtensionRequest,
    Revisit,
    Verification,
)
from dispatch.models.deadline import AuditAlarm, DeadlineStep, SweepRun, WorkReminderLetter
from dispatch.models.mode import Mode
from dispatch.models.notification import Notification
from dispatch.models.roster import (
    ActingGrant,
    CommandAssignment,
    DutyRoster,
    DutyRosterSlot,
    DutyShift,
    DutyTeam,
)
from dispatch.models.routing import DeadlinePolicy, RoutingHistory, RoutingRule
from dispatch.models.summons import Summons, SummonsDepartment

__all__ = [
    "ActingGrant",
    "Assignment",
    "AssignmentReport",
    "AuditAlarm",
    "CommandAssignment",
    "DeadlinePolicy",
    "DeadlineStep",
    "DutyRoster",
    "DutyRosterSlot",
    "DutyShift",
    "DutyTeam",
    "ExplanationCall",
    "ExtensionRequest",
    "Mode",
    "Notification",
    "Revisit",
    "RoutingHistory",
    "RoutingRule",
    "Summons",
    "SummonsDepartment",
    "SweepRun",
    "Verification",
    "WorkReminderLetter",
]
