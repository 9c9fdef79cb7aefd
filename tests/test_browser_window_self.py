"""Issue 22 item 12 in the browser, on the demo: the 劳动监察 window's clerk (`clerk2`, 3号窗口 of
劳动保障维权服务中心) registers a wage matter and takes it into her own department with its deadline
(窗口自办), which the department's liaison finds in its inbox; the duty director (`director`) registers
an upper level's assignment from his navigation, and it waits on the dispatch board."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from dispatch.models import Assignment
from intake.choices import CaseStatus, Channel, HandlingMode
from intake.models import Case, Category
from intake.tests.factories import valid_id_number
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")


def _category(page) -> None:
    page.fill("#category-search", "ld")
    page.wait_for_selector("#category-options:not(.d-none)")
    page.press("#category-search", "Enter")
    assert page.input_value("#id_category") == str(Category.objects.get(name="劳动争议").pk)


def test_the_labour_window_handles_its_own_matter_and_the_director_registers_an_upper_assignment(page, login):
    call_command("seed_demo", verbosity=0)
    login("clerk2")
    click_nav(page, "intake:window")
    page.wait_for_selector("#register-form")
    assert page.locator("#id_window option:checked").inner_text() == "3号 劳动监察"
    page.fill("#id_applicant_id_number", valid_id_number(order=321))
    page.fill("#id_applicant_name", "林建新")
    page.fill("#id_applicant_phone", "13805957777")
    _category(page)
    page.fill("#id_title", "东园镇某电子厂拖欠林建新等工人两个月工资")
    page.fill("#id_description", "林建新反映所在电子厂拖欠两个月工资，企业负责人联系不上。")
    page.click("button:has-text('保存并打印回执')")
    code = page.wait_for_selector("[data-testid=case-code]").inner_text().strip()

    card = page.locator("[data-testid=self-handle]")
    assert "本部门自办（劳动保障维权服务中心）" in card.inner_text() and "前办结并反馈" in card.inner_text()
    page.fill("#id_self_note", "劳动监察大队当日约谈企业负责人")
    screenshot(page, "window-self-receipt")
    page.click("button:has-text('受理为本部门自办')")
    page.wait_for_selector("text=已受理为劳动保障维权服务中心自办")
    event = page.locator("[data-event='case.self_handled']")
    assert "窗口受理，本部门自办" in event.inner_text() and "已登记 → 办理中" in event.inner_text()
    assert "受理窗口：3号 劳动监察" in event.inner_text() and "黄丽娟" in event.inner_text()
    screenshot(page, "window-self-timeline")
    case = Case.objects.get(code=code)
    assignment = Assignment.objects.get(case=case)
    assert (case.status, assignment.mode, assignment.department.short_code) == (
        CaseStatus.IN_PROGRESS, HandlingMode.SELF, "LDWQ")
    logout(page)

    login("liaison")
    click_nav(page, "dispatch:work-inbox")
    assert code in page.inner_text("main")
    logout(page)

    login("director")
    click_nav(page, "intake:command_register")
    page.wait_for_selector("#register-form")
    assert page.locator("#id_window").count() == 0
    page.select_option("#id_channel", Channel.UPPER_ASSIGNMENT)
    page.fill("#id_external_ref", "泉社治交〔2026〕27号")
    page.fill("#id_applicant_name", "张坂镇玉田村村民委员会")
    page.fill("#id_applicant_phone", "13805956666")
    _category(page)
    page.fill("#id_title", "市中心交办：玉田村征迁安置款发放争议")
    page.fill("#id_description", "泉州市社会治理中心交办，请核实处置并于七日内反馈。")
    screenshot(page, "command-register")
    page.click("button:has-text('保存并打印回执')")
    upper = page.wait_for_selector("[data-testid=case-code]").inner_text().strip()
    case = Case.objects.get(code=upper)
    assert (case.channel, case.status, case.first_receiver.username, case.external_ref) == (
        Channel.UPPER_ASSIGNMENT, CaseStatus.PENDING_DISPATCH, "director", "泉社治交〔2026〕27号")
    click_nav(page, "dispatch:board")
    assert upper in page.inner_text("main")
