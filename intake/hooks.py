"""What intake asks of the apps above it; dispatch registers the answers in `DispatchConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from governance.hooks import Hook, ListHook

department_case_ids: Hook[Callable[[AbstractBaseUser], QuerySet | Iterable[int]]] = Hook(
    "intake.department_case_ids",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(user) -> ids`: the matters assigned to the departments a liaison or handler acts for.",
)

department_case_count: Hook[Callable[..., int]] = Hook(
    "intake.department_case_count",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(user, *, cap) -> int`: how many matters `department_case_ids` holds, counted up to `cap` on the "
    "assignments alone (the list's count of someone who sees only departments' matters, without filters).",
)

operating_mode: Hook[Callable[..., str]] = Hook(
    "intake.operating_mode",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, center) -> 'normal' | 'wartime'`: the mode in force at a district center now.",
)

case_queued: Hook[Callable[..., None]] = Hook(
    "intake.case_queued",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, case, now)`: a matter has just arrived on the dispatch queue (a platform push, an "
    "upper-level assignment, an online form, a grid report, or a walk-in sent on); called inside that "
    "transaction, it notifies the duty director on duty after commit.",
)

duty_flow_check: Hook[Callable[..., None]] = Hook(
    "intake.duty_flow_check",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, actor, center) -> None`, raises `PermissionDeniedError` (`not_on_duty`) unless the actor may do "
        "the routine flow now (duty, not only role: an off-duty duty director reads). Called when the center's "
        "staff settle or send on a matter for its first receiver.",
)

case_close_check: Hook[Callable[..., None]] = Hook(
    "intake.case_close_check",
    declared_by="intake",
    provided_by="grid",
    doc="`(*, case) -> None`, raises `ApplicationError` when a rule forbids closing the matter (a grid "
        "report closes only after a worker of its grid verified it on site). Called by dispatch's close.",
)

case_panels: ListHook[Callable[..., list]] = ListHook(
    "intake.case_panels",
    declared_by="intake",
    provided_by="grid",
    doc="`(*, case, user, request=None) -> [html]`: extra panels for a matter's pages, from each app that "
        "registers (the grid's seven steps; review's warning letters, with 发函 for those who may issue, and ladder; command's urgent reports and instructions). A "
        "panel with a form renders with `request` (its CSRF token).",
)

window_actions: ListHook[Callable[..., list]] = ListHook(
    "intake.window_actions",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, case, request) -> [html]`: further actions on a just registered matter's receipt besides settling "
        "it on the spot and sending it to dispatch (a stationed department's window takes it into its own "
        "department, 窗口自办), for the user of the request; empty when they may not.",
)

case_work_url: Hook[Callable[..., str]] = Hook(
    "intake.case_work_url",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, case_id) -> url`: the page where the center works a matter (its assignments, revisit and "
        "close), linked from the matter's page and the first receiver's follow-ups.",
)

case_answers: Hook[Callable[..., dict[int, str]]] = Hook(
    "intake.case_answers",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, case_ids) -> {case_id: text}`: the department's answer the center approved for each closed matter "
        "(the report-back of its completed lead or sole assignment, the merged answer in joint handling); "
        "matters without one are left out. Open311 gives it back to the filing platform in `status_notes`.",
)

case_status_changed: Hook[Callable[..., None]] = Hook(
    "intake.case_status_changed",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, case, from_status, to_status, now)`: called inside the transaction of every move of a matter "
        "(`case_transition`) and of a walk-in's registration (`from_status` ''): dispatch stops the clocks of "
        "the status left and starts the clock of the status entered (移送, 派单, 核查, 回访 on the deadline engine).",
)

case_clocks: Hook[Callable[..., dict[int, list]]] = Hook(
    "intake.case_clocks",
    declared_by="intake",
    provided_by="dispatch",
    doc="`(*, case_ids, now) -> {case_id: [clock]}`: the clocks running on these matters (label, due_at, "
        "remaining_seconds, lapsed, escalated), for the window's list, matter page and follow-ups.",
)

case_ids_to_explain: Hook[Callable[..., QuerySet]] = Hook(
    "intake.case_ids_to_explain",
    declared_by="intake",
    provided_by="dispatch",
    doc="`() -> QuerySet of values('subject_id')`: the matters whose first receiver owes the applicant an "
        "explanation call now (an assignment went overdue; 解释回访 on the deadline engine).",
)

events_recorded: ListHook[Callable[..., list]] = ListHook(
    "intake.events_recorded",
    declared_by="intake",
    provided_by="command",
    doc="`(*, events) -> []`: timeline events just appended (saved, with their ids), inside the transaction "
        "that wrote them: command (领导通) tells the leaders who follow a matter (关注) of its events of note, in the "
        "same transaction (the outbox), once per event.",
)
