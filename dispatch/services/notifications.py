"""Notifications: stored exactly once per (dedupe key, recipient, channel), delivered after commit,
retried on failure, abandoned after `NOTIFICATION_MAX_ATTEMPTS`.

The rows are the outbox: an e-mail/SMS row is written `pending` in the transaction that decided to
send it, and only its delivery goes through the broker, in batches (`DELIVERY_BATCH` rows per task,
on the `deliveries` queue, with a broker priority: summons first, the sweep's bulk last). When the
broker is down nothing is lost and the request does not fail: the rows stay pending and the beat
task `notifications_requeue` publishes them again once it is back.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from dispatch.choices import DeliveryStatus, NotificationChannel
from dispatch.models import DELIVERY_FAILED, Notification
from dispatch.services.channels import (
    EXTERNAL,
    URGENT_KIND_PREFIXES,
    Contact,
    contacts_for,
    external_rows,
    is_urgent_kind,
)
from dispatch.services.delivery import (
    PRIORITY_NORMAL,
    PRIORITY_URGENT,
    notification_publish,
)
from dispatch.services.gateway_limits import held_by_limits
from governance.errors import ApplicationError, NotFoundError
from governance.workcal import WorkingCalendar

logger = logging.getLogger(__name__)

# Urgent (the `urgent` queue, never abandoned while the deadline runs): summons (a 20-minute report-in)
# and wartime (`mode.*`), URGENT_KIND_PREFIXES. Not the days-scale escalations of assignments: a sweep's
# catch-up of those would fill the urgent queue and put a call-up behind them again.


def priority_for(kind: str) -> int:
    return PRIORITY_URGENT if kind.startswith(URGENT_KIND_PREFIXES) else PRIORITY_NORMAL


# Kinds that reach people at any hour (issue 27 item 5): beside the urgent ones of `is_urgent_kind`
# (summons, wartime, escalations), an urgent report and its follow-ups, a key person's raised risk, and
# the minutes-scale clocks of a matter waiting to be sent on or dispatched (马上受理: the night shift).
ANYTIME_KIND_PREFIXES = ("urgent_report.", "keyperson.risk_raised", "case.send_on", "case.dispatch",
                         "case.pending_dispatch")


def quiet_until(*, kind: str, now: dt.datetime, calendar: Callable[[], WorkingCalendar]) -> dt.datetime | None:
    """When an ordinary message outside the app made at `now` may go: None at once (quiet hours off,
    an urgent kind, or the office is open), else the start of the next office day. `calendar` is only
    called when the answer depends on it."""
    if not settings.NOTIFICATION_QUIET_HOURS or is_urgent_kind(kind) or kind.startswith(ANYTIME_KIND_PREFIXES):
        return None
    opens = calendar().office_opens_after(now)
    return None if opens <= now else opens


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
    priority: int | None = None,
) -> list[Notification]:
    """Store one notification per recipient and channel unless it is already stored under
    `dedupe_key`, and queue e-mail/SMS delivery after commit. Returns the rows created now
    (calling again with the same key creates nothing and sends nothing)."""
    now = now or timezone.now()
    dedupe_key = (dedupe_key or "").strip()
    if not dedupe_key or len(dedupe_key) > 200:
        raise ApplicationError("通知去重键不能为空且不超过 200 字符。", code="invalid_dedupe_key")
    channels = list(dict.fromkeys(channels))
    if not channels or any(channel not in _VALID_CHANNELS for channel in channels):
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
    pairs = _rows_for(people=[user.pk for user in people], channels=channels, kind=kind,
                      contacts=contacts_for(user.pk for user in people) if EXTERNAL in channels else {})
    stored = set(Notification.objects.filter(dedupe_key=dedupe_key).values_list("recipient_id", "channel"))
    held = quiet_until(kind=kind, now=now, calendar=functools.cache(WorkingCalendar)) if any(
        channel != NotificationChannel.IN_APP for _, channel in pairs) else None
    created: list[Notification] = []
    for recipient_id, channel in pairs:
        if (recipient_id, channel) in stored:
            continue
        in_app = channel == NotificationChannel.IN_APP
        fields = {
            "recipient_id": recipient_id,
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
            "not_before": None if in_app else held,
            "priority": priority_for(kind) if priority is None else priority,
            **related_fields,
        }
        try:
            with transaction.atomic():
                created.append(Notification.objects.create(**fields))
        except IntegrityError:
            # A concurrent caller stored it first; anything else is a real error.
            if not Notification.objects.filter(
                dedupe_key=dedupe_key, recipient_id=recipient_id, channel=channel
            ).exists():
                raise
    # Held rows wait for beat's requeue once the office opens.
    outgoing = [(row.pk, row.priority) for row in created
                if row.channel != NotificationChannel.IN_APP and row.not_before is None]
    if outgoing:
        transaction.on_commit(lambda: notification_publish(outgoing))
    return created


_VALID_CHANNELS = frozenset([*NotificationChannel.values, EXTERNAL])


def _rows_for(*, people: Sequence[int], channels: Sequence[str], kind: str,
              contacts: dict[int, Contact]) -> list[tuple[int, str]]:
    """(recipient id, channel) of every row a message makes, in order, without repeats: the named
    channels as they are, EXTERNAL as each person's channels outside the app (`external_rows`)."""
    rows: dict[tuple[int, str], None] = {}
    for user_id in people:
        for channel in channels:
            if channel == EXTERNAL:
                for row in external_rows(user_id=user_id, kind=kind, contact=contacts.get(user_id)):
                    rows.setdefault(row, None)
            else:
                rows.setdefault((user_id, str(channel)), None)
    return list(rows)


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
    step_id: int | None = None
    priority: int = PRIORITY_NORMAL


