"""研判专报 (issue 23 item 3): drafted from the data on five themes, the duty director edits a theme,
the commander issues it (once; then nothing changes), leaders read issued reports only, and the PDF
holds the five themes in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from command.choices import AnalysisKind, AnalysisStatus, AnalysisTheme, SignalKind, SignalStatus
from command.models import RiskSignal
from command.selectors.analysis import analyses_visible
from command.services.analysis import (
    analysis_generate,
    analysis_generate_monthly,
    analysis_issue,
    analysis_section_edit,
)
from command.tests.test_daily_pdf import pdf_text
from dispatch.models import Notification
from governance.errors import ApplicationError, PermissionDeniedError
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


def month_data(world, now):
    """October 2026 and, for the comparison, September: disputes, a group matter, a petition, a hazard."""
    october = dt.datetime(2026, 10, 12, 10, tzinfo=now.tzinfo)
    for i in range(3):
        world.matter(category=category("JF02"), at=october + dt.timedelta(days=i), title=f"邻里纠纷 {i}")
    world.matter(category=category("JF10"), at=october, is_group=True, group_size=12, title="十二人讨薪",
                 risk_level="high")
    world.matter(category=category("XF01"), at=october, title="来访反映征地补偿")
    world.matter(category=category("YH"), at=october, title="挡土墙开裂")
    world.matter(category=category("JF02"), at=october - dt.timedelta(days=30), title="九月邻里纠纷")
    RiskSignal.objects.create(center=world.center, kind=SignalKind.SURGE, key="surge:x", title="噪音激增",
                              reason="九件", status=SignalStatus.OPEN, raised_at=october, last_seen_at=october,
                              window_start=october - dt.timedelta(days=7), window_end=october)


def test_the_monthly_draft_reads_each_theme_from_the_data(world, now):
    month_data(world, now)
    report = analysis_generate_monthly(center=world.center, now=now)  # 18 November: October's
    assert (report.kind, report.period_start, report.period_end) == (
        AnalysisKind.MONTHLY, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    sections = {s.theme: s for s in report.sections.all()}
    assert list(sections) == list(AnalysisTheme.values)
    disputes = sections[AnalysisTheme.DISPUTES]
    assert (disputes.data["disputes"], disputes.data["disputes_before"], disputes.data["group"]) == (4, 1, 1)
    assert "本期受理矛盾纠纷 4 件（环比上升 300%）" in disputes.text
    political = sections[AnalysisTheme.POLITICAL_SECURITY].data
    assert (political["petitions"], political["group"]) == (1, 1)
    risks = sections[AnalysisTheme.RISKS].data
    assert (risks["signals"], risks["hazards"], risks["high_risk_open"]) == (1, 1, 1)
    assert analysis_generate_monthly(center=world.center, now=now).pk == report.pk  # once per month


def test_the_duty_director_edits_the_commander_issues_and_then_nothing_moves(world, now,
                                                                           django_capture_on_commit_callbacks):
    month_data(world, now)
    report = analysis_generate(actor=world.director, center=world.center, start=dt.date(2026, 10, 1),
                               end=dt.date(2026, 10, 31), kind=AnalysisKind.MONTHLY, now=now)
    section = report.sections.get(theme=AnalysisTheme.DISPUTES)
    for outsider in (world.leader, world.commander, world.dispatcher):
        with pytest.raises(PermissionDeniedError):
            analysis_section_edit(actor=outsider, section=section, text="改写", now=now)
    with pytest.raises(ApplicationError):
        analysis_section_edit(actor=world.director, section=section, text="  \u200b ", now=now)
    analysis_section_edit(actor=world.director, section=section, text="劳动争议上升，建议会商。", now=now)
    # Generated again while a draft: the edited theme keeps its text, the others are re-drafted.
    world.matter(category=category("JF02"), at=dt.datetime(2026, 10, 20, 10, tzinfo=now.tzinfo), title="后补")
    again = analysis_generate(actor=world.director, center=world.center, start=dt.date(2026, 10, 1),
                              end=dt.date(2026, 10, 31), kind=AnalysisKind.MONTHLY, now=now)
    assert again.pk == report.pk
    section.refresh_from_db()
    assert section.text == "劳动争议上升，建议会商。" and section.data["disputes"] == 5

    assert report not in analyses_visible(actor=world.leader)  # leaders read issued reports only
    for outsider in (world.director, world.leader, world.deputy):
        with pytest.raises(PermissionDeniedError):
            analysis_issue(actor=outsider, report=report, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        analysis_issue(actor=world.commander, report=report, now=now)
    report.refresh_from_db()
    assert report.status == AnalysisStatus.ISSUED and report.issued_by == world.commander
    assert report in analyses_visible(actor=world.leader)
    assert Notification.objects.filter(recipient=world.leader, kind="review.analysis_report").count() == 1
    with pytest.raises(ApplicationError):
        analysis_issue(actor=world.commander, report=report, now=now)
    with pytest.raises(ApplicationError):
        analysis_section_edit(actor=world.director, section=section, text="签发后再改", now=now)


def test_pages_and_pdf(client, world, now):
    month_data(world, now)
    report = analysis_generate_monthly(center=world.center, now=now)
    client.force_login(world.director)
    page = client.get(reverse("command:analysis", args=[report.pk])).content.decode()
    assert "政治安全" in page and 'data-testid="save-disputes"' in page and "issue-analysis" not in page
    section = report.sections.get(theme=AnalysisTheme.RISKS)
    client.post(reverse("command:analysis-section", args=[section.pk]), {"text": "隐患须逐件销号。"})
    section.refresh_from_db()
    assert section.text == "隐患须逐件销号。" and section.edited_by == world.director

    client.force_login(world.leader)
    assert client.get(reverse("command:analysis", args=[report.pk])).status_code == 404  # a draft
    client.force_login(world.commander)
    page = client.get(reverse("command:analysis", args=[report.pk])).content.decode()
    assert "issue-analysis" in page and "save-disputes" not in page
    client.post(reverse("command:analysis-issue", args=[report.pk]))
    client.force_login(world.leader)
    response = client.get(reverse("command:analysis-pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in ("研判专报", "一、政治安全", "二、风险隐患", "三、社会治安", "四、应急管理", "五、矛盾纠纷",
                  "隐患须逐件销号", "十二人讨薪", "签发"):
        assert words in text, words
    assert client.get(reverse("command:analyses")).status_code == 200
