"""DingTalk (钉钉 / 政务钉钉): work notifications (`topapi/message/corpconversation/asyncsend_v2`, an
action card linking to the page) to a person's DingTalk user id with the app's access token
(`gettoken`, cached), and group robot messages (`robot/send`) signed with the robot's secret
(加签: HMAC-SHA256 of "timestamp\\nsecret", Base64)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings

from dispatch.gateways.errors import GatewayError
from dispatch.gateways.im import IMMessage, cached_token, call_json

ENDPOINT = "https://oapi.dingtalk.com"
TOKEN_ERRORS = frozenset({40014, 42001, 88})
# Another attempt may succeed: system busy, frequency limits (a robot takes 20 a minute: 130101),
# the robot's signature or IP checks an operator can fix, credentials.
RETRYABLE = frozenset({-1, 90002, 90006, 90018, 130101, 310000, 40089, 43004, 40001})


def classify(errcode: int, errmsg: str) -> GatewayError:
    return GatewayError(errmsg or str(errcode), code=f"dingtalk:{errcode}",
                        retryable=errcode in RETRYABLE or errcode in TOKEN_ERRORS)


def _endpoint() -> str:
    return settings.DINGTALK_ENDPOINT or ENDPOINT


def configured() -> bool:
    return bool(settings.DINGTALK_APP_KEY and settings.DINGTALK_APP_SECRET and settings.DINGTALK_AGENT_ID)


def _token(*, refresh: bool = False) -> str:
    def fetch() -> tuple[str, int]:
        answer = call_json("GET", f"{_endpoint()}/gettoken",
                           params={"appkey": settings.DINGTALK_APP_KEY, "appsecret": settings.DINGTALK_APP_SECRET},
                           classify=classify)
        return str(answer["access_token"]), int(answer.get("expires_in", 7200))

    return cached_token(f"dingtalk:token:{settings.DINGTALK_APP_KEY}", fetch, refresh=refresh)


def _card(message: IMMessage) -> dict[str, object]:
    if message.url:
        return {"msgtype": "action_card", "action_card": {
            "title": message.title[:64], "markdown": f"### {message.title}\n{message.text}",
            "single_title": "查看详情", "single_url": message.url}}
    return {"msgtype": "text", "text": {"content": f"{message.title}\n{message.text}"}}


def _token_error(exc: GatewayError) -> bool:
    number = exc.code.removeprefix("dingtalk:")
    return number.lstrip("-").isdigit() and int(number) in TOKEN_ERRORS


def send_app_message(*, userid: str, message: IMMessage) -> str:
    """Send a work notification to one DingTalk user; returns the gateway's `task_id`."""
    if not configured():
        raise GatewayError("未配置钉钉应用（DINGTALK_APP_KEY、DINGTALK_APP_SECRET、DINGTALK_AGENT_ID）",
                           code="dingtalk:config")
    body = {"agent_id": int(settings.DINGTALK_AGENT_ID), "userid_list": userid, "msg": _card(message)}
    for refresh in (False, True):
        try:
            answer = call_json("POST", f"{_endpoint()}/topapi/message/corpconversation/asyncsend_v2",
                               params={"access_token": _token(refresh=refresh)}, body=body, classify=classify)
        except GatewayError as exc:
            if not refresh and _token_error(exc):
                continue
            raise
        return str(answer.get("task_id", ""))
    raise GatewayError("钉钉 access_token 无效", code="dingtalk:token")


def robot_signature(*, timestamp_ms: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def send_robot(*, token: str, secret: str, message: IMMessage) -> str:
    """Post to a group robot with 加签 (the timestamp must be within an hour of DingTalk's clock)."""
    params: dict[str, object] = {"access_token": token}
    if secret:
        timestamp = int(time.time() * 1000)
        params.update(timestamp=timestamp, sign=robot_signature(timestamp_ms=timestamp, secret=secret))
    text = f"### {message.title}\n{message.text}" + (f"\n\n[查看详情]({message.url})" if message.url else "")
    call_json("POST", f"{_endpoint()}/robot/send", params=params,
              body={"msgtype": "markdown", "markdown": {"title": message.title[:64], "text": text}}, classify=classify)
    return ""
