"""Sending one outbox row through its channel: e-mail, SMS, a voice call, WeCom or DingTalk (to a
person or a duty group). The gateway's refusal is a `GatewayError` (retried or not, by its kind);
what no retry can mend (no address, no phone) is a `PermanentDeliveryError`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.mail import send_mail

from dispatch.choices import NotificationChannel
from dispatch.gateways import dingtalk, wecom
from dispatch.gateways.errors import GatewayError
from dispatch.gateways.im import IMMessage, im_message_for
from dispatch.links import ack_link_for
from dispatch.models import Notification
from dispatch.sms import get_sms_backend, sms_message_for
from dispatch.voice import get_voice_backend, voice_call_for
from governance.models import Department

SMS_BODY_MAX = 300


class PermanentDeliveryError(Exception):
    """Retrying cannot help (no e-mail address, no phone number)."""


@dataclass(frozen=True)
class Accepted:
    """The gateway that took a message and its id there ("" for e-mail)."""

    gateway: str = ""
    message_id: str = ""


def send_one(notification: Notification) -> Accepted:
    user = notification.recipient
    if notification.channel == NotificationChannel.EMAIL:
        if not user.email:
            raise PermanentDeliveryError("接收人没有登记电子邮箱。")
        text = notification.body + (f"\n\n{notification.link}" if notification.link else "")
        send_mail(notification.title, text, None, [user.email], fail_silently=False)
        return Accepted(gateway="email")
    if notification.channel == NotificationChannel.SMS:
        message = sms_message_for(phone=phone_of(user), kind=notification.kind, title=notification.title,
                                  body=notification.body, link=notification.link,
                                  reference=str(notification.pk), text_max=SMS_BODY_MAX)
        backend = get_sms_backend()
        with refusals_permanent():
            message_id = backend.send_message(message)
        return Accepted(gateway=backend.vendor, message_id=str(message_id or "")[:64])
    if notification.channel == NotificationChannel.VOICE:
        call = voice_call_for(phone=phone_of(user), title=notification.title, body=notification.body,
                              reference=str(notification.pk))
        voice = get_voice_backend()
        if voice is None:
            raise PermanentDeliveryError("未配置语音网关（VOICE_BACKEND）。")
        with refusals_permanent():
            call_id = voice.call(call)
        return Accepted(gateway=voice.vendor, message_id=str(call_id or "")[:64])
    if notification.channel in IM_CHANNELS:
        return deliver_im(notification)
    raise PermanentDeliveryError(f"渠道 {notification.channel} 无需投递。")


def phone_of(user: Any) -> str:
    profile = getattr(user, "profile", None)
    phone = (profile.phone if profile else "").strip()
    if not phone:
        raise PermanentDeliveryError("接收人没有登记手机号码。")
    return phone


@contextmanager
def refusals_permanent() -> Iterator[None]:
    """A gateway's refusal that no retry can change (bad template, bad number) abandons the row."""
    try:
        yield
    except GatewayError as exc:
        if not exc.retryable:
            raise PermanentDeliveryError(f"网关拒绝：{exc}") from exc
        raise


IM_CHANNELS = frozenset({NotificationChannel.WECOM, NotificationChannel.DINGTALK, NotificationChannel.WECOM_GROUP,
                          NotificationChannel.DINGTALK_GROUP})


PERSONAL_IM = frozenset({NotificationChannel.WECOM, NotificationChannel.DINGTALK})


def deliver_im(notification: Notification) -> Accepted:
    """A WeCom/DingTalk app message to the person, or a post to their department's duty group (the
    row's recipient is the department's liaison, who carries the group's copy)."""
    profile = getattr(notification.recipient, "profile", None)
    message = im_message_for(title=notification.title, body=notification.body, link=notification.link)
    ack = ack_link_for(notification) if notification.channel in PERSONAL_IM else ""
    if ack:  # a call-up to a person: the card's button confirms it (dispatch.services.ack)
        message = IMMessage(title=message.title, text=message.text, url=ack)
    channel = notification.channel
    with refusals_permanent():
        if channel == NotificationChannel.WECOM:
            if not (profile and profile.wecom_userid):
                raise PermanentDeliveryError("接收人没有登记企业微信账号。")
            return Accepted("wecom", wecom.send_app_message(userid=profile.wecom_userid, message=message))
        if channel == NotificationChannel.DINGTALK:
            if not (profile and profile.dingtalk_userid):
                raise PermanentDeliveryError("接收人没有登记钉钉账号。")
            return Accepted("dingtalk", dingtalk.send_app_message(userid=profile.dingtalk_userid, message=message))
        department = group_department(notification)
        if channel == NotificationChannel.WECOM_GROUP:
            if department is None or not department.wecom_robot_key:
                raise PermanentDeliveryError("部门没有登记企业微信值班群机器人。")
            return Accepted("wecom_bot", wecom.send_robot(key=department.wecom_robot_key, message=message))
        if department is None or not department.dingtalk_robot_token:
            raise PermanentDeliveryError("部门没有登记钉钉值班群机器人。")
        return Accepted("ding_bot", dingtalk.send_robot(token=department.dingtalk_robot_token,
                                                        secret=department.dingtalk_robot_secret, message=message))


def group_department(notification: Notification) -> Department | None:
    """The duty group a group row posts to: the department whose liaison carries the row (else the
    carrier's own department)."""
    profile = getattr(notification.recipient, "profile", None)
    own = profile.department if profile else None
    if own is not None and own.liaison_id == notification.recipient_id:
        return own
    return Department.objects.filter(liaison_id=notification.recipient_id).order_by("pk").first() or own
