"""Issue 21, figures that mislead: the work report names leaf categories with their parent, counts the
month's matters from their timelines (as the assessment does, and the two agree), a rate with nothing
to measure is "—" and not assessed, and a flag costs points and comes first in the report."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from governance.tests.factories import UserFactory
from intake.models import Category
from review.models import AssessmentScheme
from review.selectors.assessment import assessment_compute, figure_items
from review.selectors.assessment_figures import Month
from review.selectors.assessment_rows import matter_figures
from review.selectors.report import report_content
from review.services.report_files import report_pdf, report_xlsx
from review.tests.october import NOW, build_october

OCTOBER = Month(2025, 10)


@pytest.fixture
def october(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        yield build_october()


def _rows(result):
    return {row["name"]: row for row in result["departments"]}


def _leaf_label() -> str:
    leaf = Category.objects.select_related("parent").get(code="JF10")
    assert leaf.parent is not None
    return f"{leaf.parent.name} / {leaf.name}"


def test_the_report_names_each_category_with_its_parent_and_the_excel_has_a_category_sheet(october):
    content = report_content(center=october.center, month=OCTOBER, now=NOW)
    labels = [item["label"] for item in content["categories"]]
    assert _leaf_label() in labels
    assert all(" / " in label for label in labels), labels
    assert sum(item["value"] for item in content["categories"]) == content["totals"]["registered"]
    book = load_workbook(io.BytesIO(report_xlsx(content, "")))
    sheet = book["事项类别"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == [
        [item["label"], item["value"]] for item in content["categories"]]


def test_the_report_page_and_the_pdf_chart_show_the_leaf(client, october):
    leader = UserFactory(username="oct-leader", roles=["leader"], profile={"center": october.center})
    client.force_login(leader)
    html = client.get(reverse("review:report", args=["2025-10"])).content.decode()
    assert _leaf_label() in html
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = report_pdf(report_content(center=october.center, month=OCTOBER, now=NOW), "")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert _leaf_label().split(" / ")[1] in text


def test_settled_on_the_spot_is_what_the_timeline_records_and_equals_its_list(october):
    # t1 was settled on the spot and revisited since: its status is no longer 当场办结, the fact remains
    content = report_content(center=october.center, month=OCTOBER, now=NOW)
    assert content["totals"]["settled"] == 1
    items = figure_items(center=october.center, month=OCTOBER, key="settled_on_spot", district=True, now=NOW)
    assert items.total == content["totals"]["settled"]
    assert [case.pk for case in items.rows] == [october.settled_on_spot.pk]
    for key, total in (("registered", "registered"), ("closed", "closed")):
        listed = figure_items(center=october.center, month=OCTOBER, key=key, district=True, now=NOW)
        assert listed.total == content["totals"][total], key


def test_the_report_and_the_assessment_agree_on_the_month(client, october):
    content = report_content(center=october.center, month=OCTOBER, now=NOW)
    matters = matter_figures(center=october.center, month=OCTOBER)
    assert (content["totals"]["registered"], content["totals"]["settled"], content["totals"]["closed"]) == (
        matters["registered"], matters["settled_on_spot"], matters["closed"])
    # the town that settled it on the spot counts it as settled at its level (a fact, not a status)
    (town,) = assessment_compute(center=october.center, month=OCTOBER, now=NOW)["towns"]
    assert town["figures"]["settled"] == 1
    admin = october.admin
    client.force_login(admin)
    report_html = client.get(reverse("review:report", args=["2025-10"])).content.decode()
    assessment_html = client.get(reverse("review:assessment"), {"month": "2025-10"}).content.decode()
    link = reverse("review:assessment-items", args=["2025-10"]) + "?figure=settled_on_spot&amp;district=1"
    assert link in report_html and link in assessment_html
    listed = client.get(reverse("review:assessment-items", args=["2025-10"]),
                        {"figure": "settled_on_spot", "district": "1"})
    assert listed.status_code == 200
    assert '<span data-testid="items-total">1</span>' in listed.content.decode()


def test_a_rate_with_nothing_to_measure_is_not_assessed(october):
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    # 劳动保障维权服务中心 had items for every rate; the measured weights are the whole weight
    assert rows["公安分局"]["measured_weight"] == 100.0
    # November has only duty days so far: no rate to measure, no score, no rank (it was 1st on the full
    # weight of three rates it had nothing for); the deduction still shows. Nobody signed in on 3 and 4
    # November; today (the 5th, 10:00) is not missed before it is over.
    november = _rows(assessment_compute(center=october.center, month=Month(2025, 11), now=NOW))
    ga = november["公安分局"]
    assert ga["figures"]["duty_missed"] == 2
    assert ga["rates"] == {"response": None, "resolution": None, "satisfaction": None}
    assert ga["subscores"] == {"response": None, "resolution": None, "satisfaction": None}
    assert (ga["score"], ga["rank"], ga["assessed"]) == (None, None, False)
    assert ga["deductions"] == {"duty_missed": 4.0}


def test_a_department_is_scored_on_the_rates_measured(october):
    from review.tests.october import _assignment, at

    # one matter acknowledged on time and not revisited yet: response 100 %, the others not assessed
    assignment = _assignment(october.center, october.zgj, assigned=at(11, 3), due=at(11, 10, 17, 30),
                             acknowledged=at(11, 3, 9, 30))
    assert assignment.department == october.zgj
    zgj = _rows(assessment_compute(center=october.center, month=Month(2025, 11), now=NOW))["资规建交局"]
    assert zgj["rates"] == {"response": 100.0, "resolution": None, "satisfaction": None}
    assert zgj["subscores"] == {"response": 30.0, "resolution": None, "satisfaction": None}
    assert (zgj["measured_weight"], zgj["total_weight"]) == (30.0, 100.0)
    assert (zgj["score"], zgj["rank"]) == (100.0, 1)


def test_the_ranking_shows_unmeasured_rates_as_a_dash_and_says_why(client, october):
    from review.tests.october import _assignment, at

    _assignment(october.center, october.zgj, assigned=at(11, 3), due=at(11, 10, 17, 30), acknowledged=at(11, 3, 9, 30))
    client.force_login(october.admin)
    html = client.get(reverse("review:assessment"), {"month": "2025-11"}).content.decode()
    assert 'data-testid="ranking-rule"' in html and "不计分、不排名" in html
    assert "未考核" in html
    assert "按已考核的 30/100 权重折算" in html
    report = client.get(reverse("review:report", args=["2025-11"])).content.decode()
    assert 'data-testid="report-ranking-rule"' in report
    assert "（按 30/100 权重）" in report


def test_a_flag_costs_the_points_of_the_years_scheme_and_can_cost_the_rank(october):
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    assert rows["公安分局"]["deductions"]["flag_inaction"] == 5.0
    assert (rows["公安分局"]["rank"], rows["资规建交局"]["rank"]) == (1, 2)
    AssessmentScheme.objects.create(center=october.center, year=2025, deduct_flag_inaction=30)
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    assert rows["公安分局"]["score"] == 50.2  # 80.2 − 30
    assert (rows["资规建交局"]["rank"], rows["公安分局"]["rank"]) == (1, 2)
    AssessmentScheme.objects.filter(center=october.center).update(deduct_flag_inaction=0, deduct_flag_slow=0)
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    assert rows["公安分局"]["score"] == 80.2
    assert "flag_inaction" not in rows["公安分局"]["deductions"]


def test_the_flags_come_first_in_the_report(client, october):
    content = report_content(center=october.center, month=OCTOBER, now=NOW)
    assert {(flag["department"], flag["label"]) for flag in content["flags"]} >= {
        ("资规建交局", "慢作为"), ("公安分局", "不作为")}
    client.force_login(october.admin)
    html = client.get(reverse("review:report", args=["2025-10"])).content.decode()
    assert html.index('data-testid="report-flags"') < html.index("一、总体情况")
    assert "扣 5.0 分" in html
    book = load_workbook(io.BytesIO(report_xlsx(content, "")))
    assert book.sheetnames[0] == "问责问效"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=report_pdf(content, ""), capture_output=True,
                          check=True).stdout.decode()
    assert text.index("不作为") < text.index("一、总体情况")
