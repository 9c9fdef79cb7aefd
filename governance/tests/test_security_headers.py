"""Issue 24 items 6 and 7: pages with personal data are never cached; Permissions-Policy; the API
schema and docs need a login."""

from __future__ import annotations

import pytest
from django.test import Client

from governance.roles import Role
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signed_in_pages_and_api_answers_are_no_store():
    client = Client()
    client.force_login(UserFactory(roles=[Role.WINDOW_CLERK]))
    for path in ("/", "/intake/cases/", "/intake/cases/export.xlsx", "/api/intake/categories/"):
        response = client.get(path)
        assert "no-store" in response.get("Cache-Control", ""), path
        assert "camera=()" in response["Permissions-Policy"], path


def test_the_schema_and_docs_need_a_login():
    assert Client().get("/api/schema/").status_code in (401, 403)
    assert Client().get("/api/docs/").status_code in (401, 403)
    client = Client()
    client.force_login(UserFactory(roles=[Role.WINDOW_CLERK]))
    assert client.get("/api/schema/").status_code == 200
