"""Delivering the outbox: publishing its e-mail/SMS/app/voice rows to the broker in batches (a broker
priority each; urgent rows on their own queue, one per task), claiming and sending them through the
gateways, retrying, falling back to another channel, holding a row a gateway's limit refuses, and
the beat's safety net that publishes again what a crash or an outage left behind. The rows are made
by `dispatch.services.notifications` (the outbox)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import RedisError

from dispatch.choices import NOTIFICATION_MAX_ATTEMPTS, DeliveryStatus, NotificationChannel
from dispatch.gateways.errors import GatewayError
from dispatch.models import Notification
from dispatch.services.channel_send import (
    PermanentDeliveryError,
    send_one,
)
from dispatch.services.channels import (
    contacts_for,
)
from dispatch.services.gateway_limits import RecipientLimits
from governance.enqueue import enqueue

logger = logging.getLogger(__name__)

# A row left "sending" this long (worker killed mid-send) may be claimed again: longer than one gateway
# call (SMS_TIMEOUT_SECONDS, 10 s), shorter than any deadline's margin. A batch renews the lease of the
# row it is about to send (and checks the row is still its own), so a slow batch's rows are not taken.
SENDING_LEASE = dt.timedelta(seconds=30)
# Rows per delivery task: small enough that a summons call-up never waits behind more than one batch
# per delivery thread (10 x a 300 ms gateway = 3 s), large enough to keep the broker traffic low.
DELIVERY_BATCH = 10
# Broker priorities (Redis: 0 is fetched first). Summons deadlines are minutes; a person's action
# comes next; the sweep's assignment reminders and escalations (days-scale deadlines) last.
PRIORITY_URGENT = 0
PRIORITY_NORMAL = 3
PRIORITY_BULK = 6
URGENT_RETRY_MAX_SECONDS = 60
# Urgent rows (summons call-up and escalation) go on a queue of their own with its own worker, one row
# per task so that the worker's threads send them side by side: no backlog of ordinary messages, however
# long, is in front of them (the `deliveries` queue's priorities only reorder what waits, a thread busy
# with a batch of 10 at a slow gateway still finishes it first).
URGENT_QUEUE = "urgent"
URGENT_BATCH = 1

# How many publishes failed in this request/task (the broker was down): the answer says so.
_deferred: ContextVar[int] = ContextVar("notifications_deferred", default=0)


def notifications_deferred(*, reset: bool = False) -> int:
    """How many delivery publishes failed since the last reset (the messages wait in the outbox)."""
    count = _deferred.get()
    if reset:
        _deferred.set(0)
    return count


class DeliveryOutcome(models.TextChoices):
    SENT = "sent"
    RETRY = "retry"
    ABANDONED = "abandoned"
    # a gateway's limit for the recipient is reached: the row waits until the window has room
    HELD = "held"
    SKIPPED = "skipped"


def notification_publish(rows: Sequence[tuple[int, int]], *, countdown: int | None = None) -> int:
    """Queue delivery of (id, priority) rows, one task per `DELIVERY_BATCH` of the same priority.
    More than `FAN_OUT_AFTER` rows of a priority below the urgent one (a sweep's batch, beat's
    requeue) go out as one task that publishes their delivery batches from a delivery worker: the
    sweep pays one broker round trip per batch of messages instead of one per 10 rows. Urgent rows
    (summons) are always published at once. Never raises for a broker outage: the rows stay pending
    in the outbox, `notifications_requeue` publishes them again, and the count of deferred publishes
    is kept for the answer. Returns how many tasks were published."""
    by_priority: dict[int, list[int]] = {}
    for notification_id, priority in rows:
        by_priority.setdefault(priority, []).append(notification_id)
    published = 0
    for priority in sorted(by_priority):
        ids = by_priority[priority]
        if priority != PRIORITY_URGENT and countdown is None and len(ids) > FAN_OUT_AFTER:
            try:
                enqueue("dispatch.tasks.notification_publish_rows", [[pk, priority] for pk in ids], priority=priority)
            except (BrokerOperationalError, RedisError, OSError) as exc:
                _deferred.set(_deferred.get() + 1)
                logger.warning("broker unavailable, %s notification(s) wait in the outbox: %s", len(ids), exc)
                return published
            published += 1
            continue
        sent = _publish_batches(ids, priority=priority, countdown=countdown)
        published += sent
        if sent < -(-len(ids) // (URGENT_BATCH if priority == PRIORITY_URGENT else DELIVERY_BATCH)):
            return published
    return published


# Above this many rows of one priority, `notification_publish` hands the publishing to a delivery
# worker in one task (more than 5 delivery tasks).
FAN_OUT_AFTER = 5 * DELIVERY_BATCH


def notification_publish_batches(*, rows: Sequence[tuple[int, int]]) -> int:
    """The delivery worker's part of a fan-out: one delivery task per `DELIVERY_BATCH` rows."""
    by_priority: dict[int, list[int]] = {}
    for notification_id, priority in rows:
        by_priority.setdefault(priority, []).append(notification_id)
    return sum(_publish_batches(ids, priority=priority, countdown=None) for priority, ids in sorted(by_priority.items()))


