from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from governance.health import WORKER, heartbeat_record


@shared_task(name="governance.tasks.heartbeat", ignore_result=True, expires=120)
def heartbeat() -> None:
    """Beat sends this every minute (and records its own heartbeat as it publishes); the worker
    records that it ran. A stale message (worker down for a while) expires instead of lying."""
    heartbeat_record(component=WORKER, at=timezone.now())
