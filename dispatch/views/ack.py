"""The confirmation link of a call-up message (no password: the signed link is the key)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dispatch.services.ack import summons_ack_confirm, summons_ack_open

STATUS = {"invalid": 404, "expired": 410}


@never_cache
@require_http_methods(["GET", "POST"])
def summons_ack(request: HttpRequest, token: str) -> HttpResponse:
    # Opening only marks the message seen; confirming takes the page's button (a POST), so a link
    # preview fetched by a chat client confirms nothing.
    now = timezone.now()
    page = summons_ack_confirm(token=token, now=now) if request.method == "POST" else summons_ack_open(token=token, now=now)
    return render(request, "dispatch/summons_ack.html", {"page": page}, status=STATUS.get(page.state, 200))
