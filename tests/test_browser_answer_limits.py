"""Per-kind answer limits in the browser (issue 22 item 11), on the demo: the administrator (`admin`)
gives 来信 a 15-day limit in the admin (a zero is refused in Chinese first); the window clerk (`clerk`)
registers a burst water main (停水停电停气, typed as `tstd`) and a letter, and each receipt states its
kind's promise."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from intake.models import Case, Category
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _register(page, *, initials: str, name: str, title: str) -> Case:
    click_nav(page, "intake:window")
    page.wait_for_selector("#register-form")
    page.fill("#id_applicant_name", "王建国")
    page.fill("#id_applicant_phone", "13905958888")
    page.click("#category-search")
    page.keyboard.type(initials)
    page.wait_for_selector("#category-options:not(.d-none)")
    assert name in page.inner_text("#category-options")
    page.press("#category-search", "Enter")
    assert page.input_value("#id_category") == str(Category.objects.get(name=name).pk)
    page.fill("#id_title", title)
    page.fill("#id_description", f"{title}，请尽快处理。")
    page.click("button:has-text('保存并打印回执')")
    code = page.wait_for_selector("[data-testid=case-code]").inner_text().strip()
    return Case.objects.get(code=code)


def test_the_admin_sets_a_kind_s_limit_and_the_receipts_state_each_kind_s_promise(page, login):
    call_command("seed_demo", verbosity=0)
    letters = Category.objects.get(code="XF02")
    login("admin")
    page.goto(f"{page.base_url}/admin/intake/category/{letters.pk}/change/")
    page.fill("#id_answer_limit", "0")
    page.select_option("#id_answer_limit_unit", "calendar_days")
    page.click("input[name=_save]")
    page.wait_for_selector("text=答复时限须为正整数。")
    page.fill("#id_answer_limit", "15")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    letters.refresh_from_db()
    assert (letters.answer_limit, letters.answer_limit_unit) == (15, "calendar_days")
    listing = page.inner_text("#result_list")
    assert "15 日" in listing and "60 日（沿用上级）" in listing and "24 小时" in listing
    screenshot(page, "answer-limits-admin")
    page.goto(f"{page.base_url}/")
    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")
    login("clerk")

    burst = _register(page, initials="tstd", name="停水停电停气", title="上浦村停水一天")
    assert page.inner_text("[data-testid=expected]").startswith("预计 24 小时内答复，即 ")
    assert (burst.answer_limit, burst.answer_limit_unit) == (24, "hours")
    screenshot(page, "answer-limits-receipt-24h")

    letter = _register(page, initials="来信", name="来信", title="来信反映征地补偿")
    assert page.inner_text("[data-testid=expected]").startswith("预计 15 日内答复，即 ")
    assert (letter.answer_limit, letter.answer_limit_unit) == (15, "calendar_days")