def _publish_batches(ids: Sequence[int], *, priority: int, countdown: int | None) -> int:
    """One delivery task per `DELIVERY_BATCH` of `ids` (urgent ones: one per row, on `URGENT_QUEUE`);
    stops at the first broker error (the rest wait in the outbox). Returns how many were published."""
    published = 0
    urgent = priority == PRIORITY_URGENT
    size = URGENT_BATCH if urgent else DELIVERY_BATCH
    options: dict[str, Any] = {"queue": URGENT_QUEUE} if urgent else {}
    for start in range(0, len(ids), size):
        chunk = list(ids[start:start + size])
        try:
            enqueue("dispatch.tasks.notification_deliver_batch", chunk, priority=priority, countdown=countdown,
                    **options)
        except (BrokerOperationalError, RedisError, OSError) as exc:
            _deferred.set(_deferred.get() + 1)
            logger.warning("broker unavailable, %s notification(s) wait in the outbox: %s", len(ids) - start, exc)
            return published
        published += 1
    return published


def urgent_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.URGENT_RETRY_MINUTES)


def attempts_left(now: dt.datetime) -> Q:
    """Rows that may be tried again: fewer than NOTIFICATION_MAX_ATTEMPTS attempts, or urgent (a
    summons call-up: its report-in deadline runs) and younger than URGENT_RETRY_MINUTES: an urgent
    message is never abandoned while its deadline runs, it keeps retrying."""
    return Q(attempts__lt=NOTIFICATION_MAX_ATTEMPTS) | Q(priority=PRIORITY_URGENT,
                                                          created_at__gte=now - urgent_window())


def _gives_up(notification: Notification, now: dt.datetime) -> bool:
    if notification.priority == PRIORITY_URGENT and notification.created_at >= now - urgent_window():
        return False
    return notification.attempts >= NOTIFICATION_MAX_ATTEMPTS


def _claimable(now: dt.datetime) -> models.QuerySet[Notification]:
    """Rows outside the app a delivery may take now: waiting (not held past `now` by quiet hours) or
    left "sending" past their lease, with attempts left."""
    waiting = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) & (
        Q(not_before__isnull=True) | Q(not_before__lte=now))
    return (Notification.objects.filter(waiting | Q(status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LEASE),
                                        attempts_left(now))
            .exclude(channel=NotificationChannel.IN_APP))


_PERSONAL_CHANNELS = frozenset({NotificationChannel.SMS, NotificationChannel.WECOM, NotificationChannel.DINGTALK})


def notification_fall_back(*, notification: Notification, now: dt.datetime) -> Notification | None:
    """A message to a person that was abandoned on one channel goes by their next channel on file
    not yet tried for it (an ordinary message went by the preferred channel only; an urgent one by
    all, so it falls back only to a channel filed since). Stored under the same dedupe key, so it is
    written and sent once however often this runs."""
    if notification.channel not in _PERSONAL_CHANNELS:
        return None
    contact = contacts_for([notification.recipient_id]).get(notification.recipient_id)
    used = set(Notification.objects.filter(dedupe_key=notification.dedupe_key, recipient_id=notification.recipient_id)
               .values_list("channel", flat=True))
    following = next((channel for channel in (contact.personal if contact else ()) if channel not in used), None)
    if following is None:
        return None
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                recipient_id=notification.recipient_id, kind=notification.kind, title=notification.title,
                body=notification.body, link=notification.link, payload=notification.payload,
                content_type_id=notification.content_type_id, object_id=notification.object_id,
                channel=following, dedupe_key=notification.dedupe_key, status=DeliveryStatus.PENDING,
                priority=notification.priority, created_at=now)
    except IntegrityError:
        return None  # another delivery fell back first
    logger.info("notification %s abandoned on %s: falls back to %s (%s)", notification.pk, notification.channel,
                following, row.pk)
    transaction.on_commit(lambda: notification_publish([(row.pk, row.priority)]))
    return row


