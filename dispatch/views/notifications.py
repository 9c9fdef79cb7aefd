"""My notifications: list, open (marks read), mark read, mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dispatch import selectors, services
from governance.page_actions import next_or

PAGE_SIZE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notifications_for_user(user=request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dispatch/notifications.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    services.notification_mark_read(
        actor=request.user, notification_id=notification_id, now=timezone.now()
    )
    return next_or(request, "dispatch:notifications")


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_mark_read(
        actor=request.user, notification_id=notification_id, now=timezone.now()
    )
    if notification.link and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.link)
    return redirect("dispatch:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(actor=request.user, now=timezone.now())
    messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    return next_or(request, "dispatch:notifications")
