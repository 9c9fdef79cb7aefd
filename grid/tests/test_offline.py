"""Offline use of the grid worker's pages, server side: the service worker script (/sw.js, scope
"/"), the session answer the outbox asks for before resending, the manifest, and the resend itself:
exactly once through the phone's key, even from a new session with a fresh CSRF token."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from grid.models import GridReport
from grid.tests.test_services import photo
from grid.views.offline import PRECACHED_STATIC
from intake.models import Case
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


def _config(body: str) -> dict:
    match = re.search(r"self\.GRID_SW = (\{.*?\});\n", body)
    assert match, body
    return json.loads(match.group(1))


def test_the_service_worker_is_served_from_the_root_with_its_scope_and_type(client):
    response = client.get("/sw.js")
    assert reverse("grid-sw") == "/sw.js" and response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/" and response["Cache-Control"] == "no-cache"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    config = _config(body)
    assert config["scope"] == "/grid/" and config["pages"] == ["/grid/", "/grid/report/", "/grid/tasks/"]
    assert config["session"] == "/grid/offline/session/" and config["logout"] == "/accounts/logout/"
    assert config["login"] == "/accounts/login/" and len(config["version"]) == 12
    assert config["private"] == ["/grid/keypersons/"]
    # The logic is static files (no script written into a page); every file to keep offline exists.
    assert 'importScripts("/static/grid/outbox.js", "/static/grid/sw-main.js")' in body
    assert "<script" not in body and "{{" not in body
    assert config["precache"] == [f"/static/{name}" for name in PRECACHED_STATIC]
    for name in (*PRECACHED_STATIC, "grid/sw-main.js"):
        assert finders.find(name), name
    assert client.post("/sw.js").status_code == 405


def test_the_phone_pages_register_it_and_the_manifest_is_installable(client, territory):
    client.force_login(territory.worker)
    page = client.get(reverse("grid:home")).content.decode()
    assert 'data-sw="/sw.js"' in page and 'data-session="/grid/offline/session/"' in page
    assert f'data-user="{territory.worker.pk}"' in page
    assert page.index("grid/outbox.js") < page.index("grid/offline.js") and "<script>" not in page
    with open(finders.find("grid/manifest.webmanifest"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    assert manifest["start_url"] == "/grid/" and manifest["display"] == "standalone"
    assert manifest["start_url"].startswith(manifest["scope"])
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_the_session_answer_is_for_grid_workers_only(client, territory):
    url = reverse("grid:offline-session")
    assert client.get(url).status_code == 302  # signed out: to the login page (the outbox waits)
    client.force_login(territory.station)
    refused = client.get(url)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    client.force_login(territory.worker)
    answer = client.get(url)
    assert answer.status_code == 200 and answer.json()["user"] == territory.worker.pk
    assert answer.json()["csrf"] and "no-cache" in answer["Cache-Control"]


def test_a_report_resent_from_a_new_session_is_recorded_once(territory):
    """The phone sent the report, the answer was lost; the worker signs in again later (a new
    CSRF secret) and the outbox resends it with the token from the session answer."""
    t = territory
    data = {"grid": t.unit.pk, "category": category("JF10").pk, "title": "挡土墙开裂", "description": "威胁两户",
            "address": "旧粮仓后", "urgency": "normal", "risk_level": "medium", "client_key": "k-offline-1"}
    for _ in range(2):
        phone = Client(enforce_csrf_checks=True)
        phone.force_login(t.worker)
        token = phone.get(reverse("grid:offline-session")).json()["csrf"]
        assert phone.post(reverse("grid:report"), {**data, "photos": [photo()]}).status_code == 403  # no token
        sent = phone.post(reverse("grid:report"), {**data, "photos": [photo()], "csrfmiddlewaretoken": token},
                          HTTP_X_REQUESTED_WITH="offline-queue")
        assert sent.status_code == 302
    assert GridReport.objects.filter(client_key="k-offline-1").count() == 1
    assert Case.objects.filter(title="挡土墙开裂").count() == 1
    assert Case.objects.get(title="挡土墙开裂").attachments.count() == 1
