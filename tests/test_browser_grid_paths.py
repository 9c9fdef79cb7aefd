"""Issue 21, paths that led nowhere, on the grid worker's phone (390 px): her home opens with her two
main actions and her 待核查 count; the footer's language switch is not hidden by the tabs and names
each language in itself; the report's category is searched as at the window, grouped by parent; a
report kept offline is shown where she is looking, and typing it again asks whether it is the same."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from grid.models import GridReport
from tests import test_browser_grid
from tests.conftest import screenshot
from tests.test_browser_grid import pick_category, sign_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

phone = test_browser_grid.phone  # the 390 px phone of the grid worker's story


def in_view(page, selector: str) -> bool:
    """The element is on the screen as it is now, without scrolling."""
    return page.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
    }""", selector)


def on_top(page, selector: str) -> bool:
    """Scrolled to the end of the page, nothing covers the element's middle (a tap there reaches it)."""
    return page.evaluate("""(selector) => {
        const node = document.querySelector(selector);
        window.scrollTo({top: document.documentElement.scrollHeight, behavior: "instant"});
        const box = node.getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return node === hit || node.contains(hit);
    }""", selector)


def test_her_home_opens_with_patrol_report_and_tasks_and_the_language_switch_is_reachable(phone):
    call_command("seed_demo", verbosity=0)
    sign_in(phone, "grid")
    phone.goto(f"{phone.base_url}/")
    for action in ("patrol", "report", "tasks"):
        assert in_view(phone, f"[data-testid=grid-actions] [data-action={action}]"), action
    assert "开始巡查" in phone.inner_text("[data-action=patrol]")
    assert "上报问题" in phone.inner_text("[data-action=report]")
    assert "待核查" in phone.inner_text("[data-action=tasks]")
    screenshot(phone, "paths-grid-home-phone")
    phone.click("[data-testid=grid-actions] [data-action=report]")
    phone.wait_for_url("**/grid/report/")

    # Each language named in itself; the switch not under the phone's tabs.
    options = phone.eval_on_selector_all("footer select[name=language] option", "nodes => nodes.map(n => n.textContent)")
    assert options == ["简体中文", "English"]
    for url in ("/grid/", "/grid/report/", "/grid/tasks/"):
        phone.goto(f"{phone.base_url}{url}")
        assert on_top(phone, "footer select[name=language]"), url
    phone.select_option("footer select[name=language]", "en")
    phone.wait_for_selector("html[lang=en]")


def test_category_search_grouped_then_offline_report_kept_in_view_and_not_made_twice(phone):
    call_command("seed_demo", verbosity=0)
    sign_in(phone, "grid")
    phone.goto(f"{phone.base_url}/grid/report/")
    assert "{#" not in phone.inner_text("main")  # a template comment shown as text
    # Tapping the field lists every category under its parent; typing narrows it, still grouped.
    phone.click("#category-search")
    groups = phone.eval_on_selector_all("#category-options [data-group]", "nodes => nodes.map(n => n.textContent)")
    assert "矛盾纠纷" in groups and len(groups) == len(set(groups)) >= 3
    phone.fill("#category-search", "纠纷")
    phone.wait_for_selector("#category-options [data-group='矛盾纠纷']")
    screenshot(phone, "paths-grid-category-search")
    phone.fill("#category-search", "")
    pick_category(phone, "隐患线索")

    phone.fill("#id_title", "旧粮仓后挡土墙开裂")
    phone.fill("#id_description", "挡土墙开裂，威胁下方两户。")
    phone.context.set_offline(True)
    phone.click("[data-action=submit-report]")
    phone.wait_for_selector("[data-offline-note=kept]")
    assert in_view(phone, "[data-offline-note=kept]")  # where she is looking, not at the top
    assert "旧粮仓后挡土墙开裂" in phone.inner_text("[data-offline-note=kept]")
    assert phone.input_value("#id_title") == "" and phone.input_value("#id_category") == ""
    screenshot(phone, "paths-grid-offline-kept")

    # She types it again from memory: the phone asks whether it is the same report.
    pick_category(phone, "隐患线索")
    phone.fill("#id_title", "旧粮仓后 挡土墙开裂")
    phone.fill("#id_description", "挡土墙开裂，威胁下方两户")
    phone.click("[data-action=submit-report]")
    phone.wait_for_selector("[data-offline-note=same]")
    assert in_view(phone, "[data-offline-note=same]")
    screenshot(phone, "paths-grid-offline-same")
    phone.click("[data-action=same-report]")
    phone.wait_for_selector("[data-offline-note=kept]")
    assert phone.evaluate("() => GridOutbox.count()") == 1

    phone.context.set_offline(False)
    wait_for(lambda: GridReport.objects.filter(case__title="旧粮仓后挡土墙开裂").count() == 1)
    assert not GridReport.objects.filter(case__title="旧粮仓后 挡土墙开裂").exists()
