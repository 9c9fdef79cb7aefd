"""Offline use of the grid worker's pages: the service worker script (served from the site root so
that its scope covers the grid pages and sees a sign-out) and the session answer the outbox asks
for before it resends (who is signed in, a fresh CSRF token)."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from governance.roles import MAY_SEE_GRID_MATTERS, may

# What a grid worker's phone keeps for offline use: the pages' static files (their hashed names in
# production, so a new deployment gives a new worker) and the main pages.
PRECACHED_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "css/center.css",
    "js/shell.js",
    "js/autocomplete.js",
    "intake/intake.css",
    "grid/grid.css",
    "grid/offline.js",
    "grid/outbox.js",
    "grid/manifest.webmanifest",
    "grid/icon-192.png",
    "grid/icon-512.png",
    "favicon.svg",
)
PRECACHED_PAGES = ("grid:home", "grid:report", "grid:tasks")


def service_worker_config() -> dict:
    precache = [static(name) for name in PRECACHED_STATIC]
    config = {
        "scope": reverse("grid:home"),
        "pages": [reverse(name) for name in PRECACHED_PAGES],
        # Never kept on the phone: the key-person ledger (each view of it is recorded).
        "private": [reverse("grid:keypersons")],
        "precache": precache,
        "session": reverse("grid:offline-session"),
        "login": reverse("login"),
        "logout": reverse("logout"),
    }
    scripts = [static("grid/outbox.js"), static("grid/sw-main.js")]
    config["version"] = hashlib.sha256(json.dumps([config, scripts]).encode()).hexdigest()[:12]
    return config


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: public (a script with no personal data), never cached by HTTP, so a deployment
    reaches the phones at their next visit."""
    body = render_to_string("grid/sw.js", {"config": json.dumps(service_worker_config())})
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
@require_GET
def session(request: HttpRequest) -> JsonResponse:
    """For the outbox before it resends: the person signed in (an entry is sent only for its maker)
    and a CSRF token for this session."""
    if not may(request.user, MAY_SEE_GRID_MATTERS):
        return JsonResponse({"code": "permission_denied", "message": "仅限网格员。"}, status=403)
    return JsonResponse({"user": request.user.pk, "csrf": get_token(request)})
