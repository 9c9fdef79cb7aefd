"""SCENARIOS story 1 after the window, in a real browser: the duty director of the day dispatches
the wage-arrears matter in joint mode as suggested, and the labour center's liaison acknowledges."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from dispatch.models import Assignment
from governance.models import Center, Grid
from intake.choices import Channel, PartyRole
from intake.models import Case, CaseEvent
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import category
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _matter_waiting_for_dispatch() -> Case:
    clerk = User.objects.get(username="clerk")
    case = case_register(actor=clerk, center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF10"), title="上浦村工地十二名工人被拖欠工资",
        description="十二名工人反映工地拖欠三个月工资。",
        parties=[PartyInput(name="王建国", phone="13905958888", role=PartyRole.APPLICANT, is_spokesman=True)],
        grid=Grid.objects.get(code="350521104203001"), is_group=True, group_size=12))
    case_send_to_dispatch(actor=clerk, case=case, note="涉及工地施工许可")
    return case


def test_duty_director_dispatches_and_liaison_acknowledges(page, login):
    call_command("seed_demo", verbosity=0)
    case = _matter_waiting_for_dispatch()

    login("director")
    click_nav(page, "dispatch:board")
    row = page.wait_for_selector(f"[data-testid=pending] tr:has-text('{case.code}')")
    suggestion = row.query_selector("[data-testid=suggestion]").inner_text()
    assert "劳动保障维权服务中心（牵头）" in suggestion and "资规建交局（协办）" in suggestion
    assert "洛阳镇人民政府" in suggestion  # territory shown, not forced into the dispatch
    assert "执法应急局" in page.inner_text("main")  # who is on duty, shown on the board
    screenshot(page, "board-director")
    form = row.query_selector("[data-testid=dispatch-form]")
    form.query_selector("input[name=instructions]").fill("请劳动保障维权服务中心牵头，资规建交局核查施工许可。")
    form.query_selector("button").click()
    page.wait_for_selector(f"[data-testid=assignments] tr:has-text('{case.code}')")

    assignments = Assignment.objects.filter(case=case).select_related("department")
    assert {(a.department.short_code, a.role) for a in assignments} == {("LDWQ", "lead"), ("ZGJ", "co")}
    case.refresh_from_db()
    assert case.status == "in_progress" and case.handling_mode == "joint"

    page.click("button:has-text('退出')")
    page.wait_for_selector("#id_username")
    login("liaison")
    click_nav(page, "dispatch:work-inbox")
    inbox = page.wait_for_selector(f"[data-testid=inbox] tr:has-text('{case.code}')")
    assert "资规建交局" not in page.inner_text("[data-testid=inbox]")  # only their own department's part
    inbox.query_selector("[data-testid=acknowledge]").click()
    page.wait_for_selector(f"[data-testid=inbox] tr:has-text('{case.code}')")
    screenshot(page, "inbox-liaison")

    lead = Assignment.objects.get(case=case, department__short_code="LDWQ")
    assert lead.status == "acknowledged" and lead.acknowledged_by.username == "liaison"
    types = list(CaseEvent.objects.filter(case=case).values_list("type", flat=True))
    assert types[:2] == ["case.registered", "case.sent_to_dispatch"]
    assert "assignment.acknowledged" in types
