"""REST plumbing shared by every app: errors become `{"error": {code, message, ...}}` bodies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from governance.counting import COUNT_CAP, CappedPaginator
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.parsing import DB_ID_MAX, small_int

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
    "decline_pending",
    "not_revisited",
    "party_differs",  # a known person typed differently: the clerk chooses keep or update
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
        first = _first_field_error(detail)
        if first is not None:  # the first failing field, named as the services name theirs ("parties.0.name")
            body["field"], body["message"] = first
    response.data = {"error": body}
    return response


def _first_field_error(detail: Any, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    if isinstance(detail, dict):
        items: Any = detail.items()
    elif isinstance(detail, list):
        if detail and not isinstance(detail[0], dict | list):
            return (".".join(path), str(detail[0])) if path else None
        items = ((str(index), value) for index, value in enumerate(detail))
    else:
        return None
    for key, value in items:
        if key == "non_field_errors":
            continue
        found = _first_field_error(value, (*path, str(key)))
        if found is not None:
            return found
    return None


class IdField(serializers.IntegerField):
    """A primary key sent by a client: a whole number from 1 to the database's BIGINT maximum (a
    25-digit id used to overflow the database driver: a 500)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", DB_ID_MAX)
        super().__init__(**kwargs)


# --- the schema says every status an operation can answer -------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "机器可读的错误代码，如 invalid、not_found、stale_state"},
                "message": {"type": "string", "description": "给人看的中文说明"},
                "field": {"type": "string", "description": "出错的字段（如有）"},
                "fields": {"type": "object", "description": "逐字段的错误（输入校验）"},
                "extra": {"type": "object", "description": "补充信息（如 party_differs 的差异）"},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
# Every operation under /api/ may answer these, whatever it does: the exception handler, the
# throttles, the authentication and the URL resolver produce them for any view.
COMMON_ERRORS = {
    "400": "输入有误（字段校验、业务规则、未知的筛选值）",
    "403": "未登录，或当前角色无权执行（管理员不参与办理，见 README“谁能看、谁能办”）",
    "404": "不存在，或无权查看（两者同样回答，不泄露是否存在）",
    "405": "不支持的请求方法",
    "406": "无法按 Accept 提供的格式回答",
    "409": "状态已变化（别人先办了），或与已有记录冲突",
    "413": "请求体过大",
    "415": "不支持的请求体类型",
    "429": "请求过于频繁，请按 Retry-After 稍后再试",
}


def document_error_statuses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the structured error body and the statuses above to
    every operation, so clients (and schemathesis in CI) know every status the API can answer."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ApiError", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/ApiError"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status_code, description in COMMON_ERRORS.items():
                responses.setdefault(status_code, {
                    "description": description,
                    "content": {"application/json": {"schema": reference}},
                })
    return result


class StrictPageNumberPagination(PageNumberPagination):
    """The default pagination, except that a page that is not a whole number from 1 (`?page=abc`,
    `?page=0`, `?page=²`) is refused with 400 instead of being read as "not found" or ignored, and that
    the count stops past COUNT_CAP (`count_capped`: there are more than `count`), as the matter list's:
    a center's 100,000 live assignments were counted on every page (15 ms at 2M matters, linear)."""

    django_paginator_class = CappedPaginator

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and small_int(raw, minimum=1, maximum=10**6) is None:
            raise serializers.ValidationError({self.page_query_param: ["页码应为 1 至 1000000 的整数。"]})
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count_capped"] = {
            "type": "boolean", "description": f"超过 {COUNT_CAP} 条时为 true（count 只数到 {COUNT_CAP + 1}）"}
        return result


def validated(serializer: type[serializers.Serializer], data: Any) -> Any:
    """The validated input of an API call: a serializer of `data` (the body or the query); a 400 with
    the fields' errors otherwise."""
    parsed = serializer(data=data)
    parsed.is_valid(raise_exception=True)
    return parsed.validated_data


def query_flag(request: Any, name: str) -> bool:
    """A yes/no query parameter (`?unread=1`); anything but 1/0/true/false/yes/no is a 400."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return False
    value = raw.strip().lower()
    if value in {"1", "true", "yes"}:
        return True
    if value in {"0", "false", "no"}:
        return False
    raise serializers.ValidationError({name: ["应为 true 或 false（1/0、yes/no）。"]})


# --- an action endpoint, declared -----------------------------------------------------------------

TARGET, RESULT = "target", "result"


@dataclass(frozen=True)
class Action:
    """One action endpoint of the REST API (a POST on something that exists), declared instead of
    written out: `fetch(request, key)` finds the target named in the URL (404 when it is not the
    actor's), the body is validated by `request` (a serializer; `{content type: serializer}` for
    several; None for no body), `run(actor, target, data)` calls the one service, and the answer is
    `response` of the target as the service left it (`answer=RESULT`: of what the service returned; a
    callable `(request, target, result)` for anything else). `lookup`: the URL's name for the key."""

    summary: str
    fetch: Callable[[Request, Any], Any]
    request: Any
    response: type[serializers.Serializer]
    run: Callable[[Any, Any, dict[str, Any]], Any]
    answer: str | Callable[[Request, Any, Any], Any] = TARGET
    created: bool = False
    tags: tuple[str, ...] = ()
    lookup: str = "pk"
    parameters: tuple[Any, ...] = ()
    errors: Mapping[int, Any] = field(default_factory=dict)
    permission_classes: tuple[type[BasePermission], ...] | None = None
    parser_classes: tuple[type[BaseParser], ...] | None = None


def _input_serializer(declared: Any) -> type[serializers.Serializer] | None:
    return next(iter(declared.values())) if isinstance(declared, dict) else declared


def action_view(action: Action) -> type[APIView]:
    """The view of a declared action (see `Action`)."""
    status_code = status.HTTP_201_CREATED if action.created else status.HTTP_200_OK
    responses: Any = action.response
    if action.created or action.errors:
        responses = {status_code: action.response, **action.errors}
    attributes: dict[str, Any] = {}
    if action.permission_classes is not None:
        attributes["permission_classes"] = list(action.permission_classes)
    if action.parser_classes is not None:
        attributes["parser_classes"] = list(action.parser_classes)

    @extend_schema(summary=action.summary, request=action.request, responses=responses, tags=list(action.tags),
                   parameters=list(action.parameters) or None)
    def post(self: APIView, request: Request, **kwargs: Any) -> Response:
        target = action.fetch(request, kwargs[action.lookup])
        serializer = _input_serializer(action.request)
        data = validated(serializer, request.data) if serializer is not None else {}
        result = action.run(request.user, target, data)
        if callable(action.answer):
            shown = action.answer(request, target, result)
        else:
            shown = result if action.answer == RESULT else target
            if hasattr(shown, "refresh_from_db"):  # the service moved it with a conditional UPDATE
                shown.refresh_from_db()
        return Response(action.response(shown, context={"request": request}).data, status=status_code)

    # `declaration`: the Action it serves (a house rule reads its app from it).
    return type("ActionView", (APIView,), {**attributes, "post": post, "declaration": action})


def by_actor(select: Callable[..., Any], *, key: str = "pk") -> Callable[[Request, Any], Any]:
    """An `Action.fetch` from a selector taking `actor=` and the key (`pk=` unless named)."""
    return lambda request, value: select(actor=request.user, **{key: value})
