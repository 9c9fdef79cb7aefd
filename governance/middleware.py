"""The center's pages are Chinese unless a user picks English: the browser's language is ignored."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ChineseByDefaultMiddleware:
    """Runs before LocaleMiddleware. A clerk's PC set to English must not turn the window page
    half English; the language switcher (a cookie) is the only way to English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
