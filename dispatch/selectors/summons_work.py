"""A summons as the pages show it: the departments to choose from, each summoned department's row with its call-up messages and their receipts, and the summonses a department still has to report in to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from dispatch.choices import (
    NotificationChannel,
    SummonsStatus,
)
from dispatch.models import (
    Notification,
    Summons,
    SummonsDepartment,
)
from governance.choices import Residency
from governance.models import Department
from governance.roles import (
    user_department_ids,
)


@dataclass
class DepartmentGroup:
    residency: str
    label: str
    departments: list[Department]
    preselected: set[int] = field(default_factory=set)


def summons_department_groups(*, departments: list[Department], preselected: set[int] | None = None
                              ) -> list[DepartmentGroup]:
    """The summons checklist: departments grouped by residency (常驻, 轮驻, 随驻), in that order."""
    groups = [DepartmentGroup(residency=value, label=str(label), departments=[], preselected=preselected or set())
              for value, label in Residency.choices]
    by_residency = {group.residency: group for group in groups}
    for dept in departments:
        by_residency.get(dept.residency, groups[-1]).departments.append(dept)
    return [group for group in groups if group.departments]


def summons_rows(*, summons: Summons, now: dt.datetime) -> list[SummonsDepartment]:
    """A summons' departments, each with what its own countdown shows: seconds left to report in
    (None once reported in, or before approval) and whether it is late."""
    rows = list(summons.departments.select_related("department", "reported_in_person"))
    mark_rows(summons, rows, now)
    summons_call_deliveries(rows=rows)
    return rows


def summons_call_deliveries(*, rows: Sequence[SummonsDepartment]) -> None:
    """Give each summoned department (`row.deliveries`) its call-up's messages outside the app (SMS,
    WeCom, DingTalk) with their state, delivery receipt and whether the person has seen it, and the voice
    calls of its escalation (answered, key pressed): the countdown shows whether the call-up reached the
    phone and who knows. One read by the messages' exact keys (the outbox's unique index), for any
    number of summonses."""
    called = {row.call_up_key: row for row in rows}
    escalated = {row.escalation_key: row for row in rows}
    for row in rows:
        row.deliveries = []
    if not rows:
        return
    messages = (Notification.objects.filter(Q(dedupe_key__in=list(called))
                                            | Q(dedupe_key__in=list(escalated), channel=NotificationChannel.VOICE))
                .exclude(channel=NotificationChannel.IN_APP).select_related("recipient")
                .order_by("recipient_id", "channel", "pk"))
    for message in messages:
        row = called.get(message.dedupe_key) or escalated[message.dedupe_key]
        row.deliveries.append(message)


def summonses_awaiting_report_in(*, user: AbstractBaseUser, now: dt.datetime | None = None) -> list[SummonsDepartment]:
    """The approved summons the user's departments have not reported in to yet (the liaison's home
    and 部门待办 show them until the department reports in), soonest deadline first, each with its
    countdown (`remaining_seconds`, `is_late`)."""
    now = now or timezone.now()
    departments = user_department_ids(user)
    if not departments:
        return []
    rows = list(SummonsDepartment.objects
                .filter(summons__status=SummonsStatus.APPROVED, reported_in_at__isnull=True,
                        department_id__in=departments)
                .select_related("summons", "department").order_by("summons__report_in_due_at", "pk"))
    for row in rows:
        mark_rows(row.summons, [row], now)
    return rows


def summons_awaiting_panel(user: AbstractBaseUser) -> dict[str, Any] | None:
    """The home page's panel of summons waiting for the user's department (None when there is none)."""
    rows = summonses_awaiting_report_in(user=user)
    return {"rows": rows} if rows else None


def mark_rows(summons: Summons, rows: list[SummonsDepartment], now: dt.datetime) -> None:
    due = summons.report_in_due_at
    open_ = summons.status == SummonsStatus.APPROVED
    for row in rows:
        waiting = bool(due and open_ and row.reported_in_at is None)
        row.is_late = bool(due and row.reported_in_at is None and due < now)
        row.remaining_seconds = int((due - now).total_seconds()) if waiting else None
