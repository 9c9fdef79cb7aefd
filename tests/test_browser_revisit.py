"""The revisit as 12345 centers run it, in Chromium (issue 22 item 4): the first receiver (`clerk`) calls
twice without reaching the applicant, on two different days (the clock travels), is told 无法联系 needs a
third day, then reaches her and records the answers; the commander confirms a 不参评 (诉求不合理) that the
demo's clerk put to him, from his notification."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from dispatch import services as svc
from dispatch.models import RevisitAttempt, RevisitExclusion
from governance.models import Center, Department, Grid
from intake.choices import Channel
from intake.models import Case, Category
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def user(name: str) -> User:
    return User.objects.get(username=name)


def verified_matter() -> Case:
    """A wage matter registered by `clerk`, answered by 劳动保障维权服务中心 and verified on site (the other
    roles' steps, through the services)."""
    case = case_register(actor=user("clerk"), center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=Category.objects.get(name="劳动争议"), title="上浦村工地拖欠木工工资",
        description="木工反映工地拖欠两个月工资。", parties=[PartyInput(name="许阿妹", phone="13905958877")],
        grid=Grid.objects.get(code="350521104203001")))
    case_send_to_dispatch(actor=user("clerk"), case=case)
    case.refresh_from_db()
    (assignment,) = svc.case_dispatch(actor=user("dispatcher"), case=case, mode="transfer",
                                      lead_department=Department.objects.get(short_code="LDWQ"))
    svc.assignment_acknowledge(actor=user("liaison"), assignment=assignment)
    svc.assignment_report_back(actor=user("liaison"), assignment=assignment, text="已督促用工方全额支付")
    case.refresh_from_db()
    svc.case_verify(actor=user("grid"), case=case, passed=True, notes="现场核实已支付")
    case.refresh_from_db()
    return case


def local_day(days: int, hour: int) -> dt.datetime:
    today = timezone.localtime()
    return (today + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def test_two_failed_attempts_on_different_days_then_the_answer(page, login):
    call_command("seed_demo", verbosity=0)
    case = verified_matter()
    work_url = f"{page.base_url}/dispatch/work/cases/{case.pk}/"
    first, second, answered = local_day(1, 10), local_day(2, 15), local_day(2, 16)
    with time_machine.travel(first, tick=True):
        login("clerk")
        page.goto(work_url)
        page.select_option("#attempt-method", "phone")
        page.fill("#attempt-notes", "无人接听")
        page.click("button:has-text('记录未联系上')")
        page.wait_for_selector("text=已记录本次回访未联系上")
        assert page.locator("[data-testid=revisit-attempt]").count() == 1
    with time_machine.travel(second, tick=True):
        page.goto(work_url)
        assert "本轮已 1 次未联系上，分布在 1 个日期" in page.inner_text("[data-testid=attempts-so-far]")
        page.select_option("#attempt-method", "sms")
        page.fill("#attempt-notes", "短信未回复")
        page.click("button:has-text('记录未联系上')")
        page.wait_for_selector("text=已记录本次回访未联系上")
        assert "本轮已 2 次未联系上，分布在 2 个日期" in page.inner_text("[data-testid=attempts-so-far]")
        # 无法联系 needs the year's three different days: refused, in Chinese, nothing recorded
        page.select_option("#revisit-outcome", "unreachable")
        page.click("button:has-text('记录回访')")
        page.wait_for_selector(".alert-danger:has-text('须在 3 个不同日期各回访一次未联系上')")
        assert Case.objects.get(pk=case.pk).status == "verified"
    with time_machine.travel(answered, tick=True):
        page.select_option("#revisit-method", "phone")
        page.select_option("#revisit-outcome", "answered")
        page.select_option("#revisit-resolved", "yes")
        page.select_option("#revisit-satisfaction", "satisfied")
        page.fill("#revisit-notes", "第三次来电接通，工资已全额到账")
        page.click("button:has-text('记录回访')")
        page.wait_for_selector("[data-testid=case-status]:has-text('已回访')")
        screenshot(page, "revisit-two-attempts-then-answered")
        attempts = list(RevisitAttempt.objects.filter(case=case).order_by("attempted_at"))
        assert [(a.method, timezone.localtime(a.attempted_at).date()) for a in attempts] == [
            ("phone", first.date()), ("sms", second.date())]
        revisit = case.revisits.get()
        assert (revisit.method, revisit.outcome, revisit.resolved, revisit.satisfaction) == (
            "phone", "answered", "yes", "satisfied")
        events = [e.get_attribute("data-event") for e in page.query_selector_all("[data-testid=timeline] li")]
        assert events[-3:] == ["case.revisit_attempted", "case.revisit_attempted", "case.revisited"]


def test_the_commander_confirms_a_not_assessed_matter_from_his_notification(page, login):
    call_command("seed_demo", verbosity=0)
    pending = RevisitExclusion.objects.get(status="pending")
    login("commander")
    click_nav(page, "dispatch:notifications")
    page.click(f"[data-testid=notification-list] button:has-text('{pending.case.code}')")
    page.wait_for_selector("[data-testid=decide-exclusion-form]")
    assert "工资已补发，另要求精神损失赔偿十万元" in page.inner_text("[data-testid=decide-exclusion-form]")
    page.fill("#decide-note", "经复核，精神损失赔偿不属劳动争议处理范围")
    page.click("button:has-text('确认不参评')")
    page.wait_for_selector("[data-testid=exclusions]:has-text('不参评')")
    screenshot(page, "revisit-commander-confirms-not-assessed")
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by.username) == ("confirmed", "commander")
    assert page.locator("[data-testid=decide-exclusion-form]").count() == 0