def request_row_count(request: NotificationRequest) -> int:
    """How many rows `notification_send_many` stores for `request` (active recipients x channels,
    each person's channels outside the app counted as they are on file)."""
    people = list(dict.fromkeys(u.pk for u in request.recipients if u is not None and u.is_active))
    contacts = contacts_for(people) if EXTERNAL in request.channels else {}
    return len(_rows_for(people=people, channels=list(dict.fromkeys(request.channels)), kind=request.kind,
                         contacts=contacts))


def notification_send_many(*, requests: Sequence[NotificationRequest], now: dt.datetime,
                           counts: dict[int, int] | None = None) -> int:
    """Store many notifications at once (the deadline sweep's path, inside its transaction): one
    `INSERT … ON CONFLICT DO NOTHING RETURNING` per `SEND_MANY_CHUNK` rows (the unique constraint
    leaves out what is stored already, by an earlier call or a concurrent one), and the e-mail/SMS
    rows it returns published after commit in batches. Same exactly-once guarantee as
    `notification_send`; returns how many rows were inserted. `counts` receives, per step id, how
    many rows its requests make (the auditor checks them)."""
    rows: dict[tuple[str, int, str], tuple[Any, ...]] = {}
    created_at = connection.ops.adapt_datetimefield_value(now)
    valid_channels = _VALID_CHANNELS
    contacts = contacts_for(user.pk for request in requests if EXTERNAL in request.channels
                            for user in request.recipients if user is not None)
    in_app_channel, sent, pending = (str(NotificationChannel.IN_APP), str(DeliveryStatus.SENT),
                                     str(DeliveryStatus.PENDING))
    calendar = functools.cache(WorkingCalendar)  # the national calendar, read once if at all
    held_by_kind: dict[str, Any] = {}
    for request in requests:
        key = (request.dedupe_key or "").strip()
        if not key or len(key) > 200:
            raise ApplicationError("通知去重键不能为空且不超过 200 字符。", code="invalid_dedupe_key")
        if any(channel not in valid_channels for channel in request.channels):
            raise ApplicationError("通知渠道无效。", code="invalid_channel")
        title = request.title[:200]
        channels = [str(channel) for channel in dict.fromkeys(request.channels)]
        people = list(dict.fromkeys(u.pk for u in request.recipients if u is not None and u.is_active))
        pairs = _rows_for(people=people, channels=channels, kind=request.kind, contacts=contacts)
        if counts is not None and request.step_id is not None:
            counts[request.step_id] = counts.get(request.step_id, 0) + len(pairs)
        for recipient_id, channel in pairs:
            in_app = channel == in_app_channel
            if not in_app and request.kind not in held_by_kind:
                held = quiet_until(kind=request.kind, now=now, calendar=calendar)
                held_by_kind[request.kind] = held and connection.ops.adapt_datetimefield_value(held)
            rows.setdefault((key, recipient_id, channel), (
                recipient_id, request.kind, title, request.body, request.link, channel, key,
                sent if in_app else pending, request.step_id, request.priority, created_at,
                created_at if in_app else None, None if in_app else held_by_kind[request.kind]))
    if not rows:
        return 0
    values = list(rows.values())
    inserted: list[tuple[int, str, int, Any]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), SEND_MANY_CHUNK):
            chunk = values[start:start + SEND_MANY_CHUNK]
            cursor.execute(
                _INSERT_MANY.format(table=connection.ops.quote_name(Notification._meta.db_table),
                                    rows=", ".join([_INSERT_ROW] * len(chunk))),
                [value for row in chunk for value in row])
            inserted += cursor.fetchall()
    outgoing = [(pk, priority) for pk, channel, priority, not_before in inserted
                if channel != NotificationChannel.IN_APP and not_before is None]
    if outgoing:
        transaction.on_commit(lambda: notification_publish(outgoing))
    return len(inserted)


