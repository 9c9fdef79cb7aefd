"""WeCom (企业微信): app messages (`message/send`, a text card linking to the page) to a person's
WeCom user id with the app's access token (`gettoken`, cached), and group robot messages
(`webhook/send?key=`) to a department's duty group."""

from __future__ import annotations

from django.conf import settings

from dispatch.gateways.errors import GatewayError
from dispatch.gateways.im import IMMessage, cached_token, call_json

ENDPOINT = "https://qyapi.weixin.qq.com"
# Access token expired or invalid: fetched again and the message sent once more at once.
TOKEN_ERRORS = frozenset({40014, 42001, 41001})
# Another attempt may succeed: system busy, frequency limits, credentials or the server's IP not yet
# trusted (an operator fixes them while the message waits).
RETRYABLE = frozenset({-1, 45009, 45033, 45047, 60020, 40001, 40013, 40056, 40082, 48002, 301002})


def classify(errcode: int, errmsg: str) -> GatewayError:
    return GatewayError(errmsg or str(errcode), code=f"wecom:{errcode}",
                        retryable=errcode in RETRYABLE or errcode in TOKEN_ERRORS)


def _endpoint() -> str:
    return settings.WECOM_ENDPOINT or ENDPOINT


def configured() -> bool:
    return bool(settings.WECOM_CORP_ID and settings.WECOM_SECRET and settings.WECOM_AGENT_ID)


def _token(*, refresh: bool = False) -> str:
    def fetch() -> tuple[str, int]:
        answer = call_json("GET", f"{_endpoint()}/cgi-bin/gettoken",
                           params={"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_SECRET},
                           classify=classify)
        return str(answer["access_token"]), int(answer.get("expires_in", 7200))

    return cached_token(f"wecom:token:{settings.WECOM_CORP_ID}:{settings.WECOM_AGENT_ID}", fetch, refresh=refresh)


def _card(userid: str, message: IMMessage) -> dict[str, object]:
    body: dict[str, object] = {"touser": userid, "agentid": int(settings.WECOM_AGENT_ID), "safe": 0}
    if message.url:
        body.update(msgtype="textcard", textcard={"title": message.title[:128], "description": message.text[:512],
                                                  "url": message.url, "btntxt": "查看"})
    else:
        body.update(msgtype="text", text={"content": f"{message.title}\n{message.text}"[:2048]})
    return body


def _token_error(exc: GatewayError) -> bool:
    number = exc.code.removeprefix("wecom:")
    return number.lstrip("-").isdigit() and int(number) in TOKEN_ERRORS


def send_app_message(*, userid: str, message: IMMessage) -> str:
    """Send to one WeCom user; returns the gateway's `msgid`."""
    if not configured():
        raise GatewayError("未配置企业微信应用（WECOM_CORP_ID、WECOM_AGENT_ID、WECOM_SECRET）", code="wecom:config")
    body = _card(userid, message)
    for refresh in (False, True):
        try:
            answer = call_json("POST", f"{_endpoint()}/cgi-bin/message/send",
                               params={"access_token": _token(refresh=refresh)}, body=body, classify=classify)
        except GatewayError as exc:
            if not refresh and _token_error(exc):
                continue
            raise
        if answer.get("invaliduser"):
            raise GatewayError(f"企业微信账号不存在或不在应用可见范围：{answer['invaliduser']}", code="wecom:invaliduser",
                               retryable=False)
        return str(answer.get("msgid", ""))
    raise GatewayError("企业微信 access_token 无效", code="wecom:token")


def send_robot(*, key: str, message: IMMessage) -> str:
    """Post to a group robot (20 messages a minute per robot: more is refused with 45009, retried)."""
    text = f"**{message.title}**\n{message.text}" + (f"\n[查看详情]({message.url})" if message.url else "")
    call_json("POST", f"{_endpoint()}/cgi-bin/webhook/send", params={"key": key},
              body={"msgtype": "markdown", "markdown": {"content": text[:4096]}}, classify=classify)
    return ""
