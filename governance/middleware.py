"""The center's pages are Chinese unless a user picks English: the browser's language is ignored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext

from governance.errors import NotFoundError
from governance.parsing import DB_ID_MAX


class ChineseByDefaultMiddleware:
    """Runs before LocaleMiddleware. A clerk's PC set to English must not turn the window page
    half English; the language switcher (a cookie) is the only way to English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Machine interfaces with their own error format, registered by the app that serves them in its
# `ready()` (intake: `/open311/`): path prefix -> `(request, status, message) -> response`.
_ERROR_RENDERERS: dict[str, Callable[[HttpRequest, int, str], HttpResponse]] = {}


def register_error_renderer(prefix: str, renderer: Callable[[HttpRequest, int, str], HttpResponse]) -> None:
    """Refusals under `prefix` (a machine interface such as Open311) are written by `renderer`."""
    _ERROR_RENDERERS[prefix] = renderer


def _is_machine_path(path: str) -> bool:
    return path.startswith(("/api/", *_ERROR_RENDERERS))


def bad_input_response(request: HttpRequest, message: str, *, status: int = 400, code: str = "invalid") -> HttpResponse:
    """A clear refusal in the caller's language: JSON under /api/, the interface's own format under
    a registered prefix (Open311), a page elsewhere."""
    for prefix, renderer in _ERROR_RENDERERS.items():
        if request.path.startswith(prefix):
            return renderer(request, status, message)
    if _is_machine_path(request.path):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    return HttpResponse(render_to_string("governance/bad_request.html", {"message": message}, request=request),
                        status=status)


class NotFoundMiddleware:
    """The one place where "not found" becomes a page's 404: selectors raise `NotFoundError` for
    "missing" and "not yours" alike (so that existence does not leak), and a page that lets it
    through answers the 404 page with its message. The REST API answers it through its exception
    handler (`governance.api`) before it reaches here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFoundError):
            raise Http404(exception.message) from None
        return None


class BadInputMiddleware:
    """Refuses, with a 400 that says why, input no page or API can store: NUL characters in the
    query or a form body (PostgreSQL text cannot hold them) and ids in the URL too big for the
    database's integers. Each used to end in a 500."""

    FORM_BODY_LIMIT = 2 * 1024 * 1024

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path:
            return bad_input_response(request, gettext("请求中含有空字符（NUL），无法处理。"), code="nul_character")
        content_type = (request.META.get("CONTENT_TYPE") or "").lower()
        length = request.META.get("CONTENT_LENGTH") or "0"
        if (request.method in {"POST", "PUT", "PATCH"} and content_type.startswith("application/x-www-form-urlencoded")
                and length.isascii() and length.isdigit() and int(length) <= self.FORM_BODY_LIMIT):
            body = request.body
            if b"%00" in body or b"\x00" in body:
                return bad_input_response(request, gettext("提交的内容含有空字符（NUL），无法处理。"), code="nul_character")
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            # Django's `require_POST` answers an address typed or bookmarked with an empty page.
            refused = bad_input_response(request, gettext("此地址只接受页面上的按钮提交，不能直接打开：请回到上一页操作。"),
                                         status=405, code="method_not_allowed")
            if response.has_header("Allow"):
                refused["Allow"] = response["Allow"]
            return refused
        return response

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any,
                     view_kwargs: dict[str, Any]) -> HttpResponse | None:
        for value in view_kwargs.values():
            if isinstance(value, int) and not isinstance(value, bool) and value > DB_ID_MAX:
                return bad_input_response(request, gettext("未找到，或您无权查看。"), status=404, code="not_found")
        return None


# Features no page of ours uses are off for every page (and for anything an attacker could frame or
# inject); the location stays available to our own pages.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"
NO_STORE = "private, no-store"


class PrivateByDefaultMiddleware:
    """Every page of a signed-in user and every API answer is `Cache-Control: private, no-store`:
    matter pages, lists, exports and the key-person ledger must not stay in a shared office
    computer's browser cache or in a proxy (issue 24 item 6). A response that chose its own caching
    keeps it only for anonymous visitors (static files never reach here: WhiteNoise answers first).
    Also sets the Permissions-Policy header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        private = bool(user and user.is_authenticated) or _is_machine_path(request.path)
        if (private or not response.has_header("Cache-Control")) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        return response
