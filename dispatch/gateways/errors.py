"""The one error every gateway client raises when a message is not accepted."""

from __future__ import annotations

from typing import Any

import requests


class GatewayError(Exception):
    """The gateway did not accept the message. `retryable`: another attempt may succeed (rate
    limit, gateway down, timeout, credentials an operator can fix); otherwise the row is abandoned
    with `code` and `reason`."""

    def __init__(self, reason: str, *, code: str = "", retryable: bool = True) -> None:
        super().__init__(f"[{code}] {reason}" if code else reason)
        self.code = code
        self.reason = reason
        self.retryable = retryable


def fetch_json(method: str, url: str, *, timeout: float, error: type[GatewayError] = GatewayError,
               **kwargs: Any) -> tuple[requests.Response, Any]:
    """One HTTP call to a gateway and its JSON answer: a transport fault (unreachable, timeout) or an
    answer that is not JSON raises `error`, retryable."""
    try:
        response = requests.request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise error(f"网关不可达：{exc.__class__.__name__}", code="unreachable") from exc
    try:
        return response, response.json()
    except ValueError:
        raise error(f"网关应答无法解析（HTTP {response.status_code}）", code=f"http_{response.status_code}") from None
