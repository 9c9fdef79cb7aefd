"""Which channels outside the app a message takes to a person: the channels on file (phone, WeCom
user id, DingTalk user id, each only when its gateway is configured) and the person's preference.
Urgent kinds (summons, escalation, wartime) go by every channel on file and to the duty group of the
person's department (its group robots); ordinary ones by the preferred channel (or the first on
file). With nothing on file the message is an SMS row, abandoned for want of a number, so the gap
shows in the outbox instead of vanishing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dispatch.choices import NotificationChannel
from dispatch.gateways import dingtalk, wecom
from governance.models import Profile

# In a request's channels: "this person's channels outside the app", expanded per recipient.
EXTERNAL = "external"
PERSONAL_ORDER = (NotificationChannel.SMS, NotificationChannel.WECOM, NotificationChannel.DINGTALK)


# Summons (a 20-minute report-in) and wartime: the urgent queue's kinds (dispatch.services.notifications).
URGENT_KIND_PREFIXES = ("summons.", "mode.")


def is_urgent_kind(kind: str) -> bool:
    return kind.startswith(URGENT_KIND_PREFIXES) or kind == "escalation" or kind.endswith(".escalated")


@dataclass(frozen=True)
class Contact:
    """A person's channels on file, and who carries their department's duty-group posts."""

    personal: tuple[str, ...] = ()
    preferred: str = NotificationChannel.SMS
    groups: tuple[str, ...] = ()
    group_holder: int | None = None


def contacts_for(user_ids: Iterable[int]) -> dict[int, Contact]:
    """One query for the channels on file of every person named."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    wecom_on, dingtalk_on = wecom.configured(), dingtalk.configured()
    found: dict[int, Contact] = {}
    rows = Profile.objects.filter(user_id__in=ids).values_list(
        "user_id", "phone", "wecom_userid", "dingtalk_userid", "preferred_channel", "department__liaison_id",
        "department__wecom_robot_key", "department__dingtalk_robot_token")
    for user_id, phone, wecom_id, dingtalk_id, preferred, liaison_id, robot_key, robot_token in rows:
        personal = tuple(channel for channel, on_file in (
            (NotificationChannel.SMS, bool((phone or "").strip())),
            (NotificationChannel.WECOM, bool(wecom_id) and wecom_on),
            (NotificationChannel.DINGTALK, bool(dingtalk_id) and dingtalk_on)) if on_file)
        groups = tuple(channel for channel, on_file in (
            (NotificationChannel.WECOM_GROUP, bool(robot_key)),
            (NotificationChannel.DINGTALK_GROUP, bool(robot_token))) if on_file)
        found[user_id] = Contact(personal=personal, preferred=preferred or NotificationChannel.SMS, groups=groups,
                                 group_holder=liaison_id or user_id)
    return found


def external_rows(*, user_id: int, kind: str, contact: Contact | None) -> list[tuple[int, str]]:
    """The (recipient id, channel) rows a message outside the app makes for one person. A duty-group
    post is carried by the department's liaison, so the group gets it once however many of the
    department's people the message names."""
    contact = contact or Contact()
    if not contact.personal:
        rows = [(user_id, str(NotificationChannel.SMS))]
    elif is_urgent_kind(kind):
        rows = [(user_id, str(channel)) for channel in contact.personal]
    else:
        channel = contact.preferred if contact.preferred in contact.personal else contact.personal[0]
        rows = [(user_id, str(channel))]
    if is_urgent_kind(kind) and contact.group_holder is not None:
        rows += [(contact.group_holder, str(channel)) for channel in contact.groups]
    return rows
