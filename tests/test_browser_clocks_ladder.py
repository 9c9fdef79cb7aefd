"""Issue 22's acceptance in Chromium: one working day with a shortened clock, each step by its role.

The demo is built at 07:30 of the next working day (so 执法应急局's `director` is on duty that week) and
the clock travels through the day (time_machine); the deadline engine's due steps run by calling the
sweep at the minute they fall due, as beat would. The center's shortened clocks are what its
administrator sets: a two-working-hour limit for wage matters sent to a department, and the year's
ladder (考核办法) in minutes after the deadline. The day:

- 08:40 the clerk (`clerk`) registers a walk-in matter and does not send it on: at 09:10 (the mode's
  移送 limit) she and the duty director are reminded, at 09:40 the commander is told;
- 09:05 the duty director (`director`) dispatches another matter to 劳动保障维权服务中心 from the board;
- 09:15 its liaison (`liaison`) acknowledges, naming 吴秀梅 (`handler`) as 承办人;
- 11:05 it goes overdue and climbs: 催办, 督办通知; at 11:40 the commander (`commander`) sees the rungs and
  goes up to 风险预警函 with a reason (工作提示函 skipped); 通报批评 and 移交区效能办 follow on the engine;
- 14:40 the 区效能办 (`xiaoneng`) answers the referral for the department and the named staff;
- the department reports back and the grid worker verifies (through the services); the clerk's revisit
  records two calls that reached nobody, then the answer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from dispatch import services as svc
from dispatch.choices import LimitUnit
from dispatch.models import Assignment, DeadlinePolicy, Notification
from dispatch.selectors.clocks import SEND_ON, clock_minutes
from governance.models import Center, Department, Grid
from governance.workcal import WorkingCalendar
from intake.choices import Channel, HandlingMode
from intake.models import Case, CaseEvent, Category
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from review.choices import RUNG_ORDER, Rung
from review.models import AccountabilityRung, AssessmentScheme, EfficiencyReferral
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The year's ladder, minutes after the deadline (RUNG_ORDER): the shortened clock of this day.
LADDER_MINUTES = (15, 30, 60, 90, 120, 150)
HANDLE_WORKING_HOURS = 2


def user(name: str) -> User:
    return User.objects.get(username=name)


def the_day() -> dt.date:
    """The next working day (the national calendar: the demo's own days are not built yet)."""
    return WorkingCalendar().next_working_day(timezone.localdate())


def sweep(when: dt.datetime) -> None:
    """Beat's sweep at `when`, twice: the steps the first adds (the ladder's, at the overdue mark) may be due."""
    with time_machine.travel(when, tick=False):
        svc.deadline_sweep(now=when)
        svc.deadline_sweep(now=when)


def logout(page) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")


def notification_titles(page) -> str:
    click_nav(page, "dispatch:notifications")
    return page.inner_text("[data-testid=notification-list]")


def shorten_the_clocks(center: Center, year: int, category: Category) -> None:
    """What the center's administrator enters for the drill: the year's ladder in minutes, and two
    working hours to handle a wage matter sent to one department."""
    offsets = dict(zip(("ladder_reminder_after", "ladder_notice_after", "ladder_work_letter_after",
                        "ladder_warning_letter_after", "ladder_criticism_after", "ladder_referral_after"),
                       (Decimal(m) for m in LADDER_MINUTES), strict=True))
    AssessmentScheme.objects.update_or_create(center=center, year=year,
                                              defaults={"ladder_unit": LimitUnit.CALENDAR_MINUTES, **offsets})
    DeadlinePolicy.objects.create(center=center, name="演练：劳动争议转办 2 工作小时", category=category,
                                  handling_mode=HandlingMode.TRANSFER,
                                  ack_amount=30, ack_unit=LimitUnit.CALENDAR_MINUTES,
                                  handle_amount=HANDLE_WORKING_HOURS, handle_unit=LimitUnit.WORKING_HOURS)


def test_one_working_day_of_clocks_and_the_ladder_played_by_each_role(page, login):
    day = the_day()
    tz = timezone.get_current_timezone()

    def at(hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)

    with time_machine.travel(at(7, 30), tick=True):
        call_command("seed_demo", verbosity=0)
    center = Center.objects.get(code="QZTS")
    wage = Category.objects.get(name="劳动争议")
    shorten_the_clocks(center, day.year, wage)
    labour = Department.objects.get(short_code="LDWQ")

    # 08:40 the clerk registers a walk-in matter at the window, and leaves it there.
    with time_machine.travel(at(8, 40), tick=True):
        login("clerk")
        click_nav(page, "intake:window")
        page.wait_for_selector("#register-form")
        page.fill("#category-search", "ld")
        page.wait_for_selector("#category-options:not(.d-none)")
        page.press("#category-search", "Enter")
        page.fill("#id_title", "后龙村砖厂拖欠装卸工工资")
        page.fill("#id_description", "装卸工反映砖厂拖欠一个月工资。")
        page.fill("#id_applicant_name", "郭永福")
        page.fill("#id_applicant_phone", "13905957711")
        page.click("button:has-text('保存并打印回执')")
        waiting = Case.objects.get(code=page.wait_for_selector("[data-testid=case-code]").inner_text().strip())
        registered = waiting.registered_at
        assert waiting.status == "registered" and waiting.first_receiver.username == "clerk"
        logout(page)
    send_on = dt.timedelta(minutes=clock_minutes(center=center)[SEND_ON])

    # 08:50 another matter, registered and sent on by the clerk (the window's steps, through the services).
    with time_machine.travel(at(8, 50), tick=True):
        sent = case_register(actor=user("clerk"), center=center, matter=MatterInput(
            channel=Channel.WALK_IN, category=wage, title="上浦村工地拖欠钢筋工工资", description="钢筋工反映工地拖欠两个月工资。",
            parties=[PartyInput(name="许阿妹", phone="13905958877")],
            grid=Grid.objects.get(code="350521104203001")))
        case_send_to_dispatch(actor=user("clerk"), case=sent)

    # 09:05 the duty director dispatches it from the board to 劳动保障维权服务中心 alone.
    with time_machine.travel(at(9, 5), tick=True):
        login("director")
        click_nav(page, "dispatch:board")
        row = page.wait_for_selector(f"[data-testid=pending] tr:has-text('{sent.code}')")
        form = row.query_selector("[data-testid=dispatch-form]")
        form.query_selector("select[name=mode]").select_option(HandlingMode.TRANSFER)
        form.query_selector("select[name=lead_department]").select_option(str(labour.pk))
        form.query_selector("select[name=co_departments]").select_option([])
        form.query_selector("input[name=instructions]").fill("请劳动保障维权服务中心核实欠薪并督促支付。")
        form.query_selector("button").click()
        page.wait_for_selector(f"[data-testid=assignments] tr:has-text('{sent.code}')")
        assignment = Assignment.objects.get(case=sent)
        assert assignment.department == labour and assignment.mode == HandlingMode.TRANSFER
        due = assignment.due_at
        assert due == WorkingCalendar(center=center).add_working_hours(assignment.assigned_at, HANDLE_WORKING_HOURS)
        logout(page)

    # The 移送 limit passes: the first receiver and the duty director are reminded.
    sweep(registered + send_on + dt.timedelta(minutes=1))

    # 09:15 the liaison acknowledges on the assignment's page, naming 吴秀梅 as 承办人.
    with time_machine.travel(at(9, 15), tick=True):
        login("liaison")
        click_nav(page, "dispatch:work-inbox")
        page.click(f"[data-testid=inbox] a:has-text('{sent.code}')")
        page.select_option("[data-testid=ack-handler]", str(user("handler").pk))
        page.click("[data-testid=acknowledge]")
        page.wait_for_selector("[data-testid=acknowledge]", state="detached")
        assignment.refresh_from_db()
        assert assignment.status == "acknowledged" and assignment.handler.username == "handler"
        logout(page)

    # 09:20 the clerk and the duty director find the reminder about the matter still at the window.
    with time_machine.travel(at(9, 20), tick=True):
        for name in ("clerk", "director"):
            login(name)
            assert f"登记后未及时移送：{waiting.code}" in notification_titles(page), name
            logout(page)
    # Another limit later nobody has sent it on: the commander is told (once).
    sweep(registered + 2 * send_on + dt.timedelta(minutes=1))

    # The assignment's deadline passes: overdue, then 催办 and 督办通知 at the year's minutes.
    sweep(due + dt.timedelta(minutes=1))
    sweep(due + dt.timedelta(minutes=LADDER_MINUTES[0] + 1))
    sweep(due + dt.timedelta(minutes=LADDER_MINUTES[1] + 1))
    assert list(AccountabilityRung.objects.filter(assignment=assignment).order_by("level")
                .values_list("rung", flat=True)) == [Rung.REMINDER, Rung.SUPERVISION_NOTICE]

    # The commander: told of the matter not sent on; on the overdue matter's page he sees the rungs and
    # goes up to 风险预警函 with a reason, skipping 工作提示函.
    with time_machine.travel(due + dt.timedelta(minutes=LADDER_MINUTES[1] + 5), tick=True):
        login("commander")
        assert f"登记后未及时移送，请指挥长督办：{waiting.code}" in notification_titles(page)
        page.goto(f"{page.base_url}/intake/cases/{sent.code}/")
        ladder = page.wait_for_selector("[data-testid=case-ladder]")
        states = {rung.get_attribute("data-rung"): rung.inner_text() for rung in
                  ladder.query_selector_all("[data-testid=ladder-rung]")}
        assert "已发出" in states[Rung.REMINDER] and "已发出" in states[Rung.SUPERVISION_NOTICE]
        letter_due = timezone.localtime(due + dt.timedelta(minutes=LADDER_MINUTES[2]))
        assert f"应于 {letter_due:%Y-%m-%d %H:%M} 发出" in states[Rung.WORK_LETTER]
        escalate = page.locator("[data-testid=ladder-escalate]")
        escalate.locator("select[name=rung]").select_option(Rung.WARNING_LETTER)
        escalate.locator("input[name=reason]").fill("申请人三次来电，部门仍未答复，直接发风险预警函")
        escalate.locator("button:has-text('越级升级')").click()
        page.wait_for_selector("text=已越级升级问责")
        states = {rung.get_attribute("data-rung"): rung.inner_text() for rung in
                  page.query_selector_all("[data-testid=ladder-rung]")}
        assert "越级跳过" in states[Rung.WORK_LETTER] and "直接发风险预警函" in states[Rung.WORK_LETTER]
        assert "已发出" in states[Rung.WARNING_LETTER]
        # The timeline names each rung (and the letter's number), the skip with its reason.
        rungs_on_timeline = [line.removeprefix("问责环节：").split()[0]
                             for line in page.locator("[data-testid=timeline-rung]").all_inner_texts()]
        assert rungs_on_timeline == ["催办", "督办通知", "工作提示函", "风险预警函"]
        screenshot(page, "ladder-commander-skips")
        logout(page)

    # The engine goes on from there: nothing again at the skipped and the issued times; then 通报批评 and
    # the referral to the 区效能办.
    for minutes in LADDER_MINUTES[2:]:
        sweep(due + dt.timedelta(minutes=minutes + 1))
    rungs = {row.rung: row for row in AccountabilityRung.objects.filter(assignment=assignment)}
    assert [rungs[rung].status for rung in RUNG_ORDER] == ["issued", "issued", "skipped", "issued", "issued",
                                                           "issued"]
    assert rungs[Rung.WORK_LETTER].actor.username == rungs[Rung.WARNING_LETTER].actor.username == "commander"
    assert rungs[Rung.CRITICISM].actor is None and rungs[Rung.REFERRAL].actor is None

    # 14:40 the 区效能办 reads the referral with its facts and answers for the department and each person.
    referral = EfficiencyReferral.objects.get(case=sent)
    with time_machine.travel(at(14, 40), tick=True):
        login("xiaoneng")
        click_nav(page, "review:referrals")
        page.click(f"[data-testid=referral-list] tr:has-text('{sent.code}') a")
        facts = page.inner_text("[data-testid=referral-facts]")
        assert "越级理由：申请人三次来电" in facts and "风险预警函" in facts
        form = page.locator("[data-testid=referral-answer-form]")
        form.locator("select[name=outcome]").select_option("accountable")
        form.locator("textarea[name=answer]").fill("对劳动保障维权服务中心通报批评，承办人诫勉谈话，联络员免责。")
        form.locator(f"select[name=person_{user('handler').pk}]").select_option("accountable")
        form.locator(f"select[name=person_{user('liaison').pk}]").select_option("cleared")
        form.locator("button:has-text('提交答复')").click()
        page.wait_for_selector("[data-testid=referral-answer]")
        screenshot(page, "ladder-referral-answered")
        logout(page)
    referral.refresh_from_db()
    assert referral.status == "answered" and referral.answered_by.username == "xiaoneng"
    assert dict(referral.people.values_list("person__username", "outcome")) == {
        "handler": "accountable", "liaison": "cleared"}

    # The department reports back, the grid worker verifies on site (their steps, through the services).
    with time_machine.travel(at(15, 0), tick=True):
        svc.assignment_report_back(actor=user("liaison"), assignment=assignment, text="已督促砖厂全额支付拖欠工资。")
        sent.refresh_from_db()
        svc.case_verify(actor=user("grid"), case=sent, passed=True, notes="现场核实工资已到账")

    # The clerk's revisit: two calls that reached nobody, then the answer.
    work_url = f"{page.base_url}/dispatch/work/cases/{sent.pk}/"
    with time_machine.travel(at(15, 40), tick=True):
        login("clerk")
        page.goto(work_url)
        page.select_option("#attempt-method", "phone")
        page.fill("#attempt-notes", "无人接听")
        page.click("button:has-text('记录未联系上')")
        page.wait_for_selector("text=已记录本次回访未联系上")
    with time_machine.travel(at(16, 20), tick=True):
        page.goto(work_url)
        page.select_option("#attempt-method", "sms")
        page.fill("#attempt-notes", "短信未回复")
        page.click("button:has-text('记录未联系上')")
        page.wait_for_selector("text=已记录本次回访未联系上")
        assert "本轮已 2 次未联系上" in page.inner_text("[data-testid=attempts-so-far]")
    with time_machine.travel(at(17, 0), tick=True):
        page.goto(work_url)
        page.select_option("#revisit-method", "phone")
        page.select_option("#revisit-outcome", "answered")
        page.select_option("#revisit-resolved", "yes")
        page.select_option("#revisit-satisfaction", "satisfied")
        page.fill("#revisit-notes", "第三次来电接通，工资已到账")
        page.click("button:has-text('记录回访')")
        page.wait_for_selector("[data-testid=case-status]:has-text('已回访')")
        screenshot(page, "clocks-ladder-day-revisited")

    # Each step once, on the timelines, in order.
    assert list(CaseEvent.objects.filter(case=waiting).order_by("pk").values_list("type", flat=True)) == [
        "case.registered", "case.send_on_overdue", "case.send_on_escalated"]
    told = Notification.objects.filter(channel="in_app", kind__startswith="case.send_on.",
                                       link__endswith=f"/work/cases/{waiting.pk}/")
    assert sorted(told.values_list("kind", "recipient__username")) == [
        ("case.send_on.escalated", "commander"), ("case.send_on.overdue", "clerk"),
        ("case.send_on.overdue", "director")]
    ladder_events = [(event.type, event.data.get("rung")) for event in
                     CaseEvent.objects.filter(case=sent, type__startswith="ladder.").order_by("pk")]
    assert ladder_events == [
        ("ladder.rung_issued", Rung.REMINDER), ("ladder.rung_issued", Rung.SUPERVISION_NOTICE),
        ("ladder.rung_skipped", Rung.WORK_LETTER), ("ladder.rung_issued", Rung.WARNING_LETTER),
        ("ladder.rung_issued", Rung.CRITICISM), ("ladder.rung_issued", Rung.REFERRAL),
        ("ladder.referral_answered", None)]
    types = list(CaseEvent.objects.filter(case=sent).order_by("pk").values_list("type", flat=True))
    assert types[-3:] == ["case.revisit_attempted", "case.revisit_attempted", "case.revisited"]
