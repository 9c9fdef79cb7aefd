from grid.models.keypersons import (
    KeyPerson,
    KeyPersonFollowUp,
    KeyPersonGroup,
    KeyPersonRiskChange,
    KeyPersonView,
)
from grid.models.people import GridAssignment, GridLeader, WartimeActivation
from grid.models.work import CollectedItem, CollectedItemChange, GridReport, OpenCounts, Patrol, PatrolPhoto

__all__ = [
    "CollectedItem",
    "CollectedItemChange",
    "GridAssignment",
    "GridLeader",
    "GridReport",
    "KeyPerson",
    "KeyPersonFollowUp",
    "KeyPersonGroup",
    "KeyPersonRiskChange",
    "KeyPersonView",
    "OpenCounts",
    "Patrol",
    "PatrolPhoto",
    "WartimeActivation",
]
