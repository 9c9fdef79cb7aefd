"""Pluggable SMS delivery. `settings.SMS_BACKEND` names the class (dotted path, or `aliyun`, `tencent`,
`console`); a backend raises `SMSDeliveryError` when the gateway refuses a message, marked retryable
(rate limit, gateway down: the outbox tries again with its backoff) or not (bad template, bad number:
the row is abandoned with the gateway's reason).

Chinese gateways send only templates approved beforehand, with parameters: each message kind maps
to one of the templates of `settings.SMS_TEMPLATES` (`settings.SMS_KIND_TEMPLATES`, the rest to
`notice`); `sms_message_for` fills its parameters from the notification."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from dispatch.choices import CONSOLE_GATEWAY
from dispatch.gateways.errors import GatewayError

logger = logging.getLogger("dispatch.sms")

DEFAULT_SMS_BACKEND = "dispatch.sms.ConsoleSMSBackend"
SMS_BACKEND_ALIASES = {
    "console": DEFAULT_SMS_BACKEND,
    "aliyun": "dispatch.gateways.aliyun_sms.AliyunSMSBackend",
    "tencent": "dispatch.gateways.tencent_sms.TencentSMSBackend",
}
# The template every kind not named in SMS_KIND_TEMPLATES uses.
DEFAULT_TEMPLATE = "notice"


class SMSDeliveryError(GatewayError):
    """The SMS gateway did not accept the message (`retryable`, `code`, `reason` as GatewayError)."""


@dataclass(frozen=True)
class SMSMessage:
    """One text to one phone: the full `text` (for gateways that take free text) and the template
    call (`template_code`, named `params` in template order) for those that take only templates;
    `reference` is our row's id, given to gateways that echo it in their receipts."""

    phone: str
    text: str
    kind: str = ""
    template: str = DEFAULT_TEMPLATE
    template_code: str = ""
    params: dict[str, str] = field(default_factory=dict)
    reference: str = ""


@dataclass(frozen=True)
class DeliveryReceipt:
    """One line of a gateway's delivery report (状态报告): which message (the gateway's id, and our
    row's id where the gateway echoes it), whether it reached the phone, and the gateway's reason."""

    message_id: str
    delivered: bool
    reason: str = ""
    reported_at: dt.datetime | None = None
    reference: str = ""


class SMSBackend(ABC):
    # Stored on the outbox row with the gateway's message id, to match delivery receipts.
    vendor: ClassVar[str] = CONSOLE_GATEWAY

    @abstractmethod
    def send(self, *, phone: str, text: str) -> str:
        """Send one message and return the gateway's message id."""

    def send_message(self, message: SMSMessage) -> str:
        """Template gateways override this; text gateways send the text."""
        return self.send(phone=message.phone, text=message.text)


class ConsoleSMSBackend(SMSBackend):
    """Writes each message to the log instead of sending it (development and demos)."""

    def send(self, *, phone: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        logger.info("SMS to %s [%s]: %s", phone, message_id, text)
        return message_id


class LocmemSMSBackend(SMSBackend):
    """Keeps messages in `LocmemSMSBackend.outbox` (tests)."""

    vendor = "locmem"
    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, phone: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        self.outbox.append({"phone": phone, "text": text, "id": message_id})
        return message_id


def sms_backend_path(name: str) -> str:
    return SMS_BACKEND_ALIASES.get(name.strip().lower(), name.strip())


def sms_backend_class() -> type[SMSBackend]:
    """The class `settings.SMS_BACKEND` names."""
    return import_string(sms_backend_path(getattr(settings, "SMS_BACKEND", DEFAULT_SMS_BACKEND)))


def sms_only_logged() -> bool:
    """The configured backend writes messages to the log instead of sending them (no gateway yet)."""
    return sms_backend_class().vendor == CONSOLE_GATEWAY


def get_sms_backend() -> SMSBackend:
    return sms_backend_class()()


def sms_template_for(kind: str) -> str:
    """The template name of a message kind: the kind itself, then its family (`summons.*`), then
    `notice`."""
    mapping: dict[str, str] = getattr(settings, "SMS_KIND_TEMPLATES", {})
    if kind in mapping:
        return mapping[kind]
    family = kind.split(".", 1)[0] + ".*"
    return mapping.get(family, DEFAULT_TEMPLATE)


def clip(value: str, limit: int) -> str:
    """The value on one line, cut to `limit` characters with an ellipsis."""
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: max(limit - 1, 1)] + "…"


def sms_message_for(*, phone: str, kind: str, title: str, body: str, link: str, reference: str = "",
                    text_max: int = 300) -> SMSMessage:
    """The message of one notification: free text for text gateways, and its template's code and
    parameters (each clipped to SMS_PARAM_MAX_CHARS: the gateways refuse longer variables)."""
    text = f"【{settings.SMS_SIGN_NAME}】{title}" + (f"：{body}" if body else "")
    template = sms_template_for(kind)
    spec = settings.SMS_TEMPLATES.get(template) or settings.SMS_TEMPLATES[DEFAULT_TEMPLATE]
    limit = settings.SMS_PARAM_MAX_CHARS
    values = {"title": title, "detail": body or title, "link": link}
    params = {name: clip(values.get(name, ""), limit) for name in spec["params"]}
    return SMSMessage(phone=phone, text=text[:text_max], kind=kind, template=template,
                      template_code=spec.get("code", ""), params=params, reference=reference)
