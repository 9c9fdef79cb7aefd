"""The gateways' own limits per recipient, kept before they are hit.

Every gateway caps how often one person may be reached: WeCom takes at most 30 app messages a minute
and 1,000 an hour for one member and *drops the rest without an error*; DingTalk 500 work notifications
a day per user; Alibaba Cloud 50 notification SMS a day per number (and whatever the console sets for a
minute and an hour); the voice service one call a minute per callee; a group robot 20 posts a minute. A
message that would exceed a window waits until the window has room (the row is held, `not_before`, and
queued for that moment) instead of being refused, retried into abandonment, or silently dropped.

An urgent message (a summons) waits only for a window of a minute or less: a longer one (a daily cap)
would hold a call-up for hours, so it is sent, and a refusal falls back to the next channel as usual.

The counts are read from the outbox itself (rows sent to the recipient on the channel within the
longest window), once per delivery batch, and kept up to date as the batch sends; two batches for the
same person at the same moment may overshoot by one row each (the gateway's refusal then applies).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.db.models import Q

from dispatch.choices import DeliveryStatus
from dispatch.models import Notification

# An urgent message waits for no window longer than this.
URGENT_WAIT_MAX = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Window:
    """At most `count` messages to one recipient within `seconds`."""

    seconds: int
    count: int

    @property
    def span(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.seconds)


def windows_for(channel: str) -> tuple[Window, ...]:
    """The configured windows of a channel (`settings.NOTIFICATION_RATE_LIMITS`), none for the app."""
    return tuple(Window(seconds, count) for count, seconds in settings.NOTIFICATION_RATE_LIMITS.get(channel, ()))


@dataclass
class RecipientLimits:
    """The recent sends of a batch's recipients on its channels: `hold_until(row, now)` says when a row
    may go (None: now), `count(row, at)` adds a send made by the batch."""

    sent: dict[tuple[int, str], list[dt.datetime]] = field(default_factory=dict)

    @classmethod
    def read(cls, rows: Sequence[Notification], *, now: dt.datetime) -> RecipientLimits:
        """One read: the send times of the rows' recipients on their channels within each channel's
        longest window (only for channels with windows)."""
        longest = {channel: max(w.seconds for w in windows)
                   for channel in {row.channel for row in rows} if (windows := windows_for(channel))}
        limits = cls()
        if not longest:
            return limits
        recent = Q()
        for channel, seconds in longest.items():
            people = {row.recipient_id for row in rows if row.channel == channel}
            recent |= Q(channel=channel, recipient_id__in=people, sent_at__gte=now - dt.timedelta(seconds=seconds))
        for recipient, channel, sent_at in (Notification.objects.filter(recent, status=DeliveryStatus.SENT)
                                            .values_list("recipient_id", "channel", "sent_at")):
            limits.sent.setdefault((recipient, channel), []).append(sent_at)
        return limits

    def hold_until(self, row: Notification, *, now: dt.datetime, urgent: bool) -> dt.datetime | None:
        """When the first full window of the row's channel has room again, or None when every window has
        room now (an urgent row ignores windows longer than URGENT_WAIT_MAX)."""
        times = self.sent.get((row.recipient_id, row.channel), [])
        until: dt.datetime | None = None
        for window in windows_for(row.channel):
            if urgent and window.span > URGENT_WAIT_MAX:
                continue
            inside = sorted(at for at in times if at > now - window.span)
            if len(inside) >= window.count:
                # room again once enough of the window's sends have left it
                frees = inside[len(inside) - window.count] + window.span
                until = frees if until is None else max(until, frees)
        return until

    def count(self, row: Notification, *, at: dt.datetime) -> None:
        self.sent.setdefault((row.recipient_id, row.channel), []).append(at)


def held_by_limits(*, now: dt.datetime) -> models.Q:
    """Rows the limits hold (a delivery took them, then set them back to wait): tried before, and
    waiting past `now` (rows held by quiet hours were never tried)."""
    return Q(not_before__gt=now, last_attempt_at__isnull=False)
