"""The one error every gateway client raises when a message is not accepted."""

from __future__ import annotations


class GatewayError(Exception):
    """The gateway did not accept the message. `retryable`: another attempt may succeed (rate
    limit, gateway down, timeout, credentials an operator can fix); otherwise the row is abandoned
    with `code` and `reason`."""

    def __init__(self, reason: str, *, code: str = "", retryable: bool = True) -> None:
        super().__init__(f"[{code}] {reason}" if code else reason)
        self.code = code
        self.reason = reason
        self.retryable = retryable
