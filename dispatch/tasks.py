"""Celery tasks of the dispatch app: thin wrappers that take ids and call services.

Queues (routing in settings): `sweep` for the deadline sweep, `deliveries` for e-mail/SMS batches,
`urgent` for summons messages (published there explicitly, one row per task), the default queue for
the rest, so that a slow SMS gateway never delays a deadline and a backlog never delays a call-up.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from dispatch import services
from dispatch.choices import NOTIFICATION_MAX_ATTEMPTS
from dispatch.services.delivery import notification_deliver_batch as deliver_batch
from dispatch.services.delivery import notification_publish_batches as publish_batches
from dispatch.services.delivery import notification_publish_held as publish_held
from dispatch.services.delivery import notification_publish_retries as publish_retries
from dispatch.services.engine import deadline_sweep
from dispatch.services.engine_audit import deadline_audit

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 30 * 60
# A pending row this old is published again by beat (its task was lost, or the broker was down).
REQUEUE_AFTER_SECONDS = 120
# An urgent row (summons) unpublished this long (a worker killed between the commit and the publish,
# the broker down) is published again by `notifications-requeue-urgent`, every 10 s: taken over
# within 30 s, like a row left "sending" past its lease.
URGENT_REQUEUE_AFTER_SECONDS = 15


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
    """One row (kept for messages queued before batches existed)."""
    now = timezone.now()
    outcome = services.notification_deliver(notification_id=notification_id, now=now)
    if outcome == services.DeliveryOutcome.RETRY:
        raise self.retry(countdown=retry_countdown(self.request.retries))
    if outcome == services.DeliveryOutcome.HELD:
        publish_held(notification_ids=[notification_id], now=now)
    return str(outcome)


# acks_late: a worker killed in the middle of a batch leaves its message unacknowledged, so the broker
# hands it to another worker; the rows it had claimed are taken again after the sending lease, and the
# rows already sent are not sent twice (the claim only takes pending/failed rows).
@shared_task(name="dispatch.tasks.notification_deliver_batch", ignore_result=True, acks_late=True,
             reject_on_worker_lost=True)
def notification_deliver_batch(notification_ids: list[int]) -> int:
    """One attempt for each row of the batch; rows that failed are queued again after a backoff."""
    outcome = deliver_batch(notification_ids=notification_ids)
    if outcome["retry"]:
        publish_retries(notification_ids=outcome["retry"], countdown=retry_countdown)
    if outcome["held"]:  # a gateway's limit for the recipient: queued for when its window has room
        publish_held(notification_ids=outcome["held"], now=timezone.now())
    return len(outcome["sent"])


# acks_late: a worker killed while publishing leaves the message to another worker; publishing a
# delivery batch twice sends nothing twice (a row is claimed by one delivery only).
@shared_task(name="dispatch.tasks.notification_publish_rows", ignore_result=True, acks_late=True,
             reject_on_worker_lost=True)
def notification_publish_rows(rows: list[list[int]]) -> int:
    """A sweep batch's (or beat's requeue's) e-mail/SMS rows: publish their delivery batches."""
    return publish_batches(rows=[(pk, priority) for pk, priority in rows])


@shared_task(name="dispatch.tasks.notifications_requeue", ignore_result=True, expires=55)
def notifications_requeue() -> int:
    """Beat, every minute: the safety net behind the broker (lost messages, restarts, an outage)."""
    return len(services.notification_requeue_stale(
        now=timezone.now(), older_than=dt.timedelta(seconds=REQUEUE_AFTER_SECONDS)))


@shared_task(name="dispatch.tasks.notifications_requeue_urgent", ignore_result=True, expires=9)
def notifications_requeue_urgent() -> int:
    """Beat, every 10 s: summons messages left unpublished, stuck in "sending" past their lease, or whose
    retry was lost, published again on the urgent queue."""
    return len(services.notification_requeue_stale(
        now=timezone.now(), older_than=dt.timedelta(seconds=URGENT_REQUEUE_AFTER_SECONDS), urgent_only=True))


# No acks_late for the sweep: it is idempotent and beat sends the next one within seconds, while a
# redelivered sweep (Redis redelivers only after the visibility timeout) would be long stale.
@shared_task(name="dispatch.tasks.deadline_sweep", ignore_result=True, expires=14)
def deadline_sweep_task() -> int:
    """Beat, every 15 s: fire every step due by now (and any missed while workers were down)."""
    return deadline_sweep(now=timezone.now()).fired


@shared_task(name="dispatch.tasks.deadline_audit", ignore_result=True, expires=55)
def deadline_audit_task() -> bool:
    """Beat, every minute: alarm when due steps have not fired or fired steps lack their messages;
    close dead sweep runs as failed."""
    return deadline_audit(now=timezone.now()) is None
