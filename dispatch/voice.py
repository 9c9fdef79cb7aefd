"""Voice notification calls (语音通知) for escalations nobody acknowledged: a summons past its report-in
deadline escalates to the department's leader in charge and the commander on duty by SMS and the apps;
whoever of them has not seen it `VOICE_CALL_AFTER_MINUTES` later gets a call that reads it (an approved
text-to-speech template with parameters) and asks them to press 1, which acknowledges it.

`settings.VOICE_BACKEND` names the class (dotted path, or `aliyun`, `console`); empty: no calls. A
backend raises `GatewayError` when the gateway refuses the call, marked retryable or not, as the SMS
backends do; the call's keypresses and outcome come back by the gateway's receipt."""

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
from dispatch.sms import clip

logger = logging.getLogger("dispatch.voice")

VOICE_BACKEND_ALIASES = {
    "console": "dispatch.voice.ConsoleVoiceBackend",
    "aliyun": "dispatch.gateways.aliyun_voice.AliyunVoiceBackend",
}
# The key a called person presses to acknowledge (said by the template: "确认知悉请按1").
ACK_KEY = "1"


@dataclass(frozen=True)
class VoiceCall:
    """One call to one phone: the template's parameters in template order, and our row's id
    (`reference`, echoed by the gateway's receipts)."""

    phone: str
    params: dict[str, str] = field(default_factory=dict)
    reference: str = ""


@dataclass(frozen=True)
class VoiceReceipt:
    """One report of a call: the gateway's call id (and our row's id where echoed), whether it was
    answered (`answered` None: an intermediate state such as ringing, which decides nothing), the
    keys pressed, and the gateway's reason."""

    call_id: str
    answered: bool | None
    keys: str = ""
    reason: str = ""
    reported_at: dt.datetime | None = None
    reference: str = ""


class VoiceBackend(ABC):
    vendor: ClassVar[str] = CONSOLE_GATEWAY

    @abstractmethod
    def call(self, call: VoiceCall) -> str:
        """Place one call and return the gateway's call id."""


class ConsoleVoiceBackend(VoiceBackend):
    """Writes each call to the log instead of placing it (development and demos)."""

    def call(self, call: VoiceCall) -> str:
        call_id = uuid.uuid4().hex
        logger.info("voice call to %s [%s]: %s", call.phone, call_id, call.params)
        return call_id


def voice_backend_path(name: str) -> str:
    return VOICE_BACKEND_ALIASES.get(name.strip().lower(), name.strip())


def voice_configured() -> bool:
    return bool(getattr(settings, "VOICE_BACKEND", "").strip())


def get_voice_backend() -> VoiceBackend | None:
    """The configured backend, or None when calls are off."""
    if not voice_configured():
        return None
    return import_string(voice_backend_path(settings.VOICE_BACKEND))()


def voice_call_for(*, phone: str, title: str, body: str, reference: str = "") -> VoiceCall:
    """The call of one notification: the template's parameters (`title`, `detail`), each clipped to
    VOICE_PARAM_MAX_CHARS (the gateways refuse longer variables)."""
    values = {"title": title, "detail": body or title}
    limit = settings.VOICE_PARAM_MAX_CHARS
    params = {name: clip(values.get(name, ""), limit) for name in settings.VOICE_TEMPLATE_PARAMS}
    return VoiceCall(phone=phone, params=params, reference=reference)
