"""Confirming a summons from the message itself: the WeCom/DingTalk card of a call-up carries a
signed link (the message's row id, signed with SECRET_KEY and dated: it expires after
ACK_LINK_MINUTES) that opens a page without a password; opening it marks the message seen (the
summons page shows who has seen the call-up), its button confirms the call-up for the recipient's
department once (a second press, or a second message's link, finds it confirmed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from dispatch.choices import NotificationChannel, SummonsStatus
from dispatch.links import ACK_KIND, ACK_SALT
from dispatch.models import Notification, SummonsDepartment
from dispatch.services.summons import summons_acknowledge
from governance.errors import ApplicationError


@dataclass
class AckPage:
    """What the confirmation page shows: `state` is invalid, expired, open (may confirm), confirmed
    (just now), already (confirmed before, by anyone of the department) or closed (no longer calling)."""

    state: str
    notification: Notification | None = None
    row: SummonsDepartment | None = None


def _resolve(token: str) -> AckPage:
    try:
        notification_id = signing.loads(token, salt=ACK_SALT, max_age=settings.ACK_LINK_MINUTES * 60)
    except signing.SignatureExpired:
        return AckPage("expired")
    except signing.BadSignature:
        return AckPage("invalid")
    notification = (Notification.objects.filter(pk=notification_id, kind=ACK_KIND)
                    .exclude(channel=NotificationChannel.IN_APP).select_related("recipient").first())
    if notification is None:
        return AckPage("invalid")
    parts = notification.dedupe_key.split(":")  # summons:<id>:department:<id>:called
    if len(parts) != 5 or not (parts[1].isdigit() and parts[3].isdigit()):
        return AckPage("invalid")
    row = (SummonsDepartment.objects.filter(summons_id=int(parts[1]), department_id=int(parts[3]))
           .select_related("summons", "department", "acknowledged_by").first())
    if row is None:
        return AckPage("invalid")
    if row.acknowledged_at is not None:
        return AckPage("already", notification, row)
    if row.summons.status != SummonsStatus.APPROVED or row.reported_in_at is not None:
        return AckPage("closed", notification, row)
    return AckPage("open", notification, row)


def summons_ack_open(*, token: str, now: dt.datetime) -> AckPage:
    """The page of the link: the message is marked seen (once: the first opening counts)."""
    page = _resolve(token)
    if page.notification is not None:
        Notification.objects.filter(pk=page.notification.pk, read_at__isnull=True).update(read_at=now)
    return page


def summons_ack_confirm(*, token: str, now: dt.datetime) -> AckPage:
    """The page's button: the recipient confirms the call-up for the department (recorded on the
    summons' timeline as their confirmation)."""
    page = summons_ack_open(token=token, now=now)
    if page.state != "open":
        return page
    try:
        page.row = summons_acknowledge(actor=page.notification.recipient, row=page.row, now=now)
    except ApplicationError:
        # confirmed from another message or the board meanwhile, or no longer the recipient's
        # department: the page says how things stand now
        return _resolve(token)
    page.state = "confirmed"
    return page
