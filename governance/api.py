"""REST plumbing shared by every app: errors become `{"error": {code, message, ...}}` bodies."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError

# The HTTP status of each application error code (the domain raises codes, the edge answers statuses).
# A code not listed is a plain 400: the request asked for something a rule forbids. Missing and
# not-yours (`NotFoundError`) answer 404, a role that may not act (`PermissionDeniedError`) 403.
CONFLICT_CODES = frozenset({
    "stale_state",  # someone changed the row first (the guarded transition found another state)
    "invalid_transition",
    "conflict",
    "already_cancelled",
    "already_wartime",
    "not_wartime",
    "assignments_open",
    "co_parts_pending",
    "duplicate_external_ref",
    "extension_pending",
    "not_revisited",
    "grid_verification_required",  # a grid report closes after its grid worker verified on site
    "patrol_open",
    "overlap",
    "unchanged",
})
ERROR_STATUS: dict[str, int] = {
    **dict.fromkeys(CONFLICT_CODES, status.HTTP_409_CONFLICT),
    "body_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
}


def http_status_for(error: ApplicationError) -> int:
    """The one mapping from application errors to HTTP statuses, for the REST API, Open311 and the
    pages' JSON endpoints."""
    if isinstance(error, NotFoundError):
        return status.HTTP_404_NOT_FOUND
    if isinstance(error, PermissionDeniedError):
        return status.HTTP_403_FORBIDDEN
    return ERROR_STATUS.get(error.code, status.HTTP_400_BAD_REQUEST)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"error": exc.as_dict()}, status=http_status_for(exc))
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
