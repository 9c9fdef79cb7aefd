"""What a matter is, as it comes to be registered (`MatterInput`): the one input of
`intake.services.case_register`, whichever channel brings it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from governance.models import Grid, ServiceWindow
from intake.choices import RiskLevel, Urgency
from intake.models import Case, Category
from intake.services.cleaning import PartyInput
from intake.validators import UploadedFileLike

# More people than this in one matter is a typing error (the column holds up to 2^31).
GROUP_SIZE_MAX = 100_000


@dataclass(frozen=True, kw_only=True)
class MatterInput:
    """What a matter is, as a window, the command center, a platform or a grid worker brings it to
    `case_register` (who registers it, at which center and when are the service's own keywords).
    Nothing here is checked yet: the service checks every field and names each one that failed."""

    channel: str  # how it came (`Channel`); decides whether an applicant is required and where it waits
    category: Category | int | None  # the kind of matter (a category or its id)
    title: str  # required; stored as typed (HTML included), pages escape it
    description: str  # required, as typed
    parties: Sequence[PartyInput]  # applicants and respondents; a walk-in or a call needs an applicant
    address: str = ""  # where it happened
    grid: Grid | int | None = None  # the grid it happened in (or its id); its town is recorded with it
    latitude: Decimal | float | str | None = None  # WGS84; given with `longitude` or not at all
    longitude: Decimal | float | str | None = None
    urgency: str = Urgency.NORMAL  # `Urgency`
    risk_level: str = RiskLevel.LOW  # `RiskLevel`
    # `Complexity`; None takes the category's default, or "urgent" for an urgent or critical matter.
    complexity: str | None = None
    window: ServiceWindow | None = None  # the window that took it: of the registering center, open
    is_group: bool = False  # 群体性事项: `group_size` 2 or more; a spokesman (the first applicant if none is)
    group_size: int = 1  # how many people it concerns (up to GROUP_SIZE_MAX); 1 unless `is_group`
    # A platform's or an upper level's own number for it: unique per `external_source`, so a second
    # push of the same number is refused (`duplicate_external_ref`).
    external_ref: str = ""
    external_source: str = ""  # who numbered it: an Open311 key's source, "api", the command center's channel
    attachments: Iterable[UploadedFileLike] = ()  # files brought with it, checked by `validate_upload`
    link_to: Iterable[Case | int] = ()  # earlier matters of the same district it comes back about (重复访)
