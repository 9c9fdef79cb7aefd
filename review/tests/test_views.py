"""The assessment, dashboard and report pages: what each role sees, drill-down, publishing, exports."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from governance.tests.factories import UserFactory
from review.models import AssessmentSnapshot, AssessmentVersion, WorkReport
from review.selectors.assessment_figures import FIGURES, FLAG_KEYS
from review.tests.october import NOW, build_october
from review.tests.test_pdf import embedded_fonts, fonts_not_embedded


@pytest.fixture
def october(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        yield build_october()


def _login(client, october, role: str, username: str):
    user = UserFactory(username=username, roles=[role], profile={"center": october.center})
    client.force_login(user)
    return user


def test_the_assessment_page_shows_rates_with_definitions_flags_and_links(client, october):
    client.force_login(october.admin)
    response = client.get(reverse("review:assessment"), {"month": "2025-10"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "响应率 = 按时签收 ÷ 应签收。" in html and "解决率 = 回访“已解决” ÷ 参评件（已答复的回访，不含无法联系、拒绝评价和不参评事项）。" in html
    assert "本年度尚未设置考核办法，以下权重为示例" in html
    assert "调休上班 2025-10-11" in html
    flag = reverse("review:assessment-flag", args=["2025-10", october.zgj.pk, "slow"])
    assert f'href="{flag}"' in html


def test_the_flag_page_lists_the_matters_behind_it(client, october):
    client.force_login(october.admin)
    response = client.get(reverse("review:assessment-flag", args=["2025-10", october.zgj.pk, "slow"]))
    html = response.content.decode()
    assert "超时签收、超期、召集迟到，合计达到 2 件" in html
    assert reverse("dispatch:work-summons", args=[october.summons_late.summons_id]) in html
    assert october.assignments["z1"].case.code in html


def test_a_drill_down_list_counts_what_its_figure_says(client, october):
    client.force_login(october.admin)
    response = client.get(reverse("review:assessment-items", args=["2025-10"]),
                          {"figure": "overdue_days", "department": october.ga.pk})
    assert response.status_code == 200
    assert response.context["items"].total == 14
    assert 'data-testid="items-total">14<' in response.content.decode()


@pytest.mark.parametrize("query", [{"figure": "nope", "department": "1"}, {"figure": "assigned"},
                                   {"figure": "assigned", "department": "abc"}, {"figure": "assigned", "town": "999999"}])
def test_bad_drill_down_queries_answer_404_not_500(client, october, query):
    client.force_login(october.admin)
    assert client.get(reverse("review:assessment-items", args=["2025-10"]), query).status_code == 404


def test_bad_months_answer_404(client, october):
    client.force_login(october.admin)
    assert client.get(reverse("review:assessment-items", args=["2025-13"]), {"figure": "assigned"}).status_code == 404
    assert client.get(reverse("review:report", args=["oct"])).status_code == 404
    assert client.get(reverse("review:assessment"), {"month": "garbage"}).status_code == 200


def test_publishing_from_the_page_freezes_and_a_leader_cannot_publish(client, october):
    leader = _login(client, october, "leader", "oct-leader")
    assert client.post(reverse("review:assessment-publish", args=["2025-10"])).status_code == 403
    client.force_login(october.admin)
    response = client.post(reverse("review:assessment-publish", args=["2025-10"]), follow=True)
    assert "已发布 2025-10 第 1 版" in response.content.decode()
    assert AssessmentVersion.objects.get().published_by == october.admin
    client.force_login(leader)
    html = client.get(reverse("review:assessment"), {"month": "2025-10"}).content.decode()
    assert "已发布 第 1 版" in html and "publish-form" not in html


def test_people_without_a_reading_role_are_refused(client, october):
    _login(client, october, "department_liaison", "oct-liaison")
    assert client.get(reverse("review:assessment")).status_code == 403
    assert client.get(reverse("review:dashboard")).status_code == 403
    assert client.get(reverse("review:report", args=["2025-10"])).status_code == 403


def test_the_report_export_runs_in_celery_and_gives_a_chinese_pdf_and_an_excel(client, october, django_capture_on_commit_callbacks):
    director = _login(client, october, "duty_director", "oct-director")
    client.post(reverse("review:report-commentary", args=["2025-10"]),
                {"commentary": "=资规建交局召集迟到，需约谈。"})
    assert WorkReport.objects.get().commentary_by == director
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:report-export", args=["2025-10"]))
    status = client.get(reverse("review:report-export-status", args=["2025-10"])).json()
    assert (status["status"], status["progress"]) == ("done", 100)
    pdf = b"".join(client.get(status["pdf"]).streaming_content)
    assert pdf.startswith(b"%PDF")
    workbook = load_workbook(io.BytesIO(b"".join(client.get(status["xlsx"]).streaming_content)))
    assert workbook["部门排名"]["B2"].value == "公安分局"
    assert workbook["总体情况"]["B8"].value == "'=资规建交局召集迟到，需约谈。"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "2025年10月工作专报" in text
    assert "资规建交局" in text and "慢作为" in text and "需约谈" in text
    # the project's Chinese font is in the file (every font is in the file: a reader with no Chinese font shows the text)
    assert fonts_not_embedded(pdf) == []
    assert any("WenQuanYiMicroHei" in name and emb == "yes" for name, _kind, emb in embedded_fonts(pdf))


def test_an_issued_report_keeps_its_commentary(client, october):
    _login(client, october, "duty_director", "oct-director2")
    url = reverse("review:report-commentary", args=["2025-10"])
    client.post(url, {"commentary": "第一稿", "issue": "on"})
    response = client.post(url, {"commentary": "改稿"}, follow=True)
    assert "专报已签发，意见不能再修改。" in response.content.decode()
    assert WorkReport.objects.get().commentary == "第一稿"


def test_the_dashboard_numbers_link_to_lists_of_the_same_size(client, october):
    client.force_login(october.admin)
    response = client.get(reverse("review:dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data["overdue"] >= 1
    listed = client.get(data["overdue_url"])
    assert listed.status_code == 200
    assert listed.context["page"].count == data["overdue"]
    for item in data["by_status"]:
        if item["value"]:
            assert client.get(item["url"]).context["page"].count == item["value"]
    html = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in html and "<script>" not in html


def test_the_background_refresh_feeds_the_assessment_and_the_dashboard(client, october):
    from review.services.summary import summaries_refresh
    from review.tasks import summaries_refresh as task

    task.delay()  # eager in tests: the beat task runs the same service
    summaries_refresh()
    client.force_login(october.admin)
    html = client.get(reverse("review:assessment"), {"month": "2025-10"}).content.decode()
    assert "以下数字统计于 2025-11-05 10:00" in html
    response = client.get(reverse("review:dashboard"))
    october_row = next(item for item in response.context["data"]["trend"] if item["month"] == "2025-10")
    assert october_row["value"] == 10
    listed = client.get(october_row["url"])
    assert listed.context["page"].count == 10
    # November so far: no rate has anything to measure (GA only missed two duty days, 3-4 November),
    # so nobody is ranked (it used to rank GA 1st on the full weight of three rates it had no items for),
    # and the dashboard ranks the last month with figures, October
    november = AssessmentSnapshot.objects.get(center=october.center, year=2025, month=11)
    assert [row["rank"] for row in november.figures["departments"]] == [None, None, None]
    assert response.context["ranking"]["month"] == "2025-10"
    assert [row["name"] for row in response.context["ranking"]["rows"]] == ["公安分局", "资规建交局", "劳动保障维权服务中心"]
    assert "后台统计于 11-05 10:00" in response.content.decode()
    # a score scaled from the rates measured is marked, as on the report and the assessment
    october_figures = AssessmentSnapshot.objects.get(center=october.center, year=2025, month=10).figures
    partial = {row["name"] for row in october_figures["departments"]
               if row["rank"] is not None and row["measured_weight"] < row["total_weight"]}
    shown = {row["name"] for row in response.context["ranking"]["rows"] if row["partial"]}
    assert shown == partial
    assert ('data-testid="partial-score"' in response.content.decode()) == bool(partial)


def test_the_pages_make_as_many_queries_with_more_matters(client, october):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from review.services.summary import summaries_refresh
    from review.tests.october import _assignment, at

    summaries_refresh()
    client.force_login(october.admin)
    urls = [reverse("review:dashboard"), f"{reverse('review:assessment')}?month=2025-10",
            f"{reverse('review:assessment-items', args=['2025-10'])}?figure=overdue&department={october.ga.pk}"]

    def counts() -> list[int]:
        result = []
        for url in urls:
            cache.clear()  # the figures counted once a minute are counted here each time
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result.append(len(captured))
        return result

    before = counts()
    for day in range(9, 31):
        _assignment(october.center, october.zgj, assigned=at(10, day), due=at(10, day, 17, 30))
    summaries_refresh()
    assert counts() == before


def test_a_town_leader_sees_the_town(client, october):
    from governance.choices import GridLevel
    from governance.tests.factories import GridFactory
    from intake.tests.factories import CaseFactory

    town_grid = GridFactory(level=GridLevel.TOWN, name="张坂镇")
    october.town.territory = town_grid
    october.town.save()
    CaseFactory(district=october.center, town=town_grid, registered_at=NOW, status="in_progress")
    CaseFactory(district=october.center, registered_at=NOW, status="in_progress")  # elsewhere in the district
    leader = UserFactory(username="town-leader", roles=["leader"], profile={"center": october.town})
    client.force_login(leader)
    data = client.get(reverse("review:dashboard")).context["data"]
    assert data["scope"] == "张坂镇"
    assert data["today_total"] == 1
    assert all(f"town={town_grid.pk}" in item["url"] for item in data["by_channel"] + data["by_status"])
    client.force_login(october.admin)
    assert client.get(reverse("review:dashboard")).context["data"]["today_total"] == 2


def test_a_long_drill_down_list_pages_by_a_hundred(client, october):
    from review.tests.october import _assignment, at

    for index in range(130):
        _assignment(october.center, october.ld, assigned=at(10, 9 + index % 20, 9, index % 50),
                    due=at(10, 30, 17, 30))
    client.force_login(october.admin)
    url = reverse("review:assessment-items", args=["2025-10"])
    first = client.get(url, {"figure": "assigned", "department": october.ld.pk})
    assert first.context["items"].total == 133 and len(first.context["items"].rows) == 100
    second = client.get(first.context["next_url"])
    assert len(second.context["items"].rows) == 33 and second.context["next_url"] == ""
    assert client.get(url, {"figure": "assigned", "department": october.ld.pk, "page": "x"}).status_code == 200


def test_figures_computed_in_chinese_read_in_english(client, october):
    """The background refresh computes in Chinese; a reader who chose English sees the flags' and
    part scores' words in English all the same."""
    from review.services.summary import summaries_refresh

    summaries_refresh()
    client.force_login(october.admin)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("review:assessment"), {"month": "2025-10"}).content.decode()
    assert "Slow action" in html and "慢作为" not in html
    assert " pts</div>" in html and "得" not in html


