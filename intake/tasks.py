"""Celery tasks of the intake app: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from intake.services.timeline import timeline_check_run


@shared_task(name="intake.tasks.timeline_verify", ignore_result=True, expires=3000)
def timeline_verify_task() -> int:
    """Nightly: verify every matter's hash chain; returns the number of broken matters."""
    return timeline_check_run(now=timezone.now()).broken