def _failure_text(exc: Exception) -> str:
    """The reason kept on the row: the gateway's code and words, or the exception."""
    if isinstance(exc, GatewayError):
        return f"网关暂时未接受：{exc}"[:2000]
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def notification_deliver(*, notification_id: int, now: dt.datetime | None = None) -> DeliveryOutcome:
    """One delivery attempt of one row outside the app (a batch of one); safe to call twice or concurrently."""
    outcome = notification_deliver_batch(notification_ids=[notification_id], now=now)
    return next((DeliveryOutcome(name) for name, ids in outcome.items() if ids), DeliveryOutcome.SKIPPED)


def _claim_batch(*, notification_ids: Sequence[int], now: dt.datetime) -> str:
    """Take the claimable rows among `notification_ids` in one UPDATE tagged with a token."""
    token = uuid.uuid4().hex
    _claimable(now).filter(pk__in=list(notification_ids)).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now, claim=token)
    return token


def notification_deliver_batch(
    *, notification_ids: Sequence[int], now: dt.datetime | None = None
) -> dict[str, list[int]]:
    """One delivery attempt for each of a batch of e-mail/SMS rows: one claiming UPDATE, one read,
    then per row the gateway call and its mark. Safe to call twice or concurrently (a row is claimed by
    one batch only). Returns the ids by outcome; `retry` rows wait for another attempt."""
    started = now or timezone.now()
    token = _claim_batch(notification_ids=notification_ids, now=started)
    rows = list(Notification.objects.filter(claim=token, status=DeliveryStatus.SENDING)
                .select_related("recipient__profile").order_by("pk"))
    outcome: dict[str, list[int]] = {"sent": [], "retry": [], "abandoned": [], "held": []}
    limits = RecipientLimits.read(rows, now=started)
    seen = _seen_elsewhere(rows)
    for notification in rows:
        mine = Notification.objects.filter(pk=notification.pk, claim=token, status=DeliveryStatus.SENDING)
        seen_at = seen.get((notification.dedupe_key, notification.recipient_id))
        if seen_at is not None:
            # a call (or its retry) to someone who has seen the escalation meanwhile is not placed
            if mine.update(status=DeliveryStatus.ABANDONED, read_at=seen_at, last_error=SEEN_ELSEWHERE):
                outcome["abandoned"].append(notification.pk)
            continue
        until = limits.hold_until(notification, now=now or timezone.now(),
                                  urgent=notification.priority == PRIORITY_URGENT)
        if until is not None:
            # not an attempt: the row waits, untried, until the gateway's window for its recipient has room
            if mine.update(status=DeliveryStatus.PENDING, attempts=F("attempts") - 1, not_before=until,
                           last_error=f"按网关频率限制暂缓至 {timezone.localtime(until):%m-%d %H:%M:%S}"):
                outcome["held"].append(notification.pk)
            continue
        # Renew the row's lease just before the gateway call, and skip it when it is no longer ours
        # (a batch slowed past SENDING_LEASE: another delivery took the row over and sends it).
        if len(rows) > 1 and not mine.update(last_attempt_at=now or timezone.now()):
            continue
        try:
            accepted = send_one(notification)
        except PermanentDeliveryError as exc:
            if mine.update(status=DeliveryStatus.ABANDONED, last_error=str(exc)):
                notification_fall_back(notification=notification, now=started)
            outcome["abandoned"].append(notification.pk)
        except Exception as exc:  # any gateway or SMTP failure is worth another attempt
            logger.warning("notification %s attempt %s failed: %s", notification.pk, notification.attempts, exc)
            give_up = _gives_up(notification, started)
            if mine.update(status=DeliveryStatus.ABANDONED if give_up else DeliveryStatus.FAILED,
                           last_error=_failure_text(exc)) and give_up:
                notification_fall_back(notification=notification, now=started)
            outcome["abandoned" if give_up else "retry"].append(notification.pk)
        else:
            # Marked at once, not at the end of the batch: a worker killed in the middle of a batch
            # must not leave rows the gateway already took looking unsent (they would go out twice).
            sent_at = now or timezone.now()
            mine.update(status=DeliveryStatus.SENT, sent_at=sent_at, last_error="",
                        gateway=accepted.gateway, gateway_message_id=accepted.message_id[:64])
            limits.count(notification, at=sent_at)
            outcome["sent"].append(notification.pk)
    return outcome


