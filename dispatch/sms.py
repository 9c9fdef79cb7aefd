"""Pluggable SMS delivery. `settings.SMS_BACKEND` names the class (dotted path); a real gateway
subclasses `SMSBackend` and raises `SMSDeliveryError` when the gateway refuses a message."""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("dispatch.sms")

DEFAULT_SMS_BACKEND = "dispatch.sms.ConsoleSMSBackend"


class SMSDeliveryError(Exception):
    """The gateway did not accept the message; delivery is retried."""


class SMSBackend(ABC):
    @abstractmethod
    def send(self, *, phone: str, text: str) -> str:
        """Send one message and return the gateway's message id."""


class ConsoleSMSBackend(SMSBackend):
    """Writes each message to the log instead of sending it (development and demos)."""

    def send(self, *, phone: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        logger.info("SMS to %s [%s]: %s", phone, message_id, text)
        return message_id


class LocmemSMSBackend(SMSBackend):
    """Keeps messages in `LocmemSMSBackend.outbox` (tests)."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, phone: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        self.outbox.append({"phone": phone, "text": text, "id": message_id})
        return message_id


def get_sms_backend() -> SMSBackend:
    backend_class = import_string(getattr(settings, "SMS_BACKEND", DEFAULT_SMS_BACKEND))
    return backend_class()
