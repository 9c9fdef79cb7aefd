"""Duty and level in the browser (issue 20 items 2-3), on the demo: an off-duty duty director
(`director_ga`) reads the board with greyed buttons and the reason in Chinese; the commander opens the
duty director's rights to him and he dispatches; the town sub-center (`town_ly`) runs its own
consultations; the village station (`station_sp`) is told why it runs no command work."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from dispatch.models import ActingGrant
from governance.models import Center, Grid
from intake.choices import Channel, PartyRole
from intake.models import Case, Category
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def waiting_matter() -> Case:
    clerk = User.objects.get(username="clerk")
    case = case_register(actor=clerk, center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.PHONE, category=Category.objects.get(code="JF10"), title="上浦村工地欠薪（值班测试）",
        description="工人反映工地拖欠工资。",
        parties=[PartyInput(name="王建国", phone="13905958888", role=PartyRole.APPLICANT)],
        grid=Grid.objects.get(code="350521104203001")))
    case_send_to_dispatch(actor=clerk, case=case)
    return case


def logout(page) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")


def test_an_off_duty_director_reads_until_the_commander_opens_the_rights(page, login):
    call_command("seed_demo", verbosity=0)
    case = waiting_matter()
    login("director_ga")
    click_nav(page, "dispatch:board")
    reason = page.locator("[data-testid=read-only-reason]")
    assert "您现在不在值班，只能查看" in reason.inner_text() and "郑国平" in reason.inner_text()
    assert "郑国平" in page.locator("[data-testid=on-duty-director]").inner_text()
    button = page.locator(f"tr[data-case='{case.pk}'] [data-testid=dispatch-disabled]")
    assert button.is_disabled() and "不在值班" in (button.get_attribute("title") or "")
    assert page.locator("[data-testid=summons-disabled] button").is_disabled()
    screenshot(page, "board-off-duty-director")
    logout(page)

    login("commander")
    click_nav(page, "dispatch:board")
    page.click("[data-testid=acting-grant-form] summary")
    page.select_option("#id_user", label="庄少华")
    page.fill("#id_reason", "值班主任郑国平生病，由庄少华代行")
    page.click("[data-testid=acting-grant-form] button:has-text('授权')")
    page.wait_for_selector("[data-testid=acting-grant]")
    assert ActingGrant.objects.get().reason == "值班主任郑国平生病，由庄少华代行"
    logout(page)

    login("director_ga")
    click_nav(page, "dispatch:board")
    assert "值班主任郑国平生病" in page.locator("[data-testid=acting-grants]").inner_text()
    assert page.locator("[data-testid=read-only-reason]").count() == 0
    form = page.locator(f"tr[data-case='{case.pk}'] [data-testid=dispatch-form]")
    form.locator("select[name=lead_department]").select_option(label="劳动保障维权服务中心")
    form.locator("button").click()
    page.wait_for_selector(".alert:has-text('已派单')")
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_the_town_runs_its_own_meetings_and_the_village_is_told_why_not(page, login):
    call_command("seed_demo", verbosity=0)
    login("town_ly")
    page.goto(f"{page.base_url}/command/consultations/")
    kinds = page.locator("select[name=kind]").inner_text()
    assert "镇综治中心每周工作例会" in kinds and "调度中心双周研判会商" not in kinds
    assert "调度中心双周研判会商（演示）" not in page.content()  # the district's meeting
    page.goto(f"{page.base_url}/command/radar/")
    assert "阳光社区" not in page.content()  # the district's night-market signal (东园镇) is not 洛阳镇's
    logout(page)
    login("station_sp")
    page.goto(f"{page.base_url}/command/radar/")
    assert "不开展风险研判" in page.locator("[data-testid=refusal-reason]").inner_text()
    screenshot(page, "radar-village-station")
