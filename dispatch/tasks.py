"""Celery tasks of the dispatch app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from dispatch import services
from dispatch.choices import NOTIFICATION_MAX_ATTEMPTS
from dispatch.services.engine import deadline_audit, deadline_sweep

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 30 * 60


def retry_countdown(retries: int) -> int:
    """Exponential backoff: 30 s, 60 s, 120 s, ... at most 30 minutes."""
    return min(RETRY_BASE_SECONDS * 2**retries, RETRY_MAX_SECONDS)


@shared_task(
    bind=True,
    name="dispatch.tasks.notification_deliver",
    ignore_result=True,
    max_retries=NOTIFICATION_MAX_ATTEMPTS,
)
def notification_deliver(self, notification_id: int) -> str:
    outcome = services.notification_deliver(notification_id=notification_id, now=timezone.now())
    if outcome == services.DeliveryOutcome.RETRY:
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return str(outcome)


@shared_task(name="dispatch.tasks.notifications_requeue", ignore_result=True, expires=240)
def notifications_requeue() -> int:
    """Beat: the safety net behind the broker's retries (lost messages, restarts, expired retries)."""
    return len(services.notification_requeue_stale(now=timezone.now()))


@shared_task(name="dispatch.tasks.deadline_sweep", ignore_result=True, expires=55)
def deadline_sweep_task() -> int:
    """Beat, every minute: fire every step due by now (and any missed while workers were down)."""
    return deadline_sweep(now=timezone.now()).fired


@shared_task(name="dispatch.tasks.deadline_audit", ignore_result=True, expires=240)
def deadline_audit_task() -> bool:
    """Beat, every five minutes: raise an alarm when due steps have not fired."""
    return deadline_audit(now=timezone.now()) is None
