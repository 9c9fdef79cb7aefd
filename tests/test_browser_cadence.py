"""Issue 23 items 2-3 in a real browser, on the demo: the center director finds the standing meetings
with their chairs (the two deputies in turn) and the one due and not yet held; the duty director edits
a theme of the drafted 研判专报, the commander issues it, the leader reads it and downloads its PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from command.tests.test_daily_pdf import pdf_text
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cadence_meetings_and_the_analysis_report(page, login):
    call_command("seed_demo", verbosity=0)

    login("center_director")
    click_nav(page, "command:consultations")
    cadences = page.locator("[data-testid=cadences]")
    assert "两名副主任轮流" in cadences.inner_text()
    assert page.locator("[data-testid=cadence-leadership_monthly] [data-testid=next-chair]").inner_text() == "陈志远"
    assert page.locator("[data-testid=cadence-dispatch_biweekly] [data-testid=next-chair]").inner_text() == "张卫东"
    held = page.locator("[data-testid=consultation-list] a", has_text="进驻部门及中心各组负责人会议")
    chairs = [text.split("主持")[-1].strip() for text in held.all_inner_texts()]
    assert {"黄文辉", "林雪芳"} <= set(chairs)
    screenshot(page, "cadence-center-director")
    page.locator("[data-testid=cadences] [data-testid=missed]").first.click()
    assert page.locator("h1 [data-testid=missed]").is_visible()
    assert "主持人按规则：中心主任" in page.inner_text("main")

    page.context.clear_cookies()
    login("director")
    click_nav(page, "command:analyses")
    page.locator("[data-testid=analysis-list] a", has_text="待签发").first.click()
    draft = page.url
    page.locator("[data-testid=analysis-section-risks] summary").click()
    page.fill("[data-testid=analysis-section-risks] textarea", "隐患线索须逐件销号，由网格员现场复核。")
    page.click("[data-testid=save-risks]")
    page.wait_for_selector(".alert-success")
    assert "隐患线索须逐件销号" in page.inner_text("[data-testid=analysis-section-risks]")
    assert page.locator("[data-testid=issue-analysis]").count() == 0

    page.context.clear_cookies()
    login("commander")
    page.goto(draft)
    assert page.locator("[data-testid=save-risks]").count() == 0
    page.click("[data-testid=issue-analysis]")
    assert page.inner_text("[data-testid=analysis-status]") == "已签发"
    screenshot(page, "analysis-issued")

    page.context.clear_cookies()
    login("leader")
    page.goto(draft)
    with page.expect_download() as download:
        page.click("[data-testid=analysis-pdf]")
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert "五、矛盾纠纷" in text and "隐患线索须逐件销号" in text
