"""Every role finishes its part of the loop in the browser (issue 7): one test per role — window
clerk, duty director, department liaison, deputy commander — plays that role's steps of SCENARIOS
stories 1-4 through the pages, to the end. The steps of other roles are set up through the services,
as the story names them (the grid worker's verification among them: the grid worker's own pages and
browser tests belong to the grid issue)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from dispatch import services as svc
from dispatch.models import Assignment, Notification, Revisit, Summons
from dispatch.selectors.attendance import attendance_code
from governance.models import Center, Department, Grid
from intake.choices import Channel, PartyRole
from intake.models import Case, Category, PlatformKey
from intake.open311.services import open311_request_submit, platform_key_create
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def user(name: str) -> User:
    return User.objects.get(username=name)


def dept(code: str) -> Department:
    return Department.objects.get(short_code=code)


def logout(page) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")


def story1_matter(*, sent: bool = True) -> Case:
    case = case_register(actor=user("clerk"), center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=Category.objects.get(code="JF10"), title="王建国等12人反映上浦村劳动争议",
        description="十二名工人反映工地拖欠三个月工资。",
        parties=[PartyInput(name="王建国", phone="13905958888", role=PartyRole.APPLICANT, is_spokesman=True)],
        grid=Grid.objects.get(code="350521104203001"), is_group=True, group_size=12))
    if sent:
        case_send_to_dispatch(actor=user("clerk"), case=case)
    return case


def story1_dispatched(case: Case) -> tuple[Assignment, Assignment]:
    return svc.case_dispatch(actor=user("director"), case=case, mode="joint", lead_department=dept("LDWQ"),
                             co_departments=[dept("ZGJ")], instructions="劳动保障维权服务中心牵头")


def story2_matter() -> Case:
    """14:20 the grid worker of 张坂镇玉田村 reports from the phone (the grid issue's report page)."""
    return case_register(actor=user("grid"), center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.GRID_REPORT, category=Category.objects.get(code="JF08"), title="玉田村约30名村民堵塞征地地块进场道路",
        description="约30名村民聚集堵路，情绪激动。", parties=[], address="张坂镇玉田村征地地块进场道路",
        grid=Grid.objects.get(code="350521106207001"), urgency="urgent", risk_level="high"))


def open_notification(page, text: str) -> None:
    page.click("[data-testid=nav-notifications]")
    page.click(f"[data-testid=notification-list] button:has-text('{text}')")


