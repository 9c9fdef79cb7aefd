"""Notifications: stored exactly once per (dedupe key, recipient, channel), delivered after commit,
retried on failure, abandoned after `NOTIFICATION_MAX_ATTEMPTS`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from dispatch.choices import NOTIFICATION_MAX_ATTEMPTS, DeliveryStatus, NotificationChannel
from dispatch.models import Notification
from dispatch.sms import get_sms_backend
from governance.errors import ApplicationError, NotFoundError

logger = logging.getLogger(__name__)

# A row left "sending" this long (worker killed mid-send) may be claimed again.
SENDING_LEASE = dt.timedelta(minutes=10)
SMS_BODY_MAX = 300


class DeliveryOutcome(models.TextChoices):
    SENT = "sent"
    RETRY = "retry"
    ABANDONED = "abandoned"
    SKIPPED = "skipped"


class PermanentDeliveryError(Exception):
    """Retrying cannot help (no e-mail address, no phone number)."""


def notification_send(
    *,
    recipients: Iterable[AbstractBaseUser],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str,
    channels: Sequence[str] = (NotificationChannel.IN_APP,),
    now: dt.datetime | None = None,
    related: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> list[Notification]:
    """Store one notification per recipient and channel unless it is already stored under
    `dedupe_key`, and queue e-mail/SMS delivery after commit. Returns the rows created now
    (calling again with the same key creates nothing and sends nothing)."""
    now = now or timezone.now()
    dedupe_key = (dedupe_key or "").strip()
    if not dedupe_key or len(dedupe_key) > 200:
        raise ApplicationError("通知去重键不能为空且不超过 200 字符。", code="invalid_dedupe_key")
    channels = list(dict.fromkeys(channels))
    if not channels or any(channel not in NotificationChannel.values for channel in channels):
        raise ApplicationError("通知渠道无效。", code="invalid_channel")
    people = list({user.pk: user for user in recipients if user is not None and user.is_active}.values())
    if not people:
        return []
    related_fields: dict[str, Any] = {}
    if related is not None:
        related_fields = {
            "content_type": ContentType.objects.get_for_model(related),
            "object_id": str(related.pk),
        }
    stored = set(
        Notification.objects.filter(
            dedupe_key=dedupe_key, recipient__in=people, channel__in=channels
        ).values_list("recipient_id", "channel")
    )
    created: list[Notification] = []
    for user in people:
        for channel in channels:
            if (user.pk, channel) in stored:
                continue
            in_app = channel == NotificationChannel.IN_APP
            fields = {
                "recipient": user,
                "kind": kind,
                "title": title[:200],
                "body": body,
                "link": link,
                "payload": payload or {},
                "channel": channel,
                "dedupe_key": dedupe_key,
                # In-app delivery is the row itself.
                "status": DeliveryStatus.SENT if in_app else DeliveryStatus.PENDING,
                "sent_at": now if in_app else None,
                "created_at": now,
                **related_fields,
            }
            try:
                with transaction.atomic():
                    created.append(Notification.objects.create(**fields))
            except IntegrityError:
                # A concurrent caller stored it first; anything else is a real error.
                if not Notification.objects.filter(
                    dedupe_key=dedupe_key, recipient=user, channel=channel
                ).exists():
                    raise
    outgoing = [row.pk for row in created if row.channel != NotificationChannel.IN_APP]
    if outgoing:
        transaction.on_commit(lambda: _queue_delivery(outgoing))
    return created


@dataclass(frozen=True)
class NotificationRequest:
    """One logical notification for `notification_send_many` (same meaning as `notification_send`)."""

    recipients: tuple[AbstractBaseUser, ...]
    kind: str
    title: str
    body: str
    link: str
    dedupe_key: str
    channels: tuple[str, ...] = (NotificationChannel.IN_APP,)


def notification_send_many(*, requests: Sequence[NotificationRequest], now: dt.datetime) -> int:
    """Store many notifications at once (the deadline sweep's path): one read of what is stored
    already, one bulk insert that leaves any concurrent duplicate to the unique constraint, one read
    of what now waits for e-mail/SMS delivery. Same exactly-once guarantee as `notification_send`;
    returns how many rows were inserted."""
    rows: dict[tuple[str, int, str], Notification] = {}
    for request in requests:
        key = (request.dedupe_key or "").strip()
        if not key or len(key) > 200:
            raise ApplicationError("通知去重键不能为空且不超过 200 字符。", code="invalid_dedupe_key")
        if any(channel not in NotificationChannel.values for channel in request.channels):
            raise ApplicationError("通知渠道无效。", code="invalid_channel")
        for user in request.recipients:
            if user is None or not user.is_active:
                continue
            for channel in dict.fromkeys(request.channels):
                in_app = channel == NotificationChannel.IN_APP
                rows.setdefault((key, user.pk, channel), Notification(
                    recipient=user, kind=request.kind, title=request.title[:200], body=request.body,
                    link=request.link, payload={}, channel=channel, dedupe_key=key,
                    status=DeliveryStatus.SENT if in_app else DeliveryStatus.PENDING,
                    sent_at=now if in_app else None, created_at=now,
                ))
    if not rows:
        return 0
    keys = {key for key, _, _ in rows}
    stored = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", "recipient_id", "channel"))
    fresh = [row for identity, row in rows.items() if identity not in stored]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    if any(row.channel != NotificationChannel.IN_APP for row in fresh):
        outgoing = list(
            Notification.objects.filter(dedupe_key__in=keys, status=DeliveryStatus.PENDING, attempts=0)
            .exclude(channel=NotificationChannel.IN_APP).values_list("pk", flat=True)
        )
        # A row a concurrent caller also queued is claimed by one delivery only (`_claim`).
        transaction.on_commit(lambda: _queue_delivery(outgoing))
    return len(fresh)


def _queue_delivery(notification_ids: list[int]) -> None:
    from dispatch.tasks import notification_deliver

    for notification_id in notification_ids:
        notification_deliver.delay(notification_id)


def _claim(*, notification_id: int, now: dt.datetime) -> bool:
    """Take the row for one attempt; false when it is sent, abandoned, or another worker has it."""
    claimable = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) | Q(
        status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LEASE
    )
    return bool(
        Notification.objects.filter(claimable, pk=notification_id, attempts__lt=NOTIFICATION_MAX_ATTEMPTS)
        .exclude(channel=NotificationChannel.IN_APP)
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    )


def _deliver(notification: Notification) -> None:
    user = notification.recipient
    if notification.channel == NotificationChannel.EMAIL:
        if not user.email:
            raise PermanentDeliveryError("接收人没有登记电子邮箱。")
        text = notification.body + (f"\n\n{notification.link}" if notification.link else "")
        send_mail(notification.title, text, None, [user.email], fail_silently=False)
        return
    if notification.channel == NotificationChannel.SMS:
        profile = getattr(user, "profile", None)
        phone = (profile.phone if profile else "").strip()
        if not phone:
            raise PermanentDeliveryError("接收人没有登记手机号码。")
        text = f"【社会治理中心】{notification.title}" + (
            f"：{notification.body}" if notification.body else ""
        )
        get_sms_backend().send(phone=phone, text=text[:SMS_BODY_MAX])
        return
    raise PermanentDeliveryError(f"渠道 {notification.channel} 无需投递。")


def notification_deliver(*, notification_id: int, now: dt.datetime | None = None) -> DeliveryOutcome:
    """One delivery attempt of an e-mail or SMS notification; safe to call twice or concurrently."""
    now = now or timezone.now()
    if not _claim(notification_id=notification_id, now=now):
        return DeliveryOutcome.SKIPPED
    notification = Notification.objects.select_related("recipient__profile").get(pk=notification_id)
    mine = Notification.objects.filter(pk=notification_id, status=DeliveryStatus.SENDING)
    try:
        _deliver(notification)
    except PermanentDeliveryError as exc:
        mine.update(status=DeliveryStatus.ABANDONED, last_error=str(exc))
        return DeliveryOutcome.ABANDONED
    except Exception as exc:  # any gateway or SMTP failure is worth another attempt
        logger.warning("notification %s attempt %s failed: %s", notification_id, notification.attempts, exc)
        give_up = notification.attempts >= NOTIFICATION_MAX_ATTEMPTS
        error = f"{exc.__class__.__name__}: {exc}"[:2000]
        mine.update(status=DeliveryStatus.ABANDONED if give_up else DeliveryStatus.FAILED, last_error=error)
        return DeliveryOutcome.ABANDONED if give_up else DeliveryOutcome.RETRY
    mine.update(status=DeliveryStatus.SENT, sent_at=now, last_error="")
    return DeliveryOutcome.SENT


def notification_requeue_stale(
    *, now: dt.datetime, older_than: dt.timedelta = dt.timedelta(minutes=5), batch: int = 500
) -> list[int]:
    """Queue again e-mail/SMS rows still pending or failed after `older_than` (a lost task, a
    worker restart, retries exhausted in the broker), and rows stuck in "sending"."""
    cutoff = now - older_than
    stale = (
        Notification.objects.exclude(channel=NotificationChannel.IN_APP)
        .filter(attempts__lt=NOTIFICATION_MAX_ATTEMPTS)
        .annotate(last_touch=Coalesce("last_attempt_at", "created_at"))
        .filter(
            Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], last_touch__lt=cutoff)
            | Q(status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LEASE)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    ids = list(stale)
    if ids:
        transaction.on_commit(lambda: _queue_delivery(ids))
    return ids


def notification_retry(*, notification_ids: Iterable[int], now: dt.datetime) -> int:
    """Give failed or abandoned e-mail/SMS rows a fresh set of attempts (an operator's decision,
    e.g. after the phone number was corrected) and queue them."""
    rows = Notification.objects.filter(
        pk__in=list(notification_ids), status__in=[DeliveryStatus.FAILED, DeliveryStatus.ABANDONED]
    ).exclude(channel=NotificationChannel.IN_APP)
    ids = list(rows.values_list("pk", flat=True))
    count = Notification.objects.filter(
        pk__in=ids, status__in=[DeliveryStatus.FAILED, DeliveryStatus.ABANDONED]
    ).update(status=DeliveryStatus.PENDING, attempts=0, last_error="")
    if ids:
        transaction.on_commit(lambda: _queue_delivery(ids))
    return count


def notification_mark_read(
    *, actor: AbstractBaseUser, notification_id: int, now: dt.datetime
) -> Notification:
    """Mark one of the actor's in-app notifications read (404 when it is not the actor's)."""
    mine = Notification.objects.filter(pk=notification_id, recipient=actor, channel=NotificationChannel.IN_APP)
    mine.filter(read_at__isnull=True).update(read_at=now)
    notification = mine.first()
    if notification is None:
        raise NotFoundError()
    return notification


def notification_mark_all_read(*, actor: AbstractBaseUser, now: dt.datetime) -> int:
    return Notification.objects.filter(recipient=actor, channel=NotificationChannel.IN_APP, read_at__isnull=True).update(
        read_at=now
    )
