"""Writes of the dispatch app: rosters, modes, notifications; dispatching, assignments,
verification/revisit/close, summons and the deadline engine."""

from dispatch.services.assignments_center import (
    assignment_reassign,
    assignment_remind,
    assignment_return_for_rework,
    assignment_rule_decline,
    case_dispatch,
    case_move_center,
    extension_decide,
)
from dispatch.services.assignments_department import (
    assignment_acknowledge,
    assignment_decline,
    assignment_report_back,
    assignment_report_progress,
    assignment_request_extension,
)
from dispatch.services.closing import case_close, case_record_explanation_call, case_verify
from dispatch.services.delivery import (
    DeliveryOutcome,
    notification_deliver,
    notification_fall_back,
    notification_requeue_stale,
)
from dispatch.services.engine import deadline_sweep
from dispatch.services.engine_audit import deadline_audit, deadline_engine_checks
from dispatch.services.mode import mode_declare_wartime, mode_end_wartime
from dispatch.services.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notification_retry,
    notification_send,
)
from dispatch.services.revisits import (
    case_exclusion_decide,
    case_exclusion_propose,
    case_revisit,
    revisit_attempt_record,
)
from dispatch.services.roster import (
    acting_grant_create,
    acting_grant_revoke,
    duty_shift_cancel,
    duty_shift_create,
    duty_swap,
)
from dispatch.services.subjects import (
    PlannedStep,
    StepOutbox,
    deadline_steps_cancel,
    deadline_steps_schedule,
    deadline_subject_register,
)
from dispatch.services.summons import (
    summons_acknowledge,
    summons_approve,
    summons_close,
    summons_refuse,
    summons_report_in,
    summons_request,
)
from dispatch.services.supervision import assignment_supervise, assignment_supervise_by_leader
from dispatch.services.window_self import case_self_handle, self_handling_window

__all__ = [
    "case_self_handle",
    "self_handling_window",
    "acting_grant_create",
    "acting_grant_revoke",
    "DeliveryOutcome",
    "PlannedStep",
    "StepOutbox",
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
    "assignment_supervise_by_leader",
    "case_close",
    "case_dispatch",
    "case_move_center",
    "case_record_explanation_call",
    "case_exclusion_decide",
    "case_exclusion_propose",
    "case_revisit",
    "case_verify",
    "deadline_audit",
    "deadline_engine_checks",
    "deadline_steps_cancel",
    "deadline_steps_schedule",
    "deadline_subject_register",
    "deadline_sweep",
    "duty_shift_cancel",
    "duty_shift_create",
    "duty_swap",
    "extension_decide",
    "mode_declare_wartime",
    "mode_end_wartime",
    "notification_deliver",
    "notification_fall_back",
    "notification_mark_all_read",
    "notification_mark_read",
    "notification_requeue_stale",
    "notification_retry",
    "notification_send",
    "revisit_attempt_record",
    "summons_acknowledge",
    "summons_approve",
    "summons_close",
    "summons_refuse",
    "summons_report_in",
    "summons_request",
]
