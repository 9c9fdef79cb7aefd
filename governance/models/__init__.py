from governance.models.calendar import CalendarDay, CalendarYear
from governance.models.health import Heartbeat, JobLease
from governance.models.organization import Center, Department, Profile, ServiceWindow, Stationing
from governance.models.submissions import ApiRequest, Submission
from governance.models.territory import Grid

__all__ = [
    "ApiRequest",
    "CalendarDay",
    "CalendarYear",
    "Center",
    "Department",
    "Grid",
    "Heartbeat",
    "JobLease",
    "Profile",
    "ServiceWindow",
    "Stationing",
    "Submission",
]
