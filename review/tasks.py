"""Celery tasks of the review app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from review.services.report import report_export_run


@shared_task(name="review.tasks.report_export", ignore_result=True)
def report_export(report_id: int, token: str) -> bool:
    return report_export_run(report_id=report_id, token=token)


@shared_task(name="review.tasks.summaries_refresh", ignore_result=True, expires=540)
def summaries_refresh() -> int:
    """Beat, every 10 minutes: the assessment snapshots and the dashboard's monthly counts."""
    from review.services.summary import summaries_refresh as refresh

    return refresh()
