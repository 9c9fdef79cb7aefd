"""A department person's home page: what waits for the department, counted in one read (the liaison's
home listed his menu but not the work behind 部门待办)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q
from django.utils import timezone

from dispatch.choices import BOARD_LIVE_STATUSES, OPEN_ASSIGNMENT_STATUSES, AssignmentStatus
from dispatch.models import Assignment
from governance.roles import user_department_ids


def department_work_counts(*, user: AbstractBaseUser, now: dt.datetime) -> dict[str, int]:
    """The live assignments of the user's departments (`assignment_department_live`): all of them, to
    acknowledge (and of those, past the acknowledgement deadline), past the handling deadline, and due
    by the end of tomorrow. Counted live, not once a minute: the liaison who just acknowledged one
    expects the number to drop. No department: every count 0, without a query (Django's empty `IN`)."""
    tomorrow_ends = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
    working = Q(status__in=OPEN_ASSIGNMENT_STATUSES)
    return Assignment.objects.filter(department_id__in=user_department_ids(user), status__in=BOARD_LIVE_STATUSES).aggregate(
        live=Count("pk"),
        to_acknowledge=Count("pk", filter=Q(status=AssignmentStatus.ASSIGNED)),
        acknowledge_late=Count("pk", filter=Q(status=AssignmentStatus.ASSIGNED, ack_due_at__lt=now)),
        overdue=Count("pk", filter=working & Q(due_at__lt=now)),
        due_soon=Count("pk", filter=working & Q(due_at__gte=now, due_at__lt=tomorrow_ends)),
    )


def department_work_panel(user: AbstractBaseUser) -> dict[str, Any] | None:
    """The home page's panel (None when nothing is live)."""
    counts = department_work_counts(user=user, now=timezone.now())
    return counts if counts["live"] else None
