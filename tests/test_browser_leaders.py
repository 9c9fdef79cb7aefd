"""领导通 on a 390 px phone (issue 23 item 5): the district leader opens a matter he follows from his
home, instructs on it, the department's liaison sees the instruction at the top of her home and answers
it, and the leader reads the answer."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from command.models import InstructionDepartment
from review.demo import LEADER_MATTER_TITLE
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _login_on_the_phone(page, login, username: str) -> None:
    """The login helper waits for the desktop navigation; then the phone's width, from the home page."""
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(username)
    page.set_viewport_size(PHONE)
    page.goto(f"{page.base_url}/")


def test_a_leader_follows_and_instructs_from_the_phone_and_the_department_answers(page, login):
    call_command("seed_demo", verbosity=0)
    _login_on_the_phone(page, login, "leader")
    home = page.locator("[data-testid=leader-home]")
    assert LEADER_MATTER_TITLE in home.inner_text()
    _fits_the_phone(page)
    home.get_by_text(LEADER_MATTER_TITLE).click()
    page.wait_for_selector("[data-testid=leader-matter]")
    _fits_the_phone(page)
    # the demo's matter is followed: unfollow, then follow again
    page.click("[data-testid=unfollow]")
    page.wait_for_selector("[data-testid=follow]")
    page.click("[data-testid=follow]")
    page.wait_for_selector("[data-testid=unfollow]")
    page.fill("#id_text", "请今天下班前报告垫付落实情况。")
    page.select_option("#id_answer_limit_working_days", "1")
    page.click("[data-testid=instruct]")
    page.wait_for_selector("text=批示已送承办单位")
    assert "请今天下班前报告垫付落实情况。" in page.inner_text("[data-testid=instructions]")
    screenshot(page, "leader-phone-instructed")

    _login_on_the_phone(page, login, "liaison")
    waiting = page.locator("[data-testid=department-instructions]")
    assert "请今天下班前报告垫付落实情况。" in waiting.inner_text()
    _fits_the_phone(page)
    waiting.get_by_text("请今天下班前报告垫付落实情况。").click()
    page.fill("#id_answer", "已落实垫付 24.6 万元，凭证已上传。")
    page.click("[data-testid=answer-instruction]")
    page.wait_for_selector("text=已答复领导批示")
    row = InstructionDepartment.objects.get(instruction__text="请今天下班前报告垫付落实情况。")
    assert row.answer == "已落实垫付 24.6 万元，凭证已上传。" and row.answered_by.username == "liaison"

    _login_on_the_phone(page, login, "leader")
    page.get_by_text("请今天下班前报告垫付落实情况。").first.click()
    page.wait_for_selector("[data-testid=instruction-page]")
    assert "已落实垫付 24.6 万元" in page.inner_text("[data-testid=instruction-page]")
    _fits_the_phone(page)
    screenshot(page, "leader-phone-answer")
