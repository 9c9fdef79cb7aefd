"""Issue 8 item 3: login lockout per account and per address, throttled APIs, a movable admin."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import clear_url_caches, resolve
from rest_framework.throttling import SimpleRateThrottle

from governance.roles import Role
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _lockout_on(settings):
    settings.AXES_ENABLED = True


@pytest.fixture
def clerk():
    return UserFactory(username="clerk", password="right-password-1", roles=[Role.WINDOW_CLERK])


def _login(client: Client, username: str, password: str, path: str = LOGIN, ip: str = "10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_account_at_that_address_with_a_chinese_message(clerk):
    client = Client()
    for attempt in range(4):
        response = _login(client, "clerk", f"wrong-{attempt}", ip="10.0.0.1")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    assert _login(client, "clerk", "wrong-5", ip="10.0.0.1").status_code == 429  # the fifth locks
    locked = _login(client, "clerk", "right-password-1", ip="10.0.0.1")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "密码错误次数过多" in page and "30 分钟" in page
    # Issue 24 item 1: the locked user is told how to get unlocked.
    assert 'data-testid="how-to-unlock"' in page and "登录失败记录" in page
    assert "_auth_user_id" not in client.session


def test_knowing_a_username_does_not_lock_its_owner_out_elsewhere(clerk):
    """Issue 24 item 1: wrong passwords for `clerk` from one address (the attacker's) used to lock
    `clerk` everywhere for 30 minutes."""
    attacker = Client()
    for attempt in range(10):
        _login(attacker, "clerk", f"wrong-{attempt}", ip="203.0.113.9")
    assert _login(attacker, "clerk", "right-password-1", ip="203.0.113.9").status_code == 429
    assert _login(Client(), "clerk", "right-password-1", ip="10.0.0.7").status_code == 302


def test_one_mistyping_clerk_does_not_lock_the_office(clerk, settings):
    """Issue 24 item 1: 30 wrong passwords for one account locked every user of that address."""
    UserFactory(username="other", password="other-password-1")
    client = Client()
    for attempt in range(30):
        _login(client, "throwaway", f"wrong-{attempt}", ip="10.1.1.1")
    assert _login(Client(), "other", "other-password-1", ip="10.1.1.1").status_code == 302


def test_password_spraying_from_one_address_is_locked(clerk, settings):
    """Issue 24 item 1: one password against every username, a separate and higher per-address limit."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    UserFactory(username="other", password="other-password-1")
    client = Client()
    for number in range(11):
        assert _login(client, f"user{number}", "Spring2026!", ip="10.1.1.1").status_code == 200
    assert _login(client, "user11", "Spring2026!", ip="10.1.1.1").status_code == 429  # the twelfth locks
    assert _login(client, "other", "other-password-1", ip="10.1.1.1").status_code == 429
    assert _login(client, "other", "other-password-1", ip="10.1.1.2").status_code == 302  # another address


@pytest.mark.parametrize(
    ("remote", "forwarded", "counted"),
    [
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),  # from nginx: its header
        ("127.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # what the client wrote is not believed
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("198.51.100.7", "10.9.9.9", "198.51.100.7"),  # not from the proxy: the header is ignored
    ],
)
def test_the_client_address_comes_from_the_proxy_header_only_from_the_proxy(settings, rf, remote, forwarded,
                                                                            counted):
    from governance.lockout import client_address

    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    request = rf.post(LOGIN, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == counted


def test_behind_the_proxy_each_client_is_counted_under_its_own_address(clerk, settings):
    """Issue 24 item 1: behind nginx every login came from the same (or an empty) address."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client()
    for attempt in range(5):
        client.post(LOGIN, {"username": "clerk", "password": f"wrong-{attempt}"}, REMOTE_ADDR="127.0.0.1",
                    HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert client.post(LOGIN, {"username": "clerk", "password": "right-password-1"}, REMOTE_ADDR="127.0.0.1",
                       HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert client.post(LOGIN, {"username": "clerk", "password": "right-password-1"}, REMOTE_ADDR="127.0.0.1",
                       HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 302


def test_the_admin_login_is_locked_too(clerk):
    admin_user = User.objects.create_superuser("root", password="root-password-1")
    client = Client()
    for attempt in range(5):
        _login(client, "root", f"wrong-{attempt}", path="/admin/login/", ip="10.2.0.1")
    assert _login(client, "root", "root-password-1", path="/admin/login/", ip="10.2.0.1").status_code == 429
    assert admin_user.pk


def test_an_administrator_unlocks_in_the_admin(clerk):
    client = Client()
    for attempt in range(5):
        _login(client, "clerk", f"wrong-{attempt}", ip="10.3.0.1")
    assert AccessAttempt.objects.filter(username="clerk").exists()
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", password="root-password-1"))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "clerk" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="clerk")
    admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert _login(client, "clerk", "right-password-1", ip="10.3.0.1").status_code == 302


def test_api_calls_are_throttled_per_user(clerk, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "5/minute", "anon": "3/minute",
                                                              "open311": "4/minute"})
    client = Client()
    client.force_login(clerk)
    statuses = [client.get("/api/intake/categories/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    body = client.get("/api/intake/categories/").json()
    assert body["error"]["code"] == "throttled" and client.get("/api/intake/categories/").has_header("Retry-After")


def test_open311_is_throttled_per_platform_key(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "5/minute", "anon": "3/minute",
                                                              "open311": "4/minute"})
    client = Client()
    statuses = [client.get("/open311/v2/requests.json", {"api_key": "k1"}).status_code for _ in range(5)]
    assert statuses[-1] == 429 and 429 not in statuses[:4]
    assert client.get("/open311/v2/requests.json", {"api_key": "k2"}).status_code != 429  # another key
    refused = client.get("/open311/v2/requests.json", {"api_key": "k1"})
    assert refused.json()[0]["code"] == 429 and refused.has_header("Retry-After")


def test_the_admin_path_is_a_setting(settings):
    import governance.urls

    settings.ADMIN_URL = "manage-7f3k/"
    try:
        importlib.reload(governance.urls)
        clear_url_caches()
        assert resolve("/manage-7f3k/").app_name == "admin"
        assert Client().get("/admin/").status_code == 404
    finally:
        settings.ADMIN_URL = "admin/"
        importlib.reload(governance.urls)
        clear_url_caches()


def test_api_tokens_are_stored_hashed_and_expire(clerk):
    """Issue 8 item 3: DRF tokens were stored in plain text and never expired."""
    from io import StringIO

    import time_machine
    from django.core.management import call_command
    from django.utils import timezone
    from knox.models import AuthToken

    out = StringIO()
    call_command("drf_create_token", "clerk", stdout=out)
    token = out.getvalue().split()[2]
    stored = AuthToken.objects.get(user=clerk)
    assert token not in (stored.digest, stored.token_key) and len(stored.digest) == 128
    client = Client()
    assert client.get("/api/intake/categories/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        expired = client.get("/api/intake/categories/", HTTP_AUTHORIZATION=f"Token {token}")
    assert expired.status_code in (401, 403) and expired.json()["error"]["code"]
    call_command("drf_create_token", "clerk", "--revoke", stdout=StringIO())
    assert not AuthToken.objects.exists()