# Rows per INSERT of `notification_send_many` (13 parameters each: SQLite takes 32,766 at most).
SEND_MANY_CHUNK = 1000
_INSERT_MANY = (
    "INSERT INTO {table} (recipient_id, kind, title, body, link, channel, dedupe_key, status, step_id, priority, "
    "created_at, sent_at, not_before, content_type_id, object_id, payload, claim, attempts, last_error, "
    "last_attempt_at, read_at, gateway, gateway_message_id, receipt, receipt_at, receipt_reason) VALUES {rows} "
    "ON CONFLICT DO NOTHING RETURNING id, channel, priority, not_before"
)
_INSERT_ROW = ("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, '', '{}', '', 0, '', NULL, NULL, "
               "'', '', '', NULL, '')")


def notification_urgent_waiting(*, now: dt.datetime) -> dict[str, Any]:
    """Urgent e-mail/SMS rows (summons) not delivered yet, for the status page: how many wait, the
    oldest's age, and how many the gateway refused or gave up on (failed / abandoned in the last hour)."""
    undelivered = [DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED]
    # through the (status, created_at) index: the undelivered rows and the last hour's abandoned ones
    urgent = Notification.objects.exclude(channel=NotificationChannel.IN_APP).filter(
        Q(status__in=undelivered) | Q(status=DeliveryStatus.ABANDONED, created_at__gte=now - dt.timedelta(hours=1)),
        priority=PRIORITY_URGENT)
    stats = urgent.aggregate(
        waiting=models.Count("pk", filter=Q(status__in=undelivered)),
        failing=models.Count("pk", filter=DELIVERY_FAILED),
        oldest=models.Min("created_at", filter=Q(status__in=undelivered)))
    oldest = stats["oldest"]
    return {"waiting": stats["waiting"], "failing": stats["failing"],
            "oldest_age_seconds": round((now - oldest).total_seconds()) if oldest else None}


def notification_outbox_stats(*, now: dt.datetime) -> dict[str, Any]:
    """E-mail/SMS rows not delivered yet (pending, failed awaiting a retry, sending) and the age of
    the oldest, for the status page and /healthz; the rows quiet hours hold until the office opens, and
    those a gateway's limit for their recipient holds, are counted apart (they wait by rule, not because
    deliveries are stuck), with the time the first goes. One read."""
    held = Q(not_before__gt=now)
    limited = held_by_limits(now=now)
    quiet = held & ~limited
    stats = Notification.objects.exclude(channel=NotificationChannel.IN_APP).filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING]).aggregate(
        count=models.Count("pk", filter=~held), oldest=models.Min("created_at", filter=~held),
        held=models.Count("pk", filter=quiet), opens=models.Min("not_before", filter=quiet),
        limited=models.Count("pk", filter=limited), frees=models.Min("not_before", filter=limited))
    oldest, opens, frees = stats["oldest"], stats["opens"], stats["frees"]
    return {"undelivered": stats["count"],
            "oldest_age_seconds": round((now - oldest).total_seconds()) if oldest else None,
            "oldest_created_at": timezone.localtime(oldest).isoformat() if oldest else None,
            "held_for_office_hours": stats["held"],
            "office_opens_at": timezone.localtime(opens).isoformat() if opens else None,
            "held_by_gateway_limits": stats["limited"],
            "gateway_limits_free_at": timezone.localtime(frees).isoformat() if frees else None}


def notification_retry(*, notification_ids: Iterable[int], now: dt.datetime) -> int:
    """Give failed or abandoned e-mail/SMS rows a fresh set of attempts (an operator's decision,
    e.g. after the phone number was corrected) and queue them."""
    rows = Notification.objects.filter(
        pk__in=list(notification_ids), status__in=[DeliveryStatus.FAILED, DeliveryStatus.ABANDONED]
    ).exclude(channel=NotificationChannel.IN_APP)
    pairs = list(rows.values_list("pk", "priority"))
    count = Notification.objects.filter(
        pk__in=[pk for pk, _ in pairs], status__in=[DeliveryStatus.FAILED, DeliveryStatus.ABANDONED]
    ).update(status=DeliveryStatus.PENDING, attempts=0, last_error="")
    if pairs:
        transaction.on_commit(lambda: notification_publish(pairs))
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
