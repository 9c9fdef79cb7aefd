"""Background refresh of the summaries the pages read (assessment of the current and previous month,
monthly intake counts): a beat task every few minutes, idempotent (each run replaces the rows)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from governance.choices import CenterLevel
from governance.models import Center
from intake.choices import CaseStatus
from intake.models import Case
from review.models import AssessmentSnapshot, IntakeMonth
from review.selectors.assessment import assessment_compute
from review.selectors.assessment_figures import Month
from review.selectors.assessment_history import assessment_default_month

TREND_MONTHS = 12


def assessment_refresh(*, center: Center, month: Month, now: dt.datetime | None = None) -> AssessmentSnapshot:
    now = now or timezone.now()
    figures = assessment_compute(center=center, month=month, now=now)
    snapshot, _created = AssessmentSnapshot.objects.update_or_create(
        center=center, year=month.year, month=month.month, defaults={"figures": figures, "computed_at": now})
    return snapshot


def intake_months_refresh(*, district: Center, now: dt.datetime | None = None) -> int:
    """Count the last 12 months' matters per month, for the district and per town, in one query."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = Month(today.year, today.month)
    for _i in range(TREND_MONTHS - 1):
        first = first.previous
    start, _end = first.bounds()
    rows = (Case.objects.filter(district=district, registered_at__gte=start).order_by()
            .annotate(m=TruncMonth("registered_at")).values("m", "town_id")
            .annotate(n=Count("pk"), closed=Count("pk", filter=Q(status=CaseStatus.CLOSED))))
    totals: dict[tuple[int | None, dt.date], list[int]] = {}
    for row in rows:
        stamp = row["m"]
        month = timezone.localtime(stamp).date() if isinstance(stamp, dt.datetime) else stamp
        for town in (None, row["town_id"]) if row["town_id"] else (None,):
            counts = totals.setdefault((town, month.replace(day=1)), [0, 0])
            counts[0] += row["n"]
            counts[1] += row["closed"]
    objects = [IntakeMonth(district=district, town_id=town, month=month, registered=n, closed=closed,
                           refreshed_at=now) for (town, month), (n, closed) in totals.items()]
    with transaction.atomic():
        IntakeMonth.objects.filter(district=district).delete()
        IntakeMonth.objects.bulk_create(objects, batch_size=1000)
    return len(objects)


def summaries_ensure(*, district: Center, now: dt.datetime | None = None) -> None:
    """What the dashboard reads from the summaries, counted now when the background refresh has not
    stored it yet (a new installation, a new month, a restored database): never an empty ranking or
    a 12-month trend of zeros because the beat has not run. Stored, so it is counted once. The month
    is the one the ranking shows (`assessment_default_month`: in a month's first hours, the last)."""
    now = now or timezone.now()
    month = assessment_default_month(center=district, now=now)
    if not IntakeMonth.objects.filter(district=district).exists():
        intake_months_refresh(district=district, now=now)
    if not AssessmentSnapshot.objects.filter(center=district, year=month.year, month=month.month).exists():
        assessment_refresh(center=district, month=month, now=now)


def summaries_refresh(*, now: dt.datetime | None = None) -> int:
    """Every district: its intake months; every district and town center: the assessment of this month
    and the last (a town's month report shows its ranking: computed on each view, it took the report
    of a town 300 ms at 2M matters)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    current = Month(today.year, today.month)
    centers = list(Center.objects.filter(level__in=[CenterLevel.DISTRICT, CenterLevel.TOWN], active=True)
                   .order_by("level", "pk"))
    districts = [center for center in centers if center.level == CenterLevel.DISTRICT]
    for district in districts:
        intake_months_refresh(district=district, now=now)
    for center in centers:
        for month in (current.previous, current):
            assessment_refresh(center=center, month=month, now=now)
    return len(districts)
