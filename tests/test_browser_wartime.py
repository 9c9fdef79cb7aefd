"""SCENARIOS story 8 in the browser, on the demo (issue 23 item 1): the commander declares 二级响应;
the page shows who was told, the leader rota, the standby roster (also on the board), the first 战时会商, the micro-grids of
张坂镇's coastal village active with their people; a high-risk grid report of 玉田村 is raised a level;
the duty director sends 执法应急局's team as a unit and hands its leader's standby to a colleague
(值班备勤调换, the board shows him); the commander ends it and the episode, released,
reads as one timeline."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from dispatch.models import TeamDeployment, WartimeEpisode
from governance.models import Grid
from grid.services.reports import grid_report_submit
from intake.choices import RiskLevel
from intake.models import CaseEvent, Category
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")


def test_story_8_a_typhoon_warning(page, login):
    call_command("seed_demo", verbosity=0)
    login("commander")
    click_nav(page, "dispatch:mode")
    page.select_option("#id_level", value="2")
    page.fill("#id_reason", "气象台发布台风橙色预警")
    page.click("[data-testid=declare-form] button")
    page.wait_for_selector("[data-testid=wartime-status]:has-text('二级响应')")
    told = page.locator("[data-testid=wartime-told]").inner_text()
    for name in ("张卫东", "杨振华", "骆永福", "郑国平", "吴国强", "何建平", "何振宇"):
        assert name in told, name
    assert "短信" in told
    assert "杨振华" in page.locator("[data-testid=wartime-rota] tr[data-current]").inner_text()
    assert "吴国强" in page.locator("[data-testid=wartime-standby]").inner_text()
    assert "首次战时会商" in page.locator("[data-testid=wartime-consultation]").inner_text()
    # the consultation's page, linked through dispatch's `consultation_url` hook (the command app's)
    assert page.locator("[data-testid=wartime-consultation] a").get_attribute("href").startswith("/command/consultations/")
    micro = page.locator("[data-testid=wartime-micro-grids]").inner_text()
    assert "玉田村第1网格海堤微网格" in micro and "林海生" in micro and "启用" in micro
    screenshot(page, "wartime-declared")

    # 16:40 a grid worker of 玉田村 reports a family refusing to leave: high risk, raised a level
    report, _ = grid_report_submit(
        actor=User.objects.get(username="grid_yt"), grid=Grid.objects.get(code="350521106207001"),
        client_key="story8-family", category=Category.objects.get(code="YH"), title="渔民一家拒不撤离易涝房屋",
        description="玉田村海边一户渔民拒绝撤离。", risk_level=RiskLevel.HIGH)
    case = report.case
    case.refresh_from_db()
    assert case.risk_level == RiskLevel.MAJOR
    logout(page)

    login("director")
    click_nav(page, "dispatch:board")
    board = page.locator("[data-testid=board-wartime]").inner_text()
    assert "二级响应" in board and "杨振华" in board and "执法应急局 吴国强" in board
    click_nav(page, "dispatch:wartime")
    assert case.code in page.locator("[data-testid=wartime-raised]").inner_text()
    form = page.locator("[data-testid=team-send-form]")
    form.locator("select[name=team]").select_option(label="执法应急局应急处突支援工作队")
    form.locator("input[name=case]").fill(case.code)
    form.locator("input[name=note]").fill("劝导渔民转移")
    form.locator("button").click()
    page.wait_for_selector(".alert:has-text('支援工作队已成建制派驻')")
    assert "派驻中" in page.locator("[data-testid=wartime-teams]").inner_text()
    screenshot(page, "wartime-team-sent")
    # 吴国强 leads the team out: his standby for 执法应急局 goes to 苏建明 (值班备勤调换), on the board too
    swap = page.locator("[data-testid=standby-swap-form]")
    swap.locator("select[name=person_out]").select_option(label="执法应急局 吴国强")
    swap.locator("select[name=person_in]").select_option(label="执法应急局 苏建明")
    swap.locator("input[name=reason]").fill("吴国强带队派驻，备勤由苏建明接替")
    swap.locator("button").click()
    page.wait_for_selector(".alert:has-text('值班备勤已调换')")
    standby = page.locator("[data-testid=wartime-standby]").inner_text()
    assert "苏建明" in standby and "吴国强" not in standby and "调换" in standby
    assert "值班备勤调换" in page.locator("[data-testid=wartime-timeline]").inner_text()
    click_nav(page, "dispatch:board")
    board = page.locator("[data-testid=board-wartime]").inner_text()
    assert "执法应急局 苏建明" in board and "吴国强" not in board
    screenshot(page, "wartime-standby-swapped")
    logout(page)

    login("grid_yt2")
    assert "战时" in page.content()
    logout(page)

    login("commander")
    click_nav(page, "dispatch:mode")
    page.fill("[data-testid=end-form] #id_reason", "台风预警解除")
    page.click("[data-testid=end-form] button")
    page.wait_for_selector("[data-testid=wartime-status]:has-text('平时')")
    page.click("[data-testid=wartime-episodes] a")
    page.wait_for_selector("[data-testid=wartime-timeline]")
    timeline = page.locator("[data-testid=wartime-timeline]").inner_text()
    for step in ("启动战时响应", "通知", "领导轮值开始", "值班备勤开始", "安排首次战时会商", "启用责任网格",
                 "提级管理", "派驻支援工作队", "值班备勤调换", "支援工作队撤回", "责任网格停用", "结束战时响应"):
        assert step in timeline, step
    assert "已撤回" in page.locator("[data-testid=wartime-teams]").inner_text()
    assert "已停用" in page.locator("[data-testid=wartime-micro-grids]").inner_text()
    screenshot(page, "wartime-ended")
    episode = WartimeEpisode.objects.get()
    assert episode.ended_at is not None and TeamDeployment.objects.get().released_at is not None
    assert list(CaseEvent.objects.filter(case=case, type__in=[
        "case.wartime_raised", "case.team_sent", "case.team_released"]).order_by("pk").values_list(
        "type", flat=True)) == ["case.wartime_raised", "case.team_sent", "case.team_released"]
