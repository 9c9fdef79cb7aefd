"""Browser tests: headless Chromium (Debian's package) driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
# The closed network of a center: no background calls home, no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if os.environ.get("BROWSER_TESTS") == "0":
        pytest.skip("BROWSER_TESTS=0: the browser tests run in another pass (CI: the PostgreSQL one)")
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium for the browser tests (see .ci/run)")
        pytest.skip("no Chromium installed (apt-get install chromium fonts-wqy-zenhei)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body
    # are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # CI runs its two passes side by side on two cores: a page may take longer there.
    page.set_default_timeout(30_000 if os.environ.get("CI") else 15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log in through the real login form as `username` (demo password by default)."""

    def _login(username: str, password: str = "demo1234") -> None:
        page.goto(f"{page.base_url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=nav]")
        # The scripts at the end of the page (shell.js binds the language menu's autosubmit) have run:
        # a test that acts the moment the menu is drawn would otherwise race them.
        page.wait_for_load_state("load")

    return _login


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def click_nav(page, name: str) -> None:
    """Click a navigation entry as a user does: open "更多" (More) first when it stands there."""
    link = page.locator(f"nav [data-nav='{name}']").first
    if not link.is_visible():
        page.click("[data-testid=nav-more]")
    link.click()
    # The page's scripts (they bind the search boxes and filters) have run before the test types: under
    # load a test that acts the moment the form is drawn would otherwise race them.
    page.wait_for_load_state("load")
