"""The revisit's round so far: the attempts that reached nobody, and the 不参评 ruling of a matter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from dispatch.choices import ExclusionStatus
from dispatch.models import Revisit, RevisitAttempt, RevisitExclusion
from governance.models import Center
from intake.models import Case


@dataclass(frozen=True)
class AttemptsSoFar:
    """The failed attempts of the current round (since the matter's last revisit, if any): how many,
    and on how many different local days (two calls on one day count as one day)."""

    count: int
    days: int


def revisit_attempts_so_far(*, case: Case) -> AttemptsSoFar:
    return revisit_rounds(case_ids=[case.pk])[case.pk]


def revisit_rounds(*, case_ids: Iterable[int]) -> dict[int, AttemptsSoFar]:
    """The current round's failed attempts of each matter (two queries, whatever the number of matters)."""
    ids = list(case_ids)
    last = dict(Revisit.objects.filter(case_id__in=ids).order_by().values("case_id")
                .annotate(last=Max("revisited_at")).values_list("case_id", "last"))
    times: dict[int, list[dt.datetime]] = {pk: [] for pk in ids}
    for case_id, attempted_at in RevisitAttempt.objects.filter(case_id__in=ids).values_list("case_id", "attempted_at"):
        if case_id not in last or attempted_at > last[case_id]:
            times[case_id].append(attempted_at)
    return {pk: AttemptsSoFar(count=len(rows), days=len({timezone.localdate(at) for at in rows}))
            for pk, rows in times.items()}


def exclusion_in_force(*, case: Case) -> RevisitExclusion | None:
    """The matter's 不参评 ruling, confirmed or waiting for the commander (at most one)."""
    return (RevisitExclusion.objects.filter(case=case).exclude(status=ExclusionStatus.REFUSED)
            .select_related("duplicate_of", "proposed_by", "decided_by").first())


def exclusions_pending(*, center: Center, limit: int = 50) -> list[RevisitExclusion]:
    """The 不参评 requests (诉求不合理) of the matters held at `center` waiting for a commander, oldest first."""
    return list(RevisitExclusion.objects.filter(case__center=center, status=ExclusionStatus.PENDING)
                .select_related("case", "proposed_by").order_by("proposed_at", "pk")[:limit])
