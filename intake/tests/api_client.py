"""What the intake REST API's tests share (test_api_cases*.py): the API's prefix, an ID number, and a
client signed in with a new API token (the `api` fixture of conftest.py is the clerk's)."""

from __future__ import annotations

from knox.models import AuthToken
from rest_framework.test import APIClient

from intake.tests.factories import valid_id_number

API = "/api/intake"
ID_NUMBER = valid_id_number(order=123)


def token_client(user) -> APIClient:
    """A client with a new API token of `user`. A test that freezes the clock makes it inside the
    frozen clock: a token made at the real date has expired (or not begun) at the test's date."""
    client = APIClient()
    _instance, token = AuthToken.objects.create(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client