@pytest.mark.parametrize("figure", [f.key for f in FIGURES if f.unit == "event"])
def test_every_event_drill_down_of_every_department_answers(client, october, figure):
    """Issue 21 item 1: an event without a reason (a refused decline) or without a note used to make
    the list 500 (a missing variable in a filter argument)."""
    client.force_login(october.admin)
    for department in (october.zgj, october.ga, october.ld):
        response = client.get(reverse("review:assessment-items", args=["2025-10"]),
                              {"figure": figure, "department": department.pk})
        assert response.status_code == 200, (figure, department.name)
    declined = client.get(reverse("review:assessment-items", args=["2025-10"]),
                          {"figure": "declined", "department": october.ga.pk}).content.decode()
    assert "非本部门职责" in declined


@pytest.mark.parametrize("kind", sorted(FLAG_KEYS))
def test_every_flag_page_of_every_department_answers(client, october, kind):
    client.force_login(october.admin)
    for department in (october.zgj, october.ga, october.ld):
        response = client.get(reverse("review:assessment-flag", args=["2025-10", department.pk, kind]))
        assert response.status_code == 200, (kind, department.name)


@pytest.mark.parametrize("name", ["department", "town", "worker", "page"])
def test_ids_beyond_the_database_in_a_drill_down_answer_404_not_500(client, october, name):
    """Issue 21 item 4: `?department=` of 10^30 overflowed SQLite's integers."""
    client.force_login(october.admin)
    query = {"figure": "declined", name: str(10**30)}
    if name == "page":
        query["department"] = october.ga.pk
    assert client.get(reverse("review:assessment-items", args=["2025-10"]), query).status_code in (200, 404)


