"""seed_demo gives the demo district a few months of history, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from governance.choices import CenterLevel
from governance.models import Center
from intake.models import Case
from review.demo import DEMO_PREFIX
from review.models import AssessmentSnapshot, IntakeMonth

DEMO_MATTERS = 300


@pytest.mark.django_db
def test_seed_demo_gives_history_once_and_the_pages_are_not_empty(client, settings):
    settings.DEMO_HISTORY_MATTERS = DEMO_MATTERS  # the other tests run without history (pyproject env)
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert Case.objects.filter(code__startswith=DEMO_PREFIX).count() == DEMO_MATTERS
    # This month's and the last's assessment of the district and of each town center.
    centers = Center.objects.filter(level__in=[CenterLevel.DISTRICT, CenterLevel.TOWN], active=True)
    assert AssessmentSnapshot.objects.count() == 2 * centers.count() > 2 and IntakeMonth.objects.exists()
    client.login(username="leader", password="demo1234")
    response = client.get(reverse("review:dashboard"))
    assert response.status_code == 200
    others = Case.objects.exclude(code__startswith=DEMO_PREFIX).count()  # the grid's demo reports, today
    assert sum(item["value"] for item in response.context["data"]["trend"]) == DEMO_MATTERS + others
    assert response.context["ranking"]["rows"]
    assessment = client.get(reverse("review:assessment"))
    assert any(row["figures"]["assigned"] for row in assessment.context["rows"])


@pytest.mark.django_db
def test_seed_demo_plays_story_7_the_radar_has_seen_the_night_market(client, settings):
    """SCENARIOS story 7 from a fresh `make run`: nine calls about 阳光社区's night market in five
    days, and the radar has already run, so the director finds the surge on 风险研判."""
    from command.models import RiskSignal

    settings.DEMO_HISTORY_MATTERS = DEMO_MATTERS
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    calls = Case.objects.filter(title="阳光社区夜市噪音扰民")
    assert calls.count() == 9 and {case.grid.parent.name for case in calls} == {"阳光社区"}
    surge = RiskSignal.objects.get(kind="surge", title__contains="阳光社区")
    assert set(surge.cases.values_list("pk", flat=True)) >= set(calls.values_list("pk", flat=True))
    client.login(username="director", password="demo1234")
    assert surge.title in client.get(reverse("command:radar")).content.decode()


@pytest.mark.django_db
def test_seed_demo_has_standing_meetings_with_their_chairs_a_missed_one_and_the_analysis_reports(client):
    """Issue 23 items 2-3 in the demo: the district's cadences chaired by the center director, the
    deputies in turn and the deputy commander; a meeting due and not held; 研判专报 issued and drafted."""
    from command.choices import AnalysisStatus, ConsultationStatus
    from command.models import AnalysisReport, Consultation

    call_command("seed_demo", verbosity=0)
    district = Consultation.objects.filter(cadence__isnull=False, center__code="QZTS")
    held = district.filter(kind="stationed_biweekly", status=ConsultationStatus.HELD).order_by("scheduled_at")
    assert [c.chair.username for c in held][:2] == ["center_deputy", "center_deputy2"]
    assert {c.chair.username for c in district.filter(kind="leadership_monthly")} == {"center_director"}
    assert {c.chair.username for c in district.filter(kind="dispatch_biweekly")} == {"deputy"}
    assert Consultation.objects.filter(cadence__center__code="350521104", status=ConsultationStatus.HELD).exists()
    client.login(username="center_director", password="demo1234")
    page = client.get(reverse("command:consultations")).content.decode()
    assert 'data-testid="missed"' in page and "社会治理办牵头梳理" not in page  # the decision is on its meeting
    assert sorted(AnalysisReport.objects.values_list("status", flat=True)) == [AnalysisStatus.DRAFT,
                                                                                AnalysisStatus.ISSUED]
    client.login(username="leader", password="demo1234")
    assert client.get(reverse("command:analyses")).content.decode().count("已签发") >= 1
