"""Celery tasks of the review app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from governance.jobs import job_lease
from governance.replica import reads_from_replica
from review.services.report import report_export_run
from review.services.summary import summaries_refresh as summaries_refresh_run


@shared_task(name="review.tasks.report_export", ignore_result=True)
@reads_from_replica
def report_export(report_id: int, token: str) -> bool:
    return report_export_run(report_id=report_id, token=token)


@shared_task(name="review.tasks.summaries_refresh", ignore_result=True, expires=540)
@reads_from_replica
def summaries_refresh() -> int:
    """Beat, every 10 minutes: the assessment snapshots and the dashboard's monthly counts."""
    with job_lease("summaries-refresh") as lease:
        return summaries_refresh_run() if lease else 0
