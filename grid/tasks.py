"""Celery tasks of the grid app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from grid.services.keypersons import keyperson_follow_ups_remind


@shared_task(name="grid.tasks.keyperson_follow_ups_remind", ignore_result=True)
def keyperson_follow_ups_remind_task() -> int:
    return keyperson_follow_ups_remind(now=timezone.now())
