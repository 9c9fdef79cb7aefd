"""Celery tasks of the deadline engine: thin, take no state, safe to run twice or on two workers."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from dispatch.services_work.engine import deadline_audit, deadline_sweep


@shared_task(name="dispatch.tasks.deadline_sweep", ignore_result=True, expires=55)
def deadline_sweep_task() -> int:
    """Beat, every minute: fire every step due by now (and any missed while workers were down)."""
    return deadline_sweep(now=timezone.now()).fired


@shared_task(name="dispatch.tasks.deadline_audit", ignore_result=True, expires=240)
def deadline_audit_task() -> bool:
    """Beat, every five minutes: raise an alarm when due steps have not fired."""
    return deadline_audit(now=timezone.now()) is None
