"""SCENARIOS story 1 at the window, in a real browser: the demo clerk registers the wage-arrears
matter of 王建国 (a repeat visitor) with the keyboard, links it to his earlier matter, and opens
the receipt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from governance.models import Center, Grid
from intake.choices import Channel, PartyRole
from intake.models import Case, CaseLink, Category
from intake.services import MatterInput, PartyInput, case_register
from tests.conftest import click_nav, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WANG_ID = "350521198503150015"  # 王建国: check digit per GB 11643


def _earlier_matter() -> Case:
    return case_register(
        actor=User.objects.get(username="clerk"), center=Center.objects.get(code="QZTS"),
        matter=MatterInput(
            channel=Channel.WALK_IN, category=Category.objects.get(name="劳动争议"), title="上浦村工地拖欠工资",
            description="王建国反映上浦村某工地拖欠工人工资。",
            parties=[PartyInput(name="王建国", id_number=WANG_ID, phone="13905958888", role=PartyRole.APPLICANT)],
            grid=Grid.objects.get(code="350521104203001")), now=timezone.now() - dt.timedelta(days=21))


def test_clerk_registers_a_walk_in_matter_and_opens_its_receipt(page, login):
    call_command("seed_demo", verbosity=0)
    earlier = _earlier_matter()
    login("clerk")
    click_nav(page, "intake:window")
    page.wait_for_selector("#register-form")

    page.fill("#id_applicant_id_number", WANG_ID)
    page.press("#id_applicant_id_number", "Tab")  # the lookup runs when the field is left
    repeat = page.wait_for_selector("[data-testid=repeat-visits]:not(.d-none)")
    assert earlier.code in repeat.inner_text()
    page.check(f"input[name=link_to][value='{earlier.pk}']")
    assert page.input_value("#id_applicant_name") == "王建国"  # prefilled from the earlier matter

    page.fill("#category-search", "ld")
    page.wait_for_selector("#category-options:not(.d-none)")
    assert "劳动争议" in page.inner_text("#category-options")
    page.press("#category-search", "Enter")
    assert page.input_value("#id_category") == str(Category.objects.get(name="劳动争议").pk)

    page.fill("#id_title", "上浦村工地十二名工人被拖欠工资")
    page.fill("#id_description", "十二名工人反映工地拖欠三个月工资，王建国为代表人。<script>alert(1)</script>")
    page.fill("#grid-search", "上浦村第1")
    page.wait_for_selector("#grid-options:not(.d-none)")
    page.press("#grid-search", "Enter")
    page.check("#id_is_group")
    page.fill("#id_group_size", "12")
    page.click("button:has-text('保存并打印回执')")

    code = page.wait_for_selector("[data-testid=case-code]").inner_text().strip()
    case = Case.objects.get(code=code)
    assert code.startswith(f"QZTS-{timezone.localdate().year}-")
    assert "7 个工作日" in page.inner_text("[data-testid=expected]")
    receiver = page.inner_text("[data-testid=receiver]")
    assert "陈晓燕" in receiver and "13905951002" in receiver
    assert case.is_group and case.group_size == 12 and case.grid.code == "350521104203001"
    assert CaseLink.objects.filter(from_case=case, to_case=earlier).exists()
    assert case.description.endswith("<script>alert(1)</script>")  # stored as typed, never executed
    screenshot(page, "receipt")

    page.click("text=事项详情")
    page.wait_for_selector("h2:has-text('办理过程')")
    assert "登记" in page.inner_text("main")  # the timeline shows the registration
    assert "<script>" in page.inner_text("main")  # shown as text
    screenshot(page, "case-detail")
