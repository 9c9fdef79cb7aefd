"""SCENARIOS story 5 in a real browser: the administrator opens October 2025, drills down from
资规建交局's slow-action flag to the late summons, publishes the month, and downloads the work
report as PDF, which is turned into text and images and holds the Chinese text."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from review.models import AssessmentVersion
from review.tests.october import build_october
from review.tests.test_pdf import embedded_fonts, fonts_not_embedded
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_story_5_month_end(page, login, tmp_path):
    october = build_october()
    october.admin.set_password("demo1234")
    october.admin.save()
    login(october.admin.username)

    page.goto(f"{page.base_url}/review/assessment/?month=2025-10")
    ranking = page.locator("[data-testid=ranking]")
    zgj = ranking.locator("tr[data-department=资规建交局]")
    assert zgj.locator("[data-score]").inner_text() == "59.6"  # 62.6 less the 慢作为 flag (3 points)
    flag = zgj.locator("a[data-flag=slow]")
    assert flag.inner_text() == "慢作为（2）"
    screenshot(page, "review-assessment-october")
    flag.click()

    page.wait_for_selector("[data-testid=flag-rule]")
    assert "超时签收、超期、召集迟到，合计达到 2 件" in page.inner_text("[data-testid=flag-rule]")
    late = page.locator("[data-testid=items-summons_late] tr[data-item]")
    assert late.count() == 1 and "14:52" in late.inner_text() and "7" in late.inner_text()
    assert page.locator("[data-testid=items-overdue] tr[data-item]").count() == 1
    late.locator("[data-testid=summons-link]").click()
    page.wait_for_url(f"**/dispatch/work/summons/{october.summons_late.summons_id}/")
    assert "征地阻路" in page.inner_text("body")

    page.goto(f"{page.base_url}/review/assessment/?month=2025-10")
    page.click("[data-testid=publish-form] button[type=submit]")
    page.wait_for_selector("text=已发布 2025-10 第 1 版，数字已冻结。")
    assert AssessmentVersion.objects.get().version == 1

    page.goto(f"{page.base_url}/review/report/2025-10/")
    page.click("[data-testid=export]")
    link = page.wait_for_selector("[data-testid=download-pdf]")
    with page.expect_download() as download_info:
        link.click()
    pdf_path = tmp_path / "report.pdf"
    download_info.value.save_as(pdf_path)
    screenshot(page, "review-report-october")

    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.fail("poppler-utils (pdftotext, pdftoppm) must be installed to check the report PDF (see .ci/run)")
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, check=True, text=True).stdout
    assert "2025年10月工作专报" in text and "资规建交局" in text and "慢作为" in text
    # the project's Chinese font is in the file (the project's font is in the file, not the reader's)
    assert fonts_not_embedded(pdf_path.read_bytes()) == []
    assert any("WenQuanYiMicroHei" in name and emb == "yes" for name, _kind, emb in embedded_fonts(pdf_path.read_bytes()))
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf_path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page*.png"))
    assert images and all(image.stat().st_size > 5_000 for image in images)


def test_the_leaders_dashboard_reads_on_a_phone(page, login):
    october = build_october()
    october.admin.set_password("demo1234")
    october.admin.save()
    from review.services.summary import summaries_refresh

    summaries_refresh()
    login(october.admin.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/review/dashboard/")
    page.wait_for_selector("[data-chart=trend] svg")
    assert page.locator("[data-chart] svg").count() == 4  # ECharts drew every chart (static files only)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "review-dashboard-phone")
    page.click("[data-kpi=overdue]")
    page.wait_for_url("**/intake/cases/?overdue=1")
