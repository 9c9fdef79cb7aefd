"""Reads of 督办: who may be named a matter's supervising leader, and what a leader supervises."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet

from dispatch.choices import OPEN_ASSIGNMENT_STATUSES, AssignmentStatus
from dispatch.models import Assignment
from governance.models import Center
from governance.roles import MAY_LEAD_SUPERVISION


def _center_chain_ids(center: Center) -> list[int]:
    """The center and the centers above it: a town's matter may be supervised by the district's leaders."""
    ids: list[int] = []
    current: Center | None = center
    while current is not None and len(ids) < 5:
        ids.append(current.pk)
        current = current.parent
    return ids


def supervising_leaders(*, center: Center) -> QuerySet:
    """The people who may supervise a matter held at `center` (督办领导): the commanders, deputy
    commanders and leaders of the center or of a center above it, and the leaders in charge (分管领导)
    of the center's active departments."""
    return (
        get_user_model().objects.filter(is_active=True)
        .filter(Q(groups__name__in=sorted(MAY_LEAD_SUPERVISION), profile__center_id__in=_center_chain_ids(center))
                | Q(departments_led__center=center, departments_led__active=True))
        .distinct().order_by("last_name", "first_name", "username")
    )


def is_supervising_leader(*, center: Center, user: AbstractBaseUser | None) -> bool:
    return user is not None and supervising_leaders(center=center).filter(pk=user.pk).exists()


def assignments_supervised_by(*, user: AbstractBaseUser, open_only: bool = False) -> QuerySet[Assignment]:
    """我督办的事项: the assignments naming `user` as their supervising leader, the due first."""
    rows = Assignment.objects.filter(supervising_leader=user)
    if open_only:
        rows = rows.filter(status__in=OPEN_ASSIGNMENT_STATUSES | {AssignmentStatus.REPORTED})
    return rows.select_related("case", "department", "center").order_by(F("closed_at").asc(nulls_first=True), "due_at", "pk")
