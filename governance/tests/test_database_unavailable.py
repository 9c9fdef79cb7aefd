"""Issue 28: PostgreSQL out of connections answers a clear Chinese 503 at once (not a 500, not a hang),
without touching the database to render it; the API answers structured JSON."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from governance import views
from governance.roles import Role
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: FATAL:  sorry, too many clients already'


def test_a_page_whose_database_connection_is_refused_answers_503_in_chinese(monkeypatch, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(roles=[Role.DISPATCHER]))

    def refused(*args, **kwargs):
        raise OperationalError(REFUSED)

    # Patched where only this view reads it: a module first imported during the request (the
    # URLconf loads every view) must not keep a refusing stand-in after the test.
    monkeypatch.setattr(views, "render", refused)
    response = client.get("/org/directory/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = response.content.decode()
    assert "数据库暂时无法接入" in page and "too many clients" not in page


def test_an_api_call_whose_database_connection_is_refused_answers_503_json(monkeypatch, settings):
    from rest_framework.views import APIView

    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(roles=[Role.WINDOW_CLERK]))

    def refused(self, request, *args, **kwargs):
        raise OperationalError(REFUSED)

    monkeypatch.setattr(APIView, "initial", refused)
    response = client.get("/api/intake/categories/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "database_unavailable"


def test_any_other_error_is_still_the_500_page(monkeypatch, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(roles=[Role.DISPATCHER]))

    def broken(*args, **kwargs):
        raise ValueError("bug")

    monkeypatch.setattr(views, "render", broken)
    response = client.get("/org/directory/")
    assert response.status_code == 500 and "系统出错了" in response.content.decode()
