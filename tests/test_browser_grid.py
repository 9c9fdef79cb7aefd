"""The grid worker on her phone (390 px): SCENARIOS story 6 — patrol, collection, a report made
offline and sent once, the village escalates to the town, the town dispatches, its office reports
back, the same worker verifies on site, the seven steps show — and stories 1 and 2 from the grid
worker's side (verify the wage-arrears matter; report the road block that the duty director
summons on)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import OperationalError

from dispatch.models import Assignment
from dispatch.services import assignment_acknowledge, assignment_report_back, case_dispatch
from governance.models import Center, Department, Grid
from grid.models import CollectedItemChange, GridReport, Patrol
from intake.choices import Channel, PartyRole
from intake.models import Attachment, Case
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import category
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
PHONE = {"width": 390, "height": 844}


def photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": PNG}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=nav]", state="attached")  # collapsed behind the toggler on a phone


def wait_for(condition, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except OperationalError as error:  # SQLite's shared in-memory test database: the server is writing
            if "locked" not in str(error):
                raise
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


def pick_category(page, name: str) -> None:
    """The report's category, with the window's type-ahead (grouped by parent on the phone)."""
    page.fill("#category-search", name)
    page.locator("#category-options [role=option]", has_text=name).first.click()
    assert page.input_value("#id_category")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_story_6_a_patrol_in_shangpu_closes_the_seven_step_loop(phone, page):
    call_command("seed_demo", verbosity=0)
    worker = User.objects.get(username="grid")

    # 08:40 何雅琴 starts her patrol on the phone.
    sign_in(phone, "grid")
    phone.goto(f"{phone.base_url}/grid/")
    phone.fill("[data-grid='350521104203001'] input[name=route_notes]", "村委会—旧粮仓")
    phone.click("[data-grid='350521104203001'] [data-action=start-patrol]")
    phone.wait_for_selector("[data-patrol]")
    assert no_horizontal_scroll(phone)
    patrol = Patrol.objects.get(worker=worker, status="on_patrol")

    # Collection: she updates the two households behind the granary.
    for name, residents in (("王秀兰户", "4"), ("王德福户", "6")):
        phone.goto(f"{phone.base_url}/grid/grids/{patrol.grid_id}/ledger/")
        phone.click(f"text={name}")
        phone.fill("#id_residents", residents)
        phone.fill("#id_details", "房后挡土墙开裂")
        phone.click("button:has-text('保存修改')")
        phone.wait_for_selector("text=已更新")
    assert CollectedItemChange.objects.filter(patrol=patrol).count() == 2

    # 08:55 Behind the old granary the signal drops: she reports with two photos.
    phone.goto(f"{phone.base_url}/grid/report/")
    pick_category(phone, "隐患线索")
    phone.fill("#id_title", "旧粮仓后挡土墙开裂")
    phone.fill("#id_description", "旧粮仓后挡土墙开裂，威胁下方两户。")
    phone.fill("#id_address", "上浦村旧粮仓后")
    phone.select_option("#id_risk_level", "medium")
    phone.set_input_files("#id_photos", [photo("wall-1.png"), photo("wall-2.png")])
    screenshot(phone, "grid-report-phone")
    phone.context.set_offline(True)
    phone.click("[data-action=submit-report]")
    phone.wait_for_selector("[data-offline-status]:not(.d-none)")
    assert "保存在手机上" in phone.inner_text("[data-offline-status]")
    mine = GridReport.objects.filter(patrol=patrol)
    assert not mine.exists()
    # 09:02 The network returns: the phone sends it, once (even if it tries twice).
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online')); window.dispatchEvent(new Event('online'))")
    wait_for(lambda: mine.exists())
    phone.wait_for_selector("[data-offline-status].d-none", state="attached")
    time.sleep(1)
    assert mine.count() == 1 and Case.objects.filter(title="旧粮仓后挡土墙开裂").count() == 1
    report = mine.select_related("case").get()
    case = report.case
    assert report.patrol == patrol and case.channel == Channel.GRID_REPORT
    assert case.center.code == "350521104203" and Attachment.objects.filter(case=case).count() == 2

    phone.goto(f"{phone.base_url}/grid/")
    phone.fill("#id_route_notes", "发现挡土墙开裂，已上报")
    phone.set_input_files("#id_photos", [photo("route.png")])
    phone.click("[data-action=finish-patrol]")
    phone.wait_for_selector("text=巡查已结束")
    patrol.refresh_from_db()
    assert patrol.status == "finished" and patrol.photos.count() == 1
    # Her patrol's page, from "my recent patrols": its photo, served through the checked view.
    phone.click(f"[data-testid=my-patrols] a[href='/grid/patrols/{patrol.pk}/']")
    src = phone.get_attribute("[data-testid=patrol-photos] img", "src")
    assert src == f"/grid/patrols/photos/{patrol.photos.get().pk}/"
    assert phone.request.get(f"{phone.base_url}{src}").status == 200
    assert no_horizontal_scroll(phone)

    # 09:05 The 上浦村 station sees it in its queue and escalates it to the 洛阳镇 sub-center.
    sign_in(page, "station_sp")
    click_nav(page, "grid:station")
    card = page.wait_for_selector(f"[data-station-case='{case.code}']")
    card.query_selector("input[name=reason]").fill("需工程加固，超出村级处置能力")
    card.query_selector("[data-action=escalate]").click()
    page.wait_for_selector("text=已上提到洛阳镇综治中心")

    # The town dispatches it to its planning office.
    sign_in(page, "town_ly")
    click_nav(page, "dispatch:board")
    row = page.wait_for_selector(f"[data-testid=pending] tr:has-text('{case.code}')")
    form = row.query_selector("[data-testid=dispatch-form]")
    form.query_selector("select[name=mode]").select_option("transfer")
    form.query_selector("select[name=lead_department]").select_option(label="洛阳镇规划建设办")
    form.query_selector("input[name=instructions]").fill("请三日内加固")
    form.query_selector("button").click()
    page.wait_for_selector(f"[data-testid=assignments] tr:has-text('{case.code}')")

    # Day 3: the office acknowledges and reports back.
    sign_in(page, "liaison_lygh")
    click_nav(page, "dispatch:work-inbox")
    page.wait_for_selector(f"[data-testid=inbox] tr:has-text('{case.code}')").query_selector(
        "[data-testid=acknowledge]").click()
    assignment = Assignment.objects.get(case=case)
    page.goto(f"{page.base_url}/dispatch/work/assignments/{assignment.pk}/")
    page.fill("form[action$='report_back/'] textarea[name=text]", "挡土墙已用钢筋混凝土加固")
    page.click("form[action$='report_back/'] button")
    wait_for(lambda: Case.objects.get(pk=case.pk).status == "reported")

    # Day 3 afternoon: the same worker verifies on site with a photo from the same spot.
    phone.goto(f"{phone.base_url}/grid/tasks/")
    phone.click(f"[data-task='{case.code}']")
    assert "上浦村旧粮仓后" in phone.inner_text("[data-address]")
    assert "钢筋混凝土加固" in phone.inner_text("main")
    phone.fill("#id_notes", "同一位置拍照，加固完成")
    phone.set_input_files("#id_photos", [photo("same-spot.png")])
    assert no_horizontal_scroll(phone)
    screenshot(phone, "grid-verify-phone")
    phone.click("[data-action=verify-pass]")
    phone.wait_for_selector("text=核查结果已记录")
    case.refresh_from_db()
    assert case.status == "verified"

    # Supervision: the town's check (the revisit), then the seven steps on the matter.
    page.goto(f"{page.base_url}/accounts/login/")
    sign_in(page, "town_ly")
    page.goto(f"{page.base_url}/dispatch/work/cases/{case.pk}/")
    page.click("[data-testid=revisit-form] button")
    page.wait_for_selector("text=已记录回访")
    steps = page.query_selector_all("[data-loop-steps] [data-step]")
    assert [s.get_attribute("data-step") for s in steps] == [
        "patrol", "collection", "discovery", "assignment", "handling", "verification", "supervision"]
    assert all(s.get_attribute("data-done") == "1" for s in steps)
    text = page.inner_text("[data-loop-steps]")
    assert "何雅琴" in text and "庄国栋" in text and "李春燕" in text
    screenshot(page, "grid-seven-steps")


def _reported_wage_matter() -> Case:
    clerk = User.objects.get(username="clerk")
    case = case_register(actor=clerk, center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF10"), title="上浦村工地十二名工人被拖欠工资", description="拖欠三个月工资",
        address="洛阳镇上浦村工地", grid=Grid.objects.get(code="350521104203001"),
        parties=[PartyInput(name="王建国", phone="13905958888", role=PartyRole.APPLICANT, is_spokesman=True)],
        is_group=True, group_size=12))
    case_send_to_dispatch(actor=clerk, case=case)
    [a] = case_dispatch(actor=User.objects.get(username="director"), case=case, mode="transfer",
                        lead_department=Department.objects.get(short_code="LDWQ"))
    liaison = User.objects.get(username="liaison")
    assignment_acknowledge(actor=liaison, assignment=a)
    assignment_report_back(actor=liaison, assignment=a, text="承包方已支付六成，余款签订还款计划")
    return case


def test_grid_workers_verify_story_1_and_report_story_2(phone, page):
    call_command("seed_demo", verbosity=0)
    case = _reported_wage_matter()

    # Story 1, day 6: the 上浦村 grid worker verifies on site from the phone.
    sign_in(phone, "grid")
    phone.goto(f"{phone.base_url}/grid/tasks/")
    phone.click(f"[data-task='{case.code}']")
    body = phone.inner_text("main")
    assert "王建国" in body and "13905958888" in body and "还款计划" in body
    phone.fill("#id_notes", "现场核实，工人确认已收到六成")
    phone.click("[data-action=verify-pass]")
    phone.wait_for_selector("text=核查结果已记录")
    case.refresh_from_db()
    assert case.status == "verified"

    # Story 2, 14:20: the 玉田村 grid worker reports the road block (grid report, high, urgent).
    sign_in(phone, "grid_yt")
    phone.goto(f"{phone.base_url}/grid/report/")
    pick_category(phone, "征地拆迁")
    phone.fill("#id_title", "约30名村民堵塞征地地块进场道路")
    phone.fill("#id_description", "约30名村民因征地补偿问题堵塞地块进场道路。")
    phone.fill("#id_address", "张坂镇玉田村征地地块进场道路")
    phone.select_option("#id_urgency", "urgent")
    phone.select_option("#id_risk_level", "high")
    phone.fill("#id_group_size", "30")
    phone.click("[data-action=submit-report]")
    phone.wait_for_selector("text=已上报")
    road = GridReport.objects.select_related("case").get(grid__code="350521106207001").case
    assert (road.channel, road.risk_level, road.urgency, road.group_size) == ("grid_report", "high", "urgent", 30)

    # 14:22 The duty director sees it on the board and requests a summons on it.
    sign_in(page, "director")
    click_nav(page, "dispatch:board")
    page.wait_for_selector(f"[data-testid=pending] tr:has-text('{road.code}')")
    page.click("summary:has-text('申请召集部门')")
    page.fill("#summons-reason-board", "村民堵路，请公安、资规建交局、张坂镇到中心报到")
    page.fill("#summons-case-board", road.code)
    for name in ["公安分局", "资规建交局", "张坂镇人民政府"]:
        page.check(f"[data-testid=summons-form]:has(#summons-reason-board) label:text-is('{name}')")
    page.click("[data-testid=summons-form]:has(#summons-reason-board) [data-testid=summons-submit]")
    page.wait_for_selector("text=召集")
    assert road.summonses.count() == 1
