"""Celery tasks of the grid app: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from grid.services.open_counts import open_counts_refresh as open_counts_refresh_run


@shared_task(name="grid.tasks.open_counts_refresh", ignore_result=True, expires=55)
def open_counts_refresh() -> int:
    """Beat, every minute: each district's open and overdue matters per grid (the tree, the grid pages)."""
    return open_counts_refresh_run(now=timezone.now())
