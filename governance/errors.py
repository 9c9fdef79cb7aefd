"""The one application error type: the UI shows it as a message, the API as a structured 4xx body.

The domain knows nothing of HTTP: which status a `code` answers is decided at the edge, in
`governance.api.http_status_for`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


class ApplicationError(Exception):
    """A business rule said no. `message` is for people (Chinese); `code` is for programs."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.extra:
            body["extra"] = self.extra
        return body


class NotFoundError(ApplicationError):
    """Missing, or not yours: both answer "not found" so that existence does not leak."""

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        if message is None:
            message = gettext("未找到，或您无权查看。")
        kwargs.setdefault("code", "not_found")
        super().__init__(message, **kwargs)


class PermissionDeniedError(ApplicationError):
    """The actor's role may not do this."""

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        if message is None:
            message = gettext("您没有执行此操作的权限。")
        kwargs.setdefault("code", "permission_denied")
        super().__init__(message, **kwargs)
