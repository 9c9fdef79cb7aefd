"""Writes of grid work. Keyword-only, `now=` for tests; business errors raise `ApplicationError`."""

from grid.services.assignments import grid_assignment_end, grid_assignment_start
from grid.services.closing import grid_case_close_check, grid_case_verify
from grid.services.ledger import collected_item_save
from grid.services.patrols import patrol_finish, patrol_start
from grid.services.reports import grid_report_submit

__all__ = [
    "collected_item_save",
    "grid_assignment_end",
    "grid_assignment_start",
    "grid_case_close_check",
    "grid_case_verify",
    "grid_report_submit",
    "patrol_finish",
    "patrol_start",
]