def test_in_a_months_first_hour_the_assessment_and_the_ranking_open_on_the_last_month_with_figures(client, october):
    """Issue 21: at 00:30 on 1 November nothing has been assigned in November yet, so the assessment
    (without ?month) and the dashboard's ranking open on October and say why; once November has a
    matter assigned, they open on November."""
    from review.services.summary import summaries_refresh
    from review.tests.october import _assignment

    first_hour = dt.datetime(2025, 11, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(first_hour, tick=False):
        summaries_refresh()
        client.force_login(october.admin)
        page = client.get(reverse("review:assessment"))
        assert page.status_code == 200 and str(page.context["month"]) == "2025-10"
        assert page.context["rows"][0]["rank"] == 1
        note = page.content.decode()
        assert 'data-testid="default-month-note"' in note and "本月（2025-11）尚无交办或召集" in note
        assert str(client.get(reverse("review:assessment"), {"month": "2025-11"}).context["month"]) == "2025-11"
        ranking = client.get(reverse("review:dashboard")).context["ranking"]
        assert ranking["month"] == "2025-10" and ranking["rows"] and ranking["url"].endswith("?month=2025-10")

        _assignment(october.center, october.zgj, assigned=first_hour - dt.timedelta(minutes=5),
                    due=first_hour + dt.timedelta(days=5))
        page = client.get(reverse("review:assessment"))
        assert str(page.context["month"]) == "2025-11" and "default-month-note" not in page.content.decode()


def test_the_dashboard_counts_what_the_background_refresh_has_not_stored_yet(client, october):
    """Before the beat's first run (a new installation, a restored database) the dashboard counts the
    trend and the month's ranking itself, once, instead of showing zeros and an empty ranking."""
    from review.models import AssessmentSnapshot, IntakeMonth

    assert not IntakeMonth.objects.exists() and not AssessmentSnapshot.objects.exists()
    client.force_login(october.admin)
    response = client.get(reverse("review:dashboard"))
    october_row = next(item for item in response.context["data"]["trend"] if item["month"] == "2025-10")
    assert october_row["value"] == 10
    assert response.context["ranking"]["computed_at"] is not None
    # the month the ranking shows: October (nothing assigned in November by the 5th)
    assert response.context["ranking"]["month"] == "2025-10" and response.context["ranking"]["rows"]
    assert AssessmentSnapshot.objects.filter(year=2025, month=10).count() == 1
    stored = IntakeMonth.objects.count()
    client.get(reverse("review:dashboard"))
    assert IntakeMonth.objects.count() == stored  # counted once, then read


def test_a_village_trend_counts_of_each_months_matters_the_closed_ones_as_the_district_does(october):
    """Issue 21 item 6: the village's "其中已办结" counted matters by the month they were closed, so a
    matter of October closed in November made November's closed exceed what its figures say; it is
    now, like the district's stored months, the month's matters that are closed."""
    from governance.models import Center
    from intake.tests.factories import CaseFactory
    from review.selectors.dashboard import Scope, dashboard_data
    from review.tests.october import at

    village = Center.objects.create(name="上浦村综治站", code="350521104203", level="village", parent=october.town,
                                    district=october.center)
    CaseFactory(district=october.center, center=village, registered_at=at(10, 20), status="closed",
                closed_at=at(11, 3))
    CaseFactory(district=october.center, center=village, registered_at=at(11, 4), status="in_progress")
    trend = {row["month"]: (row["value"], row["closed"])
             for row in dashboard_data(scope=Scope(district=october.center, village=village))["trend"]}
    assert trend["2025-10"] == (1, 1) and trend["2025-11"] == (1, 0)


def test_the_month_by_category_town_and_grid_is_counted_once_a_minute(october):
    """The dashboard's month by category, town and grid reads every matter of the month: counted at most
    once a minute for each territory (the cards say 每分钟统计), like the open matters by status."""
    from intake.tests.factories import CaseFactory
    from review.selectors.dashboard import Scope, dashboard_data

    scope = Scope(district=october.center)

    def month_total() -> int:
        return sum(item["value"] for item in dashboard_data(scope=scope, now=NOW)["by_category"])

    counted = month_total()
    CaseFactory(district=october.center, registered_at=NOW - dt.timedelta(minutes=5), status="in_progress")
    assert month_total() == counted  # the same minute: the count of that minute
    assert sum(item["value"] for item in dashboard_data(
        scope=scope, now=NOW + dt.timedelta(minutes=1))["by_category"]) == counted + 1