def test_clerk_registers_follows_up_and_closes_stories_1_and_3(page, login):
    call_command("seed_demo", verbosity=0)
    login("clerk")
    # Story 1, 09:05: the walk-in, registered at the window, sent to dispatch from the receipt.
    click_nav(page, "intake:window")
    page.fill("#id_applicant_id_number", "350521198503150015")
    page.fill("#id_applicant_phone", "13905958888")
    page.fill("#id_applicant_name", "王建国")
    page.fill("#category-search", "ld")
    page.press("#category-search", "Enter")
    page.fill("#grid-search", "上浦村第1")
    page.wait_for_selector("#grid-options:not(.d-none)")
    page.press("#grid-search", "Enter")
    page.check("#id_is_group")
    page.fill("#id_group_size", "12")
    assert page.input_value("#id_title") == "王建国等12人反映上浦村劳动争议"
    page.fill("#id_description", "十二名工人反映工地拖欠三个月工资。")
    page.click("button:has-text('保存并打印回执')")
    code = page.wait_for_selector("[data-testid=case-code]").inner_text().strip()
    assert "共 12 人" in page.inner_text("main")
    page.click("button:has-text('移送调度')")
    page.wait_for_selector("text=已移送调度中心")
    case = Case.objects.get(code=code)
    assert case.status == "pending_dispatch"

    # The other roles of story 1, through the services: dispatch, both departments, and the grid
    # worker's verification on site (the grid worker's page is the grid issue's).
    lead, co = story1_dispatched(case)
    for assignment, who in ((co, "liaison_zgj"), (lead, "liaison")):
        svc.assignment_acknowledge(actor=user(who), assignment=assignment)
    svc.assignment_report_back(actor=user("liaison_zgj"), assignment=co, text="施工许可齐全")
    svc.assignment_report_back(actor=user("liaison"), assignment=lead, text="已支付60%，余款签订还款计划")
    case.refresh_from_db()
    svc.case_verify(actor=user("grid"), case=case, passed=True, notes="现场核实")

    # Day 7: the first receiver's revisit call and close, from the home page's follow-ups.
    click_nav(page, "home")
    row = page.wait_for_selector(f"[data-testid=follow-up][data-code='{code}']")
    screenshot(page, "home-clerk-follow-ups")
    row.query_selector("[data-testid=follow-up-action]").click()
    page.select_option("#revisit-resolved", "partly")
    page.select_option("#revisit-satisfaction", "basic")
    page.fill("#revisit-notes", "余款待付")
    page.click("button:has-text('记录回访')")
    page.wait_for_selector("[data-testid=close-form]")
    page.click("button:has-text('办结归档')")
    page.wait_for_selector("[data-testid=case-status]:has-text('已办结')")
    revisit = Revisit.objects.get(case=case)
    assert (revisit.resolved, revisit.satisfaction, revisit.revisited_by.username) == ("partly", "basic", "clerk")
    assert Case.objects.get(pk=case.pk).status == "closed"

    # Story 3: neighbours' drain dispute settled on the spot, revisited the next day, closed.
    click_nav(page, "intake:window")
    page.fill("#id_applicant_name", "林美华")
    page.fill("#id_applicant_phone", "13905950303")
    page.fill("#category-search", "邻里")
    page.press("#category-search", "Enter")
    page.fill("#grid-search", "阳光社区")
    page.wait_for_selector("#grid-options:not(.d-none)")
    page.press("#grid-search", "Enter")
    page.fill("#id_description", "两邻居因共用排水沟发生争执。")
    page.click("button:has-text('保存并打印回执')")
    code3 = page.wait_for_selector("[data-testid=case-code]").inner_text().strip()
    page.fill("#id_result", "在人民调解员主持下达成书面协议，当场履行。")
    page.set_input_files("#id_settle_attachments", files=[
        {"name": "调解协议.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("button:has-text('当场办结')")
    page.wait_for_selector("text=已当场办结")
    click_nav(page, "home")
    page.click(f"[data-testid=follow-up][data-code='{code3}'] [data-testid=follow-up-action]")
    page.select_option("#revisit-resolved", "yes")
    page.select_option("#revisit-satisfaction", "satisfied")
    page.click("button:has-text('记录回访')")
    page.click("button:has-text('办结归档')")
    page.wait_for_selector("[data-testid=case-status]:has-text('已办结')")
    settled = Case.objects.get(code=code3)
    assert settled.status == "closed" and settled.handling_mode == "self"
    assert not Assignment.objects.filter(case=settled).exists()  # counts for the window only
    click_nav(page, "home")
    assert code3 not in page.inner_text("[data-testid=follow-ups]")


def test_duty_director_dispatches_stories_1_and_4_and_requests_the_summons_of_story_2(page, login):
    call_command("seed_demo", verbosity=0)
    story1 = story1_matter()
    # Story 4: the 12345 platform pushes a complaint through Open311 (the platform's step).
    key, _raw = platform_key_create(name="12345热线", center=Center.objects.get(code="QZTS"), source="qz12345")
    pushed = open311_request_submit(key=PlatformKey.objects.get(pk=key.pk), params={
        "service_code": "RX03", "address_string": "东园镇夜市", "description": "夜市噪音扰民到凌晨。"},
        attributes={"external_ref": "GD001"}).case
    story2 = story2_matter()

    login("director")
    open_notification(page, pushed.code)  # notified of the push: opens the matter's page
    assert "qz12345 工单号 GD001" in page.inner_text("[data-testid=external-ref]")
    click_nav(page, "dispatch:board")
    row = page.wait_for_selector(f"[data-testid=pending] tr:has-text('{pushed.code}')")
    assert "GD001" in row.query_selector("[data-testid=external-ref]").inner_text()
    screenshot(page, "board-director-12345")
    form = row.query_selector("[data-testid=dispatch-form]")
    form.query_selector("select[name=mode]").select_option("transfer")
    form.query_selector("select[name=lead_department]").select_option(str(dept("DYZ").pk))
    form.query_selector("button").click()
    page.wait_for_selector(f"[data-testid=assignments] tr:has-text('{pushed.code}')")
    assert Assignment.objects.get(case=pushed).department.short_code == "DYZ"

    # Story 1, 09:30: joint handling as suggested.
    row = page.wait_for_selector(f"[data-testid=pending] tr:has-text('{story1.code}')")
    assert "劳动保障维权服务中心（牵头）" in row.inner_text()
    row.query_selector("[data-testid=dispatch-form] button").click()
    page.wait_for_selector(f"[data-testid=assignments] tr:has-text('{story1.code}')")
    assert {a.department.short_code for a in Assignment.objects.filter(case=story1)} == {"LDWQ", "ZGJ"}

    # Story 2, 14:22: from the grid report's page, the summons of 公安分局, 资规建交局 and 张坂镇.
    page.click(f"[data-testid=pending] a:has-text('{story2.code}')")
    page.wait_for_load_state("load")  # the checklist's filter is bound by the page's script
    checklist = page.wait_for_selector("#summons-request-case, [data-testid=summons-checklist]")
    assert checklist
    assert page.is_checked(f"#summons-case-dept-{dept('ZBZ').pk}")  # the territory, preselected
    page.fill("[data-testid=summons-filter]", "公安")
    assert not page.is_visible(f"#summons-case-dept-{dept('ZGJ').pk}")
    page.check(f"#summons-case-dept-{dept('GA').pk}")
    page.fill("[data-testid=summons-filter]", "资规")
    page.check(f"#summons-case-dept-{dept('ZGJ').pk}")
    screenshot(page, "case-summons-request")
    page.click("[data-testid=summons-submit]")
    page.wait_for_selector("[data-testid=summons-status]:has-text('待审批')")
    summons = Summons.objects.get(case=story2)
    assert {row.department.short_code for row in summons.departments.all()} == {"GA", "ZGJ", "ZBZ"}
    assert set(Notification.objects.filter(kind="summons.requested", channel="in_app")
               .values_list("recipient__username", flat=True)) == {"commander", "deputy"}


def test_deputy_commander_approves_the_summons_of_story_2(page, login):
    call_command("seed_demo", verbosity=0)
    case = story2_matter()
    svc.summons_request(actor=user("director"), center=case.center, case=case, reason="玉田村村民堵路",
                        departments=[dept("GA"), dept("ZGJ"), dept("ZBZ")])
    login("deputy")
    open_notification(page, "召集待审批")
    page.click("[data-testid=approve]")
    page.wait_for_selector("[data-testid=summons-status]:has-text('已批准')")
    assert page.locator("[data-testid=countdown]").count() == 3
    summons = Summons.objects.get(case=case)
    assert summons.decided_by.username == "deputy" and summons.report_in_minutes == 20
    click_nav(page, "dispatch:board")
    assert page.locator("[data-testid=summons-list] [data-testid=countdown]").count() == 3  # one per department
    screenshot(page, "board-deputy-countdowns")


def test_liaisons_acknowledge_report_back_and_report_in_stories_1_and_2(page, login):
    call_command("seed_demo", verbosity=0)
    case = story1_matter()
    lead, co = story1_dispatched(case)
    # Story 1: the co-department (资规建交局) reports its part, then the lead merges the answer.
    for username, assignment, text in (("liaison_zgj", co, "施工许可齐全，已督促施工方"),
                                       ("liaison", lead, "承包方已支付60%，余款签订还款计划")):
        login(username)
        click_nav(page, "dispatch:work-inbox")
        page.click(f"[data-testid=inbox] tr:has-text('{case.code}') [data-testid=acknowledge]")
        page.click(f"[data-testid=inbox] a:has-text('{case.code}')")
        page.fill("[data-testid=department-actions] textarea[name=text] >> nth=1", text)
        page.click("[data-testid=department-actions] button:has-text('反馈')")
        page.wait_for_selector("[data-testid=assignment-status]:has-text('已反馈')")
        assert text in page.inner_text("[data-testid=reports]")
        assignment.refresh_from_db()
        assert assignment.status == "reported" and assignment.acknowledged_by.username == username
        logout(page)
    case.refresh_from_db()
    assert case.status == "reported"

    # Story 2: 公安分局's liaison is called, confirms and reports in at the command center.
    story2 = story2_matter()
    summons = svc.summons_request(actor=user("director"), center=story2.center, case=story2, reason="堵路",
                                  departments=[dept("GA"), dept("ZGJ"), dept("ZBZ")])
    svc.summons_approve(actor=user("deputy"), summons=summons)
    login("liaison_ga")
    open_notification(page, "召集")
    row = page.wait_for_selector("[data-testid=summons-departments] tr:has-text('公安分局')")
    row.query_selector("button:has-text('确认')").click()
    # Without the screen's code the check-in is remote: recorded, not counted (issue 23, 6).
    page.click("[data-testid=summons-departments] tr:has-text('公安分局') [data-testid=report-in]")
    page.wait_for_selector("[data-testid=remote-check-in]")
    assert summons.departments.get(department__short_code="GA").reported_in_at is None
    page.fill("[data-testid=summons-departments] tr:has-text('公安分局') [data-testid=report-in-code]",
              attendance_code(center=summons.center, at=timezone.now()))
    page.click("[data-testid=summons-departments] tr:has-text('公安分局') [data-testid=report-in]")
    page.wait_for_selector("text=已报到（到场）")
    reported = summons.departments.get(department__short_code="GA")
    assert reported.reported_in_person.username == "liaison_ga" and reported.minutes_late == 0
    assert page.locator("[data-testid=countdown]").count() == 2  # the two departments still on their way
