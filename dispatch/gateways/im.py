"""What WeCom and DingTalk share: a JSON call answered `{"errcode": 0, "errmsg": "ok", ...}`, an
app access token fetched by `gettoken` and cached until shortly before it expires, and the message's
text with its link to the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from dispatch.gateways.errors import GatewayError, fetch_json

# Tokens are taken this long before the gateway's expiry, so none expires in flight.
TOKEN_MARGIN_SECONDS = 300


@dataclass(frozen=True)
class IMMessage:
    """A notification as an app or group message: `url` is absolute (SITE_URL + the page) or empty."""

    title: str
    text: str
    url: str


def im_message_for(*, title: str, body: str, link: str) -> IMMessage:
    url = f"{settings.SITE_URL}{link}" if settings.SITE_URL and link else ""
    return IMMessage(title=title, text=body or title, url=url)


def call_json(method: str, url: str, *, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None,
              classify: Callable[[int, str], GatewayError]) -> dict[str, Any]:
    """One call; transport faults and non-JSON answers are retryable, `errcode != 0` is classified."""
    response, answer = fetch_json(method, url, params=params, json=body, timeout=settings.SMS_TIMEOUT_SECONDS)
    if not isinstance(answer, dict):
        raise GatewayError("网关应答格式异常", code=f"http_{response.status_code}")
    errcode = answer.get("errcode", 0)
    if errcode not in (0, "0"):
        try:
            number = int(errcode)
        except (TypeError, ValueError):
            number = -1
        raise classify(number, str(answer.get("errmsg", "")))
    return answer


def cached_token(key: str, fetch: Callable[[], tuple[str, int]], *, refresh: bool = False) -> str:
    """The app's access token from the shared cache, fetched again when absent or `refresh`."""
    if not refresh:
        token = cache.get(key)
        if token:
            return str(token)
    token, expires_in = fetch()
    cache.set(key, token, timeout=max(int(expires_in) - TOKEN_MARGIN_SECONDS, 60))
    return token
