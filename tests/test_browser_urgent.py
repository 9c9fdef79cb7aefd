"""情况报告 in the browser (issue 23 item 4), on the demo: the duty director (`director`) finds the
demo's open report with its countdown, sends the 终报; files a sudden event from nothing and follows it
up; the district leader (`leader`) reads both, with no form; the village station (`station_sp`) files none."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from command.models import UrgentReport
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")


def test_the_duty_director_reports_follows_up_and_closes_and_the_leader_reads(page, login):
    call_command("seed_demo", verbosity=0)
    demo = UrgentReport.objects.get()
    login("director")
    click_nav(page, "command:urgent-reports")
    page.wait_for_selector("[data-testid=urgent-open]")
    assert demo.title in page.locator("[data-testid=urgent-open]").inner_text()
    first = page.locator("[data-testid=urgent-countdown]").first.inner_text()
    page.wait_for_timeout(1500)
    assert page.locator("[data-testid=urgent-countdown]").first.inner_text() != first  # it ticks
    page.click(f"text={demo.reference}")
    assert page.locator("[data-testid=urgent-entry] strong").all_inner_texts() == ["首报", "续报（第1次）", "续报（第2次）"]
    page.fill("#id_what_happened", "工资核查完毕，工人工资已结清，现场秩序正常。")
    page.check("#id_final")
    page.click("[data-testid=urgent-follow-up]")
    page.wait_for_selector("text=已报送终报，已通知领导。")
    assert page.locator("[data-testid=urgent-status]").inner_text() == "已终报"
    assert page.locator("[data-testid=urgent-follow-up-form]").count() == 0

    page.goto(f"{page.base_url}/command/urgent/")
    page.click("[data-testid=urgent-new]")
    page.fill("#id_title", "张坂镇玉田村村民聚集堵路")
    page.fill("#id_place", "张坂镇玉田村征迁地块进场道路")
    page.fill("#id_what_happened", "约 30 名村民聚集在进场道路，阻止施工车辆进入。")
    page.fill("#id_casualties", "无人员受伤")
    page.fill("#id_interval_minutes", "30")
    page.click("[data-testid=urgent-file]")
    page.wait_for_selector("text=情况报告（首报）已报送，已通知领导。")
    expect(page.locator("[data-testid=urgent-next]")).to_contain_text("· 29:")  # once the countdown ticks
    page.fill("#id_what_happened", "镇领导到场对话，聚集人数减至 10 人。")
    page.click("[data-testid=urgent-follow-up]")
    page.wait_for_selector("text=已报送续报（第1次），已通知领导。")
    screenshot(page, "urgent-director")
    event = UrgentReport.objects.get(title="张坂镇玉田村村民聚集堵路")
    logout(page)

    login("leader")
    click_nav(page, "command:urgent-reports")
    assert "urgent-new" not in page.content()
    assert demo.title in page.locator("[data-testid=urgent-closed]").inner_text()
    page.click(f"text={event.reference}")
    assert page.locator("[data-testid=urgent-entry]").count() == 2
    assert page.locator("[data-testid=urgent-follow-up-form]").count() == 0
    screenshot(page, "urgent-leader")
    logout(page)

    login("station_sp")
    assert page.goto(f"{page.base_url}/command/urgent/new/").status == 403
