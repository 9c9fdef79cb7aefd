from dispatch.models.assignment import (
    Assignment,
    AssignmentReport,
    DeclineRequest,
    ExplanationCall,
    ExtensionRequest,
    Revisit,
    Verification,
)
from dispatch.models.attendance import DutySign
from dispatch.models.deadline import AuditAlarm, DeadlineStep, SweepRun, WorkReminderLetter
from dispatch.models.mode import Mode
from dispatch.models.notification import DELIVERY_FAILED, Notification
from dispatch.models.revisit import RevisitAttempt, RevisitExclusion
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
from dispatch.models.wartime import (
    EpisodeEvent,
    RotaSwap,
    StandbySwap,
    TeamDeployment,
    WartimeEpisode,
    WartimePlan,
    WartimePlanLeader,
    WartimePlanStandby,
    WartimePlanTeam,
)

__all__ = [
    "EpisodeEvent",
    "RotaSwap",
    "StandbySwap",
    "TeamDeployment",
    "WartimeEpisode",
    "WartimePlan",
    "WartimePlanLeader",
    "WartimePlanStandby",
    "WartimePlanTeam",
    "ActingGrant",
    "Assignment",
    "AssignmentReport",
    "AuditAlarm",
    "CommandAssignment",
    "DeadlinePolicy",
    "DutySign",
    "DeclineRequest",
    "DeadlineStep",
    "DutyRoster",
    "DutyRosterSlot",
    "DutyShift",
    "DutyTeam",
    "ExplanationCall",
    "ExtensionRequest",
    "Mode",
    "DELIVERY_FAILED",
    "Notification",
    "Revisit",
    "RevisitAttempt",
    "RevisitExclusion",
    "RoutingHistory",
    "RoutingRule",
    "Summons",
    "SummonsDepartment",
    "SweepRun",
    "Verification",
    "WorkReminderLetter",
]
