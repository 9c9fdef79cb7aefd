"""The center's own 403, 404 and 500 pages: Chinese, with a way back (issue 7 point 5)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_clerk_opening_the_board_gets_the_centers_403(client):
    client.force_login(UserFactory(roles=["window_clerk"]))
    response = client.get("/dispatch/board/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "您没有访问此页面的权限" in html and 'data-testid="back-home"' in html and "Forbidden" not in html
    assert 'data-testid="nav"' in html  # the navigation stays, so the clerk can go on working


def test_a_missing_page_gets_the_centers_404(client):
    client.force_login(UserFactory(roles=["window_clerk"]))
    response = client.get("/intake/cases/QZTS-2099-999999/")
    assert response.status_code == 404
    assert "找不到您要的页面或事项" in response.content.decode()


def test_the_500_page_is_chinese_and_needs_no_context():
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500 and "系统出错了" in html and 'href="/"' in html
