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
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import RedisError

from dispatch.choices import NOTIFICATION_MAX_ATTEMPTS, DeliveryStatus, NotificationChannel
from dispatch.gateways import dingtalk, wecom
from dispatch.gateways.errors import GatewayError
from dispatch.gateways.im import IMMessage, im_message_for
from dispatch.links import ack_link_for
from dispatch.models import DELIVERY_FAILED, Notification
from dispatch.services.channels import (
    EXTERNAL,
    URGENT_KIND_PREFIXES,
    Contact,
    contacts_for,
    external_rows,
    is_urgent_kind,
)
from dispatch.services.gateway_limits import RecipientLimits, held_by_limits
from dispatch.sms import get_sms_backend, sms_message_for
from dispatch.voice import get_voice_backend, voice_call_for
from governance.enqueue import enqueue
from governance.errors import ApplicationError, NotFoundError
from governance.models import Department
from governance.workcal import WorkingCalendar

logger = logging.getLogger(__name__)

# A row left "sending" this long (worker killed mid-send) may be claimed again: longer than one gateway
# call (SMS_TIMEOUT_SECONDS, 10 s), shorter than any deadline's margin. A batch renews the lease of the
# row it is about to send (and checks the row is still its own), so a slow batch's rows are not taken.
SENDING_LEASE = dt.timedelta(seconds=30)
SMS_BODY_MAX = 300
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


def _urgent_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.URGENT_RETRY_MINUTES)


def _attempts_left(now: dt.datetime) -> Q:
    """Rows that may be tried again: fewer than NOTIFICATION_MAX_ATTEMPTS attempts, or urgent (a
    summons call-up: its report-in deadline runs) and younger than URGENT_RETRY_MINUTES: an urgent
    message is never abandoned while its deadline runs, it keeps retrying."""
    return Q(attempts__lt=NOTIFICATION_MAX_ATTEMPTS) | Q(priority=PRIORITY_URGENT,
                                                          created_at__gte=now - _urgent_window())


def _gives_up(notification: Notification, now: dt.datetime) -> bool:
    if notification.priority == PRIORITY_URGENT and notification.created_at >= now - _urgent_window():
        return False
    return notification.attempts >= NOTIFICATION_MAX_ATTEMPTS


def _claimable(now: dt.datetime) -> models.QuerySet[Notification]:
    """Rows outside the app a delivery may take now: waiting (not held past `now` by quiet hours) or
    left "sending" past their lease, with attempts left."""
    waiting = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) & (
        Q(not_before__isnull=True) | Q(not_before__lte=now))
    return (Notification.objects.filter(waiting | Q(status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LEASE),
                                        _attempts_left(now))
            .exclude(channel=NotificationChannel.IN_APP))


@dataclass(frozen=True)
class Accepted:
    """The gateway that took a message and its id there ("" for e-mail)."""

    gateway: str = ""
    message_id: str = ""


def _deliver(notification: Notification) -> Accepted:
    user = notification.recipient
    if notification.channel == NotificationChannel.EMAIL:
        if not user.email:
            raise PermanentDeliveryError("接收人没有登记电子邮箱。")
        text = notification.body + (f"\n\n{notification.link}" if notification.link else "")
        send_mail(notification.title, text, None, [user.email], fail_silently=False)
        return Accepted(gateway="email")
    if notification.channel == NotificationChannel.SMS:
        message = sms_message_for(phone=_phone_of(user), kind=notification.kind, title=notification.title,
                                  body=notification.body, link=notification.link,
                                  reference=str(notification.pk), text_max=SMS_BODY_MAX)
        backend = get_sms_backend()
        with _refusals_permanent():
            message_id = backend.send_message(message)
        return Accepted(gateway=backend.vendor, message_id=str(message_id or "")[:64])
    if notification.channel == NotificationChannel.VOICE:
        call = voice_call_for(phone=_phone_of(user), title=notification.title, body=notification.body,
                              reference=str(notification.pk))
        voice = get_voice_backend()
        if voice is None:
            raise PermanentDeliveryError("未配置语音网关（VOICE_BACKEND）。")
        with _refusals_permanent():
            call_id = voice.call(call)
        return Accepted(gateway=voice.vendor, message_id=str(call_id or "")[:64])
    if notification.channel in _IM_CHANNELS:
        return _deliver_im(notification)
    raise PermanentDeliveryError(f"渠道 {notification.channel} 无需投递。")


