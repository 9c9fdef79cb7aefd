from governance.models.calendar import CalendarDay, CalendarYear
from governance.models.health import Heartbeat
from governance.models.organization import Center, Department, Profile, ServiceWindow, Stationing
from governance.models.submissions import Submission
from governance.models.territory import Grid

__all__ = [
    "CalendarDay",
    "CalendarYear",
    "Center",
    "Department",
    "Grid",
    "Heartbeat",
    "Profile",
    "ServiceWindow",
    "Stationing",
    "Submission",
]
