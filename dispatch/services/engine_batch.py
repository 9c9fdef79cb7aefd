"""What a sweep's batch carries (`dispatch.services.engine`): the messages it stores (the outbox), the
timeline events, the rows its steps need, and the links its messages point to."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from dispatch.choices import (
    NotificationChannel,
)
from dispatch.models import (
    DeadlineStep,
)
from dispatch.services.channels import EXTERNAL
from dispatch.services.delivery import PRIORITY_BULK, PRIORITY_URGENT
from dispatch.services.notifications import (
    NotificationRequest,
)
from governance.models import Center, Department
from intake.models import CaseEvent


class Outbox:
    """The messages of one sweep batch, stored in bulk in the batch's transaction; each request
    remembers its step, and the step how many rows it wrote (checked by the auditor)."""

    def __init__(self) -> None:
        self.requests: list[NotificationRequest] = []
        self.counts: dict[int, int] = defaultdict(int)

    def add(self, *, step: Any, recipients: list[Any], kind: str, title: str, body: str = "",
            link: str = "", dedupe_key: str, urgent: bool = False, channels: tuple[str, ...] = ()) -> None:
        people = tuple(user for user in recipients if user is not None)
        if not people:
            return
        # urgent: also outside the app, by the recipient's channels on file (dispatch.services.channels)
        channels = channels or ((NotificationChannel.IN_APP, EXTERNAL) if urgent else (NotificationChannel.IN_APP,))
        request = NotificationRequest(
            recipients=people, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key,
            channels=channels, step_id=step.pk,
            priority=PRIORITY_URGENT if kind.startswith("summons.") else PRIORITY_BULK)
        self.requests.append(request)  # its rows are counted per step as they are stored


@dataclass
class SweepResult:
    fired: int = 0
    skipped: int = 0
    batches: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    # The longest any claimed step waited past its time (its `lag`), for the run's row.
    worst_lag: dt.timedelta | None = None


@dataclass
class Batch:
    """What one batch decides before writing: events, marks, messages, new steps, outcomes."""

    now: dt.datetime
    events: list[CaseEvent] = field(default_factory=list)
    outbox: Outbox = field(default_factory=Outbox)
    skipped: set[int] = field(default_factory=set)
    new_steps: list[DeadlineStep] = field(default_factory=list)


@dataclass(slots=True)
class AssignmentRow:
    """What an assignment step needs of its assignment, read with the step (no model instances: the
    batch's read builds one of these per step instead of seven ORM objects)."""

    pk: int
    status: str
    due_at: dt.datetime
    ack_due_at: dt.datetime
    center_id: int
    department_id: int
    case_id: int
    case_code: str
    case_title: str
    progress_every_working_days: int | None
    supervising_leader_id: int | None
    letter_after_overdue: Any
    handler_id: int | None
    department: Department = field(init=False)
    center: Center = field(init=False)
    supervising_leader: AbstractBaseUser | None = None
    handler: AbstractBaseUser | None = None


@dataclass(slots=True)
class AssignmentStep:
    """A claimed step of an assignment, as `fire_assignment` reads it."""

    pk: int
    kind: str
    level: int
    targets: list[str]
    due_at: dt.datetime
    assignment_id: int | None
    assignment: AssignmentRow | None
    subject_type: str = ""
    summons_department_id: None = None


STEP_COLUMNS = (
    "pk", "kind", "level", "targets", "due_at", "assignment_id", "summons_department_id", "subject_type",
    "assignment__status", "assignment__due_at", "assignment__ack_due_at", "assignment__center_id",
    "assignment__department_id", "assignment__case_id", "assignment__case__code", "assignment__case__title",
    "assignment__progress_every_working_days", "assignment__supervising_leader_id",
    "assignment__policy_snapshot__letter_after_overdue", "assignment__handler_id",
)


