"""Celery tasks of the review app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from review.services.report import report_export_run


@shared_task(name="review.tasks.report_export", ignore_result=True)
def report_export(report_id: int, token: str) -> bool:
    return report_export_run(report_id=report_id, token=token)
