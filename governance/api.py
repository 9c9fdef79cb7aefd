"""REST plumbing shared by every app: errors become `{"error": {code, message, ...}}` bodies."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from governance.errors import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        message = str(detail["detail"])
        body: dict[str, Any] = {"code": getattr(detail["detail"], "code", code), "message": message}
    else:
        body = {"code": "invalid" if response.status_code == status.HTTP_400_BAD_REQUEST else code,
                "message": "提交的数据有误，请检查各字段。", "fields": detail}
    response.data = {"error": body}
    return response
