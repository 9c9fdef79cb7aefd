"""SCENARIOS story 7 in a real browser: a 噪音 surge in 东园镇阳光社区 that nobody linked by hand.
The duty director opens the radar, turns the surge into a 风险预警函 to 东园镇 with a five-working-day
answer and prints it; the surge goes on the next biweekly consultation, whose decision becomes an
action item for the town, followed to done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from command.models import ActionItem, WarningLetter
from governance.models import Center, Department, Grid
from intake.models import Category
from intake.tests.factories import CaseFactory
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _plant_the_surge() -> None:
    """One 噪音 matter a week for eight weeks, then nine in the last five days, in 阳光社区."""
    district = Center.objects.get(code="QZTS")
    village = Grid.objects.get(name="阳光社区", level="village")
    units = list(village.children.filter(level="unit").order_by("code"))
    noise = Category.objects.create(code="RX31", name="噪音", parent=Category.objects.get(code="RX"))
    clerk = User.objects.get(username="clerk")
    now = timezone.now()
    moments = [now - dt.timedelta(weeks=k, hours=1) for k in range(1, 9)]
    moments += [now - dt.timedelta(hours=1 + 13 * i) for i in range(9)]
    for i, at in enumerate(moments):
        CaseFactory(district=district, center=district, category=noise, grid=units[i % len(units)],
                    town=village.town, registered_at=at, first_receiver=clerk, year=at.year,
                    title=f"阳光社区夜市噪音扰民（{i + 1}）", address=f"阳光社区夜市 {i % 3 + 1} 号摊位附近")


def test_story_7_surge_to_letter_to_consultation_to_done(page, login):
    call_command("seed_demo", verbosity=0)
    _plant_the_surge()
    page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")

    # The director schedules the next biweekly consultation, inviting the town's liaison.
    login("director")
    click_nav(page, "command:consultations")
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    page.select_option("#id_kind", "dispatch_biweekly")
    page.fill("#id_title", "调度中心双周研判会商")
    page.fill("#id_scheduled_at", tomorrow.strftime("%Y-%m-%dT15:00"))
    page.fill("#id_place", "指挥中心会商室")
    page.select_option("#id_chair", str(User.objects.get(username="commander").pk))
    page.select_option("#id_invitees", [str(User.objects.get(username="liaison_dyz").pk)])
    page.click("[data-testid=schedule]")
    page.wait_for_selector("[data-testid=consultation-status]")

    # The radar: run now, the surge is there with its nine matters and the baseline.
    click_nav(page, "command:radar")
    page.click("[data-testid=radar-run]")
    signal = page.wait_for_selector("[data-testid=signal-list] a:has-text('“噪音”激增：阳光社区')")
    assert "9 件，过去 8 周同期平均 1.0 件" in signal.inner_text()
    screenshot(page, "radar-director")
    signal.click()
    assert page.locator("[data-testid=signal-cases] tbody tr").count() == 9

    # On the agenda of the consultation, then into a 风险预警函 to 东园镇 with five working days.
    page.click("[data-testid=to-agenda]")
    page.wait_for_selector(".alert-success")
    page.click("[data-testid=to-letter]")
    assert page.input_value("#id_kind") == "risk_warning"
    town = Department.objects.get(short_code="DYZ")
    assert page.input_value("#id_department") == str(town.pk)
    page.fill("#id_answer_limit_working_days", "5")
    year = timezone.localdate().year
    earlier = set(WarningLetter.objects.values_list("pk", flat=True))  # the demo's ladder letters
    warnings_this_year = WarningLetter.objects.filter(kind="risk_warning", year=year, center__code="QZTS").count()
    page.click("[data-testid=issue-letter]")
    number = page.wait_for_selector("[data-testid=letter-number]").inner_text()
    letter = WarningLetter.objects.exclude(pk__in=earlier).get()
    assert number == f"〔{year}〕预警{warnings_this_year + 1}号" == letter.reference
    assert letter.department == town and letter.answer_limit_working_days == 5
    page.click("[data-testid=print]")
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert not page.is_visible("[data-testid=nav]") and page.is_visible("[data-testid=official-letter]")
    screenshot(page, "letter-print")
    page.emulate_media(media="screen")

    # The consultation: minutes, the decision becomes the town's action item.
    page.goto(f"{page.base_url}/command/consultations/{letter.signal.agenda_items.get().consultation_id}/")
    assert "“噪音”激增：阳光社区" in page.inner_text("[data-testid=agenda]")
    page.fill("#id_minutes", "研究阳光社区夜市噪音问题，东园镇牵头整治。")
    page.click("[data-testid=record]")
    page.wait_for_selector("[data-testid=minutes]")
    page.fill("#id_text", "夜市闭市时间调整到 22:00")
    page.select_option("#id_owner_department", str(town.pk))
    page.fill("#id_due_at", (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT17:00"))
    page.select_option("#id_agenda_item", index=1)
    page.click("[data-testid=decide]")
    assert page.inner_text("[data-testid=decisions] [data-testid=action-status]") == "落实中"
    screenshot(page, "consultation-decided")

    # The town's liaison sees it in the queue and reports it done.
    page.context.clear_cookies()
    login("liaison_dyz")
    click_nav(page, "command:actions")
    item = page.wait_for_selector("[data-testid=my-actions] .list-group-item:has-text('夜市闭市时间调整到 22:00')")
    page.set_viewport_size({"width": 390, "height": 844})  # the liaison's phone
    screenshot(page, "actions-liaison-phone")
    item.query_selector("input[name=result]").fill("已与经营方约定，自本周起 22:00 闭市。")
    item.query_selector("[data-testid=action-done]").click()
    page.wait_for_selector("text=没有待落实的会商决定。")
    ours = ActionItem.objects.get(decision__text="夜市闭市时间调整到 22:00")  # the demo has its own item too
    assert ours.status == "done"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.context.clear_cookies()
    login("director")
    page.goto(f"{page.base_url}/command/consultations/{ours.decision.consultation_id}/")
    assert page.inner_text("[data-testid=decisions] [data-testid=action-status]") == "已落实"
