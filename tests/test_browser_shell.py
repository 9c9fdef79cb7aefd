"""A demo user logs in through the browser and sees the Chinese shell for their role."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_clerk_and_admin_see_their_navigation(page, login):
    call_command("seed_demo", verbosity=0)
    login("clerk")
    nav = page.inner_text("[data-testid=nav]")
    assert "首页" in nav and "管理后台" not in nav
    assert "陈晓燕" in page.inner_text("nav")
    screenshot(page, "home-clerk")

    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")
    login("admin")
    nav = page.text_content("[data-testid=nav]")  # with the entries under 更多
    assert "管理后台" in nav and "系统状态" in nav
    click_nav(page, "governance:status")
    assert "定时调度（beat）" in page.inner_text("main")
    screenshot(page, "status-admin")