def _phone_of(user: Any) -> str:
    profile = getattr(user, "profile", None)
    phone = (profile.phone if profile else "").strip()
    if not phone:
        raise PermanentDeliveryError("接收人没有登记手机号码。")
    return phone


@contextmanager
def _refusals_permanent() -> Iterator[None]:
    """A gateway's refusal that no retry can change (bad template, bad number) abandons the row."""
    try:
        yield
    except GatewayError as exc:
        if not exc.retryable:
            raise PermanentDeliveryError(f"网关拒绝：{exc}") from exc
        raise


_IM_CHANNELS = frozenset({NotificationChannel.WECOM, NotificationChannel.DINGTALK, NotificationChannel.WECOM_GROUP,
                          NotificationChannel.DINGTALK_GROUP})


_PERSONAL_IM = frozenset({NotificationChannel.WECOM, NotificationChannel.DINGTALK})


def _deliver_im(notification: Notification) -> Accepted:
    """A WeCom/DingTalk app message to the person, or a post to their department's duty group (the
    row's recipient is the department's liaison, who carries the group's copy)."""
    profile = getattr(notification.recipient, "profile", None)
    message = im_message_for(title=notification.title, body=notification.body, link=notification.link)
    ack = ack_link_for(notification) if notification.channel in _PERSONAL_IM else ""
    if ack:  # a call-up to a person: the card's button confirms it (dispatch.services.ack)
        message = IMMessage(title=message.title, text=message.text, url=ack)
    channel = notification.channel
    with _refusals_permanent():
        if channel == NotificationChannel.WECOM:
            if not (profile and profile.wecom_userid):
                raise PermanentDeliveryError("接收人没有登记企业微信账号。")
            return Accepted("wecom", wecom.send_app_message(userid=profile.wecom_userid, message=message))
        if channel == NotificationChannel.DINGTALK:
            if not (profile and profile.dingtalk_userid):
                raise PermanentDeliveryError("接收人没有登记钉钉账号。")
            return Accepted("dingtalk", dingtalk.send_app_message(userid=profile.dingtalk_userid, message=message))
        department = _group_department(notification)
        if channel == NotificationChannel.WECOM_GROUP:
            if department is None or not department.wecom_robot_key:
                raise PermanentDeliveryError("部门没有登记企业微信值班群机器人。")
            return Accepted("wecom_bot", wecom.send_robot(key=department.wecom_robot_key, message=message))
        if department is None or not department.dingtalk_robot_token:
            raise PermanentDeliveryError("部门没有登记钉钉值班群机器人。")
        return Accepted("ding_bot", dingtalk.send_robot(token=department.dingtalk_robot_token,
                                                        secret=department.dingtalk_robot_secret, message=message))


def _group_department(notification: Notification) -> Department | None:
    """The duty group a group row posts to: the department whose liaison carries the row (else the
    carrier's own department)."""
    profile = getattr(notification.recipient, "profile", None)
    own = profile.department if profile else None
    if own is not None and own.liaison_id == notification.recipient_id:
        return own
    return Department.objects.filter(liaison_id=notification.recipient_id).order_by("pk").first() or own


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
            accepted = _deliver(notification)
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
        .filter(_attempts_left(now))
        # a row held by quiet hours counts from the office's opening
        .annotate(last_touch=Coalesce("last_attempt_at", "not_before", "created_at"))
        .filter(waiting | Q(status=DeliveryStatus.SENDING, last_attempt_at__lt=now - SENDING_LEASE))
    )
    if urgent_only:
        stale = stale.filter(priority=PRIORITY_URGENT, created_at__gte=now - _urgent_window())
    rows = list(stale.order_by("created_at").values_list("pk", "priority")[:batch])
    if rows:
        transaction.on_commit(lambda: notification_publish(rows))
    return [pk for pk, _ in rows]


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
