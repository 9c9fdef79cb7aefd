"""The notification channels' settings: e-mail, SMS, voice calls, WeCom and DingTalk, their limits per
recipient, quiet hours and receipts (README "Notifications"), read by `governance.settings` through its
recording `Env`, so that the misspelled-variable check and `.env.example` cover them too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from governance.config import Env


def channel_settings(env: Env) -> dict[str, Any]:
    """Every channel setting (the upper-case names below), checked: a real gateway without its keys or
    templates stops the start with one line saying what is missing."""
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="center@localhost")
    # An urgent message (a summons call-up or escalation) keeps retrying, never abandoned, this long
    # after it was made (longer than any report-in deadline); the status page shows it red meanwhile.
    URGENT_RETRY_MINUTES = env.int("URGENT_RETRY_MINUTES", default=30)
    # Quiet hours: an ordinary message outside the app (SMS, WeCom, DingTalk, e-mail) made after the office
    # day or on a day off waits until the office opens (WORKING_HOURS, the working calendar); urgent kinds
    # (summons, wartime, escalations, urgent reports, the minutes-scale clocks) go at once. Off: all at once.
    NOTIFICATION_QUIET_HOURS = env.bool("NOTIFICATION_QUIET_HOURS", default=True)
    # The gateways' limits per recipient (dispatch.services.gateway_limits): a message that would exceed one
    # waits until the window has room. `count/unit`, units s, min, hour, day; empty: no limit. Defaults are
    # the vendors' documented ones (WeCom drops what exceeds its limits without an error); SMS has none by
    # default: each vendor's console sets its own (Aliyun counts per template), set SMS_RATE_LIMITS to it.
    NOTIFICATION_RATE_LIMITS = {
        "sms": env.rate_limits("SMS_RATE_LIMITS", default=""),
        "wecom": env.rate_limits("WECOM_RATE_LIMITS", default="30/min,1000/hour"),
        "dingtalk": env.rate_limits("DINGTALK_RATE_LIMITS", default="500/day"),
        "wecom_bot": env.rate_limits("WECOM_GROUP_RATE_LIMITS", default="20/min"),
        "ding_bot": env.rate_limits("DINGTALK_GROUP_RATE_LIMITS", default="20/min"),
        "voice": env.rate_limits("VOICE_RATE_LIMITS", default="1/min"),
    }
    SMS_BACKEND = env.str("SMS_BACKEND", default="dispatch.sms.ConsoleSMSBackend")
    # The address people open from a message (WeCom/DingTalk links, SMS templates with a link).
    SITE_URL = env.web_address("SITE_URL")
    # Real gateways (README, "Notifications"): the AccessKey (Aliyun) or SecretId/SecretKey (Tencent),
    # the approved signature, Tencent's SmsSdkAppId, and the approved template codes.
    SMS_KEY_ID = env.str("SMS_KEY_ID", default="")
    SMS_KEY_SECRET = env.str("SMS_KEY_SECRET", default="")
    SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="社会治理中心")
    SMS_APP_ID = env.str("SMS_APP_ID", default="")
    SMS_REGION = env.str("SMS_REGION", default="")
    # Another gateway address (a proxy, a private-cloud endpoint; the tests' fake gateway).
    SMS_ENDPOINT = env.web_address("SMS_ENDPOINT")
    SMS_TIMEOUT_SECONDS = env.int("SMS_TIMEOUT_SECONDS", default=10)
    # Template parameters are clipped to this many characters (Aliyun refuses variables over 35).
    SMS_PARAM_MAX_CHARS = env.int("SMS_PARAM_MAX_CHARS", default=35)
    # Templates to register with the gateway (texts in the README), each with its parameters in order.
    SMS_TEMPLATES = {
        "summons": {"code": env.str("SMS_TEMPLATE_SUMMONS", default=""), "params": ["title", "detail"]},
        "escalation": {"code": env.str("SMS_TEMPLATE_ESCALATION", default=""), "params": ["title", "detail"]},
        "notice": {"code": env.str("SMS_TEMPLATE_NOTICE", default=""), "params": ["title", "detail"]},
    }
    # Kind (or family `x.*`) -> template; every other kind uses `notice`.
    SMS_KIND_TEMPLATES = {
        "summons.requested": "summons",
        "summons.approved": "summons",
        "summons.overdue": "escalation",
        "assignment.escalated": "escalation",
        "assignment.ack_overdue": "escalation",
        "assignment.overdue": "escalation",
        "consultation.action_escalated": "escalation",
        "letter.escalated": "escalation",
        "keyperson.follow_up_escalated": "escalation",
        "escalation": "escalation",
        "mode.*": "summons",
    }
    check_sms_gateway(SMS_BACKEND, {
        "SMS_KEY_ID": SMS_KEY_ID, "SMS_KEY_SECRET": SMS_KEY_SECRET, "SMS_APP_ID": SMS_APP_ID,
        **{f"SMS_TEMPLATE_{name.upper()}": spec["code"] for name, spec in SMS_TEMPLATES.items()}})
    # Voice calls (dispatch.voice): a summons escalation nobody has seen this many minutes after it went
    # out calls the leader in charge and the commander on duty; pressing 1 acknowledges. Empty: no calls.
    VOICE_BACKEND = env.str("VOICE_BACKEND", default="")
    VOICE_KEY_ID = env.str("VOICE_KEY_ID", default=SMS_KEY_ID)
    VOICE_KEY_SECRET = env.str("VOICE_KEY_SECRET", default=SMS_KEY_SECRET)
    VOICE_ENDPOINT = env.web_address("VOICE_ENDPOINT")
    VOICE_SHOW_NUMBER = env.str("VOICE_SHOW_NUMBER", default="")
    VOICE_TEMPLATE_ESCALATION = env.str("VOICE_TEMPLATE_ESCALATION", default="")
    VOICE_TEMPLATE_CONFIRMED = env.str("VOICE_TEMPLATE_CONFIRMED", default="")
    VOICE_TEMPLATE_PARAMS = ["title", "detail"]
    VOICE_PARAM_MAX_CHARS = env.int("VOICE_PARAM_MAX_CHARS", default=35)
    VOICE_PLAY_TIMES = env.int("VOICE_PLAY_TIMES", default=2)
    VOICE_CALL_AFTER_MINUTES = env.float("VOICE_CALL_AFTER_MINUTES", default=5)
    check_voice_gateway(VOICE_BACKEND, {
        "VOICE_KEY_ID": VOICE_KEY_ID, "VOICE_KEY_SECRET": VOICE_KEY_SECRET, "VOICE_SHOW_NUMBER": VOICE_SHOW_NUMBER,
        "VOICE_TEMPLATE_ESCALATION": VOICE_TEMPLATE_ESCALATION, "VOICE_TEMPLATE_CONFIRMED": VOICE_TEMPLATE_CONFIRMED},
        play_times=VOICE_PLAY_TIMES, after_minutes=VOICE_CALL_AFTER_MINUTES)
    # WeCom (企业微信) app messages: the corp id, the app's AgentId and Secret (README, "Notifications").
    WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")
    WECOM_AGENT_ID = env.str("WECOM_AGENT_ID", default="")
    WECOM_SECRET = env.str("WECOM_SECRET", default="")
    WECOM_ENDPOINT = env.web_address("WECOM_ENDPOINT")
    # DingTalk (钉钉 / 政务钉钉) work notifications: the app's AppKey, AppSecret and AgentId.
    DINGTALK_APP_KEY = env.str("DINGTALK_APP_KEY", default="")
    DINGTALK_APP_SECRET = env.str("DINGTALK_APP_SECRET", default="")
    DINGTALK_AGENT_ID = env.str("DINGTALK_AGENT_ID", default="")
    DINGTALK_ENDPOINT = env.web_address("DINGTALK_ENDPOINT")
    for _name, _value in (("WECOM_AGENT_ID", WECOM_AGENT_ID), ("DINGTALK_AGENT_ID", DINGTALK_AGENT_ID)):
        if _value and not _value.isdigit():
            raise ImproperlyConfigured(f"{_name}={_value!r} 应为数字（应用的 AgentId）。")
    # A call-up message's confirmation link is valid this long (minutes) after it was sent.
    ACK_LINK_MINUTES = env.int("ACK_LINK_MINUTES", default=120)
    # Delivery receipts (状态报告) of SMS and voice calls are taken at /dispatch/receipts/sms/<vendor>/<token>/
    # and /dispatch/receipts/voice/<vendor>/<token>/ only when this is set.
    SMS_RECEIPT_TOKEN = env.str("SMS_RECEIPT_TOKEN", default="")
    return {name: value for name, value in locals().items() if name.isupper()}


# What each real SMS gateway needs besides the backend's name (`SMS_BACKEND=aliyun` or `tencent`).
_SMS_GATEWAY_NEEDS = {
    "aliyun": ("SMS_KEY_ID", "SMS_KEY_SECRET", "SMS_TEMPLATE_SUMMONS", "SMS_TEMPLATE_ESCALATION",
               "SMS_TEMPLATE_NOTICE"),
    "tencent": ("SMS_KEY_ID", "SMS_KEY_SECRET", "SMS_APP_ID", "SMS_TEMPLATE_SUMMONS", "SMS_TEMPLATE_ESCALATION",
                "SMS_TEMPLATE_NOTICE"),
}
_SMS_GATEWAY_CLASSES = {"dispatch.gateways.aliyun_sms.AliyunSMSBackend": "aliyun",
                        "dispatch.gateways.tencent_sms.TencentSMSBackend": "tencent"}


def _require_gateway_settings(setting: str, backend: str, values: dict[str, str], *,
                              needs: Mapping[str, tuple[str, ...]], classes: Mapping[str, str]) -> None:
    """A real gateway without its key, app id or a template code would fail every message at 2 a.m.:
    refuse to start instead."""
    vendor = classes.get(backend.strip(), backend.strip().lower())
    missing = [name for name in needs.get(vendor, ()) if not values.get(name)]
    if missing:
        raise ImproperlyConfigured(f"{setting}={backend} 需要配置：{'、'.join(missing)}（见 README「Notifications」）。")


def check_sms_gateway(backend: str, values: dict[str, str]) -> None:
    _require_gateway_settings("SMS_BACKEND", backend, values, needs=_SMS_GATEWAY_NEEDS, classes=_SMS_GATEWAY_CLASSES)


_VOICE_GATEWAY_NEEDS = {"aliyun": ("VOICE_KEY_ID", "VOICE_KEY_SECRET", "VOICE_SHOW_NUMBER", "VOICE_TEMPLATE_ESCALATION",
                                   "VOICE_TEMPLATE_CONFIRMED")}
_VOICE_GATEWAY_CLASSES = {"dispatch.gateways.aliyun_voice.AliyunVoiceBackend": "aliyun"}


def check_voice_gateway(backend: str, values: dict[str, str], *, play_times: int, after_minutes: float) -> None:
    """As `check_sms_gateway`, for the voice gateway; and the call's numbers within the vendor's range."""
    _require_gateway_settings("VOICE_BACKEND", backend, values, needs=_VOICE_GATEWAY_NEEDS,
                              classes=_VOICE_GATEWAY_CLASSES)
    if not 1 <= play_times <= 3:
        raise ImproperlyConfigured(f"VOICE_PLAY_TIMES={play_times} 应为 1 到 3（网关允许的播放次数）。")
    if not after_minutes > 0:
        raise ImproperlyConfigured(f"VOICE_CALL_AFTER_MINUTES={after_minutes} 应大于 0（分钟，可带小数，如 0.5）。")
