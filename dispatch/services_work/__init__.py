"""Writes of dispatch work: dispatching, assignments, verification/revisit/close, summons, deadline engine."""

from dispatch.services_work.assignments import (
    assignment_acknowledge,
    assignment_decline,
    assignment_reassign,
    assignment_remind,
    assignment_report_back,
    assignment_report_progress,
    assignment_request_extension,
    assignment_return_for_rework,
    assignment_rule_decline,
    assignment_supervise,
    case_dispatch,
    case_move_center,
    extension_decide,
)
from dispatch.services_work.closing import case_close, case_record_explanation_call, case_revisit, case_verify
from dispatch.services_work.engine import deadline_audit, deadline_engine_checks, deadline_sweep
from dispatch.services_work.summons import (
    summons_acknowledge,
    summons_approve,
    summons_close,
    summons_refuse,
    summons_report_in,
    summons_request,
)

__all__ = [
    "assignment_acknowledge",
    "assignment_decline",
    "assignment_reassign",
    "assignment_remind",
    "assignment_report_back",
    "assignment_report_progress",
    "assignment_request_extension",
    "assignment_return_for_rework",
    "assignment_rule_decline",
    "assignment_supervise",
    "case_close",
    "case_dispatch",
    "case_move_center",
    "case_record_explanation_call",
    "case_revisit",
    "case_verify",
    "deadline_audit",
    "deadline_engine_checks",
    "deadline_sweep",
    "extension_decide",
    "summons_acknowledge",
    "summons_approve",
    "summons_close",
    "summons_refuse",
    "summons_report_in",
    "summons_request",
]
