from intake.models.audit import SensitiveView
from intake.models.case import Case, CaseLink, CaseSequence, Category
from intake.models.chain import TimelineCheck
from intake.models.event import CaseEvent
from intake.models.party import Attachment, CaseParty, Party
from intake.models.platform_key import PlatformKey

__all__ = [
    "Attachment",
    "Case",
    "CaseEvent",
    "CaseLink",
    "CaseParty",
    "CaseSequence",
    "Category",
    "Party",
    "PlatformKey",
    "SensitiveView",
    "TimelineCheck",
]
