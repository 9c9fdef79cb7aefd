"""The navigation bar stays on one line, in Chinese and in English (issue 7 point 5), at a 1280 px
desk screen, for the roles with the most entries: what does not fit goes under "更多"."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _english(page) -> None:
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("html[lang=en]")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("username", ["admin", "director", "commander"])
def test_navbar_is_one_line(page, login, username, language):
    call_command("seed_demo", verbosity=0)
    login(username)
    if language == "en":
        _english(page)
    bar = page.query_selector("nav.navbar").bounding_box()
    link = page.query_selector("nav .nav-link").bounding_box()
    screenshot(page, f"navbar-{language}-{username}")
    assert bar["height"] < 2 * link["height"] + 16, f"navbar wraps: {bar['height']} px"
    tops = page.eval_on_selector_all("nav .navbar-nav .nav-item", "items => items.map(i => i.getBoundingClientRect().top)")
    assert max(tops) - min(tops) < 10
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "navbar overflows"
