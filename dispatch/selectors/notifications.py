"""Reads of a user's in-app notifications, and the health of the channels outside the app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import DeliveryStatus, NotificationChannel, ReceiptStatus
from dispatch.gateways import dingtalk, wecom
from dispatch.models import DELIVERY_FAILED, Notification
from dispatch.sms import sms_only_logged
from dispatch.voice import voice_configured


def notifications_for_user(*, user: AbstractBaseUser, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP).order_by("-created_at", "-pk")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP, read_at__isnull=True).count()


# A channel is in trouble (amber on the status page) when at least this share of the messages it
# tried in the last hour is not delivered, over at least CHANNEL_MIN_TRIED messages, or when a message
# has waited in its queue longer than CHANNEL_QUEUE_STALE.
CHANNEL_FAILURE_ALARM = 0.5
CHANNEL_MIN_TRIED = 3
CHANNEL_QUEUE_STALE = dt.timedelta(minutes=10)
CHANNEL_WINDOW = dt.timedelta(hours=1)
# The last success is looked for this far back (through the (status, created_at) index).
CHANNEL_HISTORY = dt.timedelta(days=7)
_UNDELIVERED = [DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED]


@dataclass(frozen=True)
class ChannelHealth:
    channel: str
    label: str
    last_success: dt.datetime | None
    tried: int
    failed: int
    queue_depth: int
    oldest_queued: dt.datetime | None

    @property
    def failure_rate(self) -> float | None:
        return round(self.failed / self.tried, 3) if self.tried else None

    def ok(self, *, now: dt.datetime) -> bool:
        failing = self.tried >= CHANNEL_MIN_TRIED and self.failed / self.tried >= CHANNEL_FAILURE_ALARM
        stale = self.oldest_queued is not None and now - self.oldest_queued > CHANNEL_QUEUE_STALE
        return not failing and not stale


def channels_health(*, now: dt.datetime) -> list[ChannelHealth]:
    """Per channel outside the app that is configured or was used in the last week: its last
    success, the last hour's messages tried and not delivered (failed awaiting a retry, abandoned,
    or reported undelivered by the gateway's receipt), and its queue (pending, sending, failed
    awaiting a retry; not what quiet hours hold until the office opens). Three grouped reads."""
    outside = Notification.objects.exclude(channel=NotificationChannel.IN_APP)
    last = dict(outside.filter(status=DeliveryStatus.SENT, created_at__gte=now - CHANNEL_HISTORY)
                .values("channel").annotate(at=Max("sent_at")).values_list("channel", "at"))
    tried = {row["channel"]: row for row in outside.filter(
        created_at__gte=now - CHANNEL_HISTORY, last_attempt_at__gte=now - CHANNEL_WINDOW)
        .values("channel").annotate(
            tried=Count("pk"),
            failed=Count("pk", filter=DELIVERY_FAILED | Q(receipt=ReceiptStatus.UNDELIVERED)))}
    queued = {row["channel"]: row for row in outside.filter(status__in=_UNDELIVERED).exclude(not_before__gt=now)
              .values("channel").annotate(depth=Count("pk"), oldest=Min("created_at"))}
    configured = {NotificationChannel.SMS, *(c for c, on in ((NotificationChannel.WECOM, wecom.configured()),
                                                             (NotificationChannel.DINGTALK, dingtalk.configured()),
                                                             (NotificationChannel.VOICE, voice_configured())) if on)}
    shown = [channel for channel in NotificationChannel.values if channel != NotificationChannel.IN_APP
             and (channel in configured or channel in last or channel in tried or channel in queued)]
    labels = dict(NotificationChannel.choices)
    return [ChannelHealth(channel=channel, label=str(labels[channel]), last_success=last.get(channel),
                          tried=tried.get(channel, {}).get("tried", 0), failed=tried.get(channel, {}).get("failed", 0),
                          queue_depth=queued.get(channel, {}).get("depth", 0),
                          oldest_queued=queued.get(channel, {}).get("oldest")) for channel in shown]


def notification_channel_checks(*, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """The status page's and /healthz's line per channel: last success, failure rate, queue depth.
    A failing channel is a warning (amber): the other channels still carry urgent messages."""
    results: dict[str, dict[str, Any]] = {}
    for health in channels_health(now=now):
        last = (f"{timezone.localtime(health.last_success):%m-%d %H:%M}（{_ago(now - health.last_success)}）"
                if health.last_success else gettext("无"))
        rate = (f"{health.failure_rate:.0%}（{health.failed}/{health.tried}）" if health.failure_rate is not None
                else gettext("近一小时无发送"))
        waiting = gettext("排队 %(n)s 条") % {"n": health.queue_depth}
        if health.oldest_queued is not None:
            waiting += gettext("，最早 %(ago)s") % {"ago": _ago(now - health.oldest_queued)}
        message = (gettext("最近成功：%(last)s；近一小时失败率：%(rate)s；%(waiting)s")
                   % {"last": last, "rate": rate, "waiting": waiting})
        if health.channel == NotificationChannel.SMS and sms_only_logged():
            message = gettext("未接入短信网关（SMS_BACKEND 为 console）：短信只写入服务器日志，不会发到手机。") + message
        results[gettext("通知渠道：%(channel)s") % {"channel": health.label}] = {
            "ok": health.ok(now=now), "soft": True, "warning": True, "message": message,
            "channel": health.channel,
            "last_success": timezone.localtime(health.last_success).isoformat() if health.last_success else None,
            "failure_rate": health.failure_rate, "tried": health.tried, "failed": health.failed,
            "queue_depth": health.queue_depth,
        }
    return results


def _ago(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return gettext("刚刚")
    if minutes < 120:
        return gettext("%(n)s 分钟前") % {"n": minutes}
    return gettext("%(n)s 小时前") % {"n": minutes // 60}
