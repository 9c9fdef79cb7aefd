"""Tell the person when their action was saved but its e-mail/SMS could not be handed to the broker;
resolve the duty rota once per page read."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from dispatch.selectors.duty import duty_resolved_once
from dispatch.services.delivery import notifications_deferred

QUEUED_HEADER = "X-Notifications-Queued"


class QueuedNotificationsMiddleware:
    """After an action whose delivery publish failed (broker down), the answer says so: a header on
    every response, and a message on the next page for the browser. The action itself is committed
    and its messages wait in the outbox until the broker returns (`notifications_requeue`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        notifications_deferred(reset=True)
        response = self.get_response(request)
        deferred = notifications_deferred(reset=True)
        if deferred:
            response[QUEUED_HEADER] = str(deferred)
            if "json" not in response.get("Content-Type", "") and hasattr(request, "_messages"):
                messages.warning(request, gettext("已保存。消息队列暂时不可用，短信和邮件已排队，恢复后自动发送。"))
        return response


class DutyOncePerReadMiddleware:
    """A GET or HEAD (a read: no view changes the rota on one) resolves each center's duty now once,
    however many of the page's checks ask it (`dispatch.selectors.duty.duty_resolved_once`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with duty_resolved_once():
            return self.get_response(request)
