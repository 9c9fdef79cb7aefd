"""Celery tasks of the command app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from command.selectors.work import command_matters
from command.services.analysis import analysis_generate_monthly
from command.services.cadence import cadences_plan
from command.services.daily import daily_report_generate
from command.services.letters import letters_from_overdue_records
from command.services.radar import radar_run
from governance.choices import CenterLevel
from governance.jobs import job_lease
from governance.models import Center
from governance.replica import reads_from_replica
from intake.models import Case


@shared_task(name="command.tasks.radar_run", ignore_result=True, expires=3000)
@reads_from_replica
def radar_run_task(center_id: int | None = None, requested_by_id: int | None = None) -> int:
    """Beat (hourly) for every district center and town sub-center, or on demand (立即研判) for one of
    them, each over its own territory (a town's radar reads its town's matters, `command_matters`): run
    the radar, then turn the sweep's overdue-count records into numbered 工作提示函. Idempotent. A village
    station runs no radar: its matters are in its town's."""
    centers = Center.objects.filter(active=True, level__in=[CenterLevel.DISTRICT, CenterLevel.TOWN]).order_by(
        "level", "pk")
    if center_id is not None:
        centers = centers.filter(pk=center_id)
    user = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    raised = 0
    now = timezone.now()
    for center in centers:
        # One run per center at a time (the hourly beat and a 立即研判 together); a dead run's lease expires.
        with job_lease(f"radar-run:{center.pk}", now=now) as lease:
            if lease is None:
                continue
            raised += len(radar_run(center=center, now=now, requested_by=user).raised)
            lease.beat()
            letters_from_overdue_records(center=center, now=now)
    return raised


@shared_task(name="command.tasks.daily_report_generate", ignore_result=True, expires=3000)
def daily_report_generate_task() -> int:
    """Beat, each morning: the day's report of key disputes for every district center, and for every
    town sub-center that has matters of its own (its town's, `command_matters`), each over its own
    territory (working days). A village station has none: its matters are in its town's report."""
    now = timezone.now()
    made = 0
    centers = Center.objects.filter(level__in=[CenterLevel.DISTRICT, CenterLevel.TOWN], active=True).order_by(
        "level", "pk")
    for center in centers:
        if center.level == CenterLevel.TOWN and not Case.objects.filter(command_matters(center=center)).exists():
            continue
        made += daily_report_generate(center=center, day=timezone.localdate(now), now=now) is not None
    return made


@shared_task(name="command.tasks.cadences_plan", ignore_result=True, expires=3000)
def cadences_plan_task() -> int:
    """Beat, hourly: the next occurrence of every standing meeting (idempotent)."""
    with job_lease("cadences-plan") as lease:
        return cadences_plan() if lease else 0


@shared_task(name="command.tasks.analysis_monthly", ignore_result=True, expires=3000)
def analysis_monthly_task() -> int:
    """Beat, on the 1st: the draft 研判专报 of the month before for every district center and town
    sub-center (idempotent: one monthly report per center and month)."""
    now = timezone.now()
    made = 0
    for center in Center.objects.filter(level__in=[CenterLevel.DISTRICT, CenterLevel.TOWN], active=True):
        made += analysis_generate_monthly(center=center, now=now) is not None
    return made
