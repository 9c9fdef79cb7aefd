"""Issue 8 item 7: the API says what it does. JSON errors everywhere under /api/ (404 included),
unknown filter values refused with 400, every status documented, the administrator's place."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from governance.api import COMMON_ERRORS
from governance.tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(db):
    user = UserFactory(username="clerk", roles=["window_clerk"], center=CenterFactory())
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/api/nothing/", "/api/intake/nothing/", "/api/dispatch/nothing/",
                                  "/api/intake/cases/QZTS-0000-000000/", "/api/dispatch/assignments/999999/"])
def test_api_404s_are_json(clerk_client, path):
    response = clerk_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_api_errors_are_json_for_anonymous_callers_too():
    response = Client().get("/api/intake/cases/")
    assert response.status_code == 403 and response.json()["error"]["message"]
    missing = Client().get("/api/intake/nothing/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("query", ["status=bogus", "channel=pigeon", "page=abc", "page=0", "page=²",
                                   "date_to=tomorrow", "overdue=maybe", "category=x"])
def test_unknown_filter_values_are_refused(clerk_client, query):
    response = clerk_client.get(f"/api/intake/cases/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("query", ["unread=null", "unread=2", "page=abc", "page=0", "page=²"])
def test_notification_filters_are_checked(clerk_client, query):
    response = clerk_client.get(f"/api/dispatch/notifications/?{query}")
    assert response.status_code == 400, response.content


def test_every_operation_documents_the_error_statuses():
    admin = User.objects.create_superuser("root", password="x-secret-1")
    client = Client()
    client.force_login(admin)
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["ApiError"]["required"] == ["error"]
    undocumented = [
        f"{method.upper()} {path}: {status}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        for status in COMMON_ERRORS
        if status not in operation["responses"]
    ]
    assert undocumented == []
    # The dispatch actions used to document only 200/201.
    dispatch_op = schema["paths"]["/api/dispatch/assignments/{id}/acknowledge/"]["post"]
    assert {"400", "403", "404", "409"} <= set(dispatch_op["responses"])


def test_the_administrator_is_told_it_does_not_act_in_the_workflow():
    """Decided: the administrator configures and reads, and does not dispatch, acknowledge or
    approve (separation of duties); the API says so instead of a bare "no permission"."""
    from dispatch.tests.factories_work import World

    world = World()
    case = world.case()
    admin = User.objects.create_superuser("root", password="x-secret-1")
    client = Client()
    client.force_login(admin)
    response = client.post(f"/api/dispatch/cases/{case.pk}/dispatch/",
                           {"mode": "transfer", "lead_department": world.labour.pk}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "administrator_does_not_act"
    assert "不参与办理" in response.json()["error"]["message"]
    assert client.get(f"/api/intake/cases/{case.code}/").status_code == 200  # reads every matter