SEEN_ELSEWHERE = "接收人已查看该督办，不再呼叫"


def _seen_elsewhere(rows: Sequence[Notification]) -> dict[tuple[str, int], dt.datetime]:
    """(dedupe key, person) → when the person first saw the message on another channel, for the batch's
    voice calls (a call exists to reach someone who has not seen it): one read, only with such rows."""
    calls = [row for row in rows if row.channel == NotificationChannel.VOICE]
    if not calls:
        return {}
    read = (Notification.objects.filter(dedupe_key__in={row.dedupe_key for row in calls},
                                        recipient_id__in={row.recipient_id for row in calls}, read_at__isnull=False)
            .exclude(channel=NotificationChannel.VOICE).values("dedupe_key", "recipient_id")
            .annotate(first=models.Min("read_at")))
    return {(row["dedupe_key"], row["recipient_id"]): row["first"] for row in read}


def notification_publish_held(*, notification_ids: Sequence[int], now: dt.datetime) -> int:
    """Queue the rows a gateway's limit holds for the moment their window has room (one publish per
    moment, not per row)."""
    by_moment: dict[int, list[tuple[int, int]]] = {}
    for pk, priority, until in Notification.objects.filter(
            pk__in=list(notification_ids), status=DeliveryStatus.PENDING, not_before__isnull=False).values_list(
            "pk", "priority", "not_before"):
        by_moment.setdefault(max(1, math.ceil((until - now).total_seconds())), []).append((pk, priority))
    return sum(notification_publish(rows, countdown=countdown) for countdown, rows in by_moment.items())


def notification_publish_retries(*, notification_ids: Sequence[int], countdown: Callable[[int], int]) -> int:
    """Queue another attempt of rows whose attempt failed, after `countdown(attempts - 1)` seconds
    (the backoff grows with the attempts already made)."""
    rows = list(Notification.objects.filter(pk__in=list(notification_ids)).values_list("pk", "priority", "attempts"))
    published = 0
    for attempts, urgent in sorted({(n, priority == PRIORITY_URGENT) for _, priority, n in rows}):
        wait = countdown(attempts - 1)
        # an urgent message's deadline is minutes: it is tried again at least every URGENT_RETRY_MAX_SECONDS
        published += notification_publish(
            [(pk, priority) for pk, priority, n in rows if n == attempts and (priority == PRIORITY_URGENT) == urgent],
            countdown=min(wait, URGENT_RETRY_MAX_SECONDS) if urgent else wait)
    return published


def notification_requeue_stale(
    *, now: dt.datetime, older_than: dt.timedelta = dt.timedelta(minutes=5), batch: int = 500,
    urgent_only: bool = False,
) -> list[int]:
    """Queue again e-mail/SMS rows still pending or failed after `older_than` (a lost task, a
    worker restart, retries exhausted in the broker), and rows stuck in "sending" past their lease.
    `urgent_only`: only urgent rows, and a failed one only once its retry (at most
    `URGENT_RETRY_MAX_SECONDS` away) is overdue too (beat's `notifications-requeue-urgent`, every 10 s)."""
    cutoff = now - older_than
    waiting = Q(status=DeliveryStatus.PENDING, last_touch__lt=cutoff)
    failed_cutoff = now - older_than - dt.timedelta(seconds=URGENT_RETRY_MAX_SECONDS) if urgent_only else cutoff
    waiting |= Q(status=DeliveryStatus.FAILED, last_touch__lt=failed_cutoff)
    waiting &= ~Q(not_before__gt=now)  # held by quiet hours or a gateway's limit: not yet
    stale = (
        Notification.objects.exclude(channel=NotificationChannel.IN_APP)
        .filter(attempts_left(now))
        # a row held by quiet hours counts from the office's opening
        .annotate(last_touch=Coalesce("last_attempt_at", "not_before", "created_at"))
        .filter(waiting | Q(status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LEASE))
    )
    if urgent_only:
        stale = stale.filter(priority=PRIORITY_URGENT, created_at__gte=now - urgent_window())
    rows = list(stale.order_by("created_at").values_list("pk", "priority")[:batch])
    if rows:
        transaction.on_commit(lambda: notification_publish(rows))
    return [pk for pk, _ in rows]


