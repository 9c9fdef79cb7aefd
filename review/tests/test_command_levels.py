"""The command work by level (issue 20 item 2): the radar, letters, consultations and minutes, the
daily report and the monthly work report run for the center the user belongs to. A town sub-center
runs its own (its weekly 例会 and monthly 联席会议) and never the district's; a village station runs none
and is told why; the district center's people keep the district's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from command.choices import ConsultationKind, LetterKind, SignalKind
from command.models import Consultation, DailyReport, RadarRun, RiskSignal, WarningLetter
from command.selectors import work as sel
from command.services.consultation import consultation_schedule
from command.services.daily import daily_report_generate, daily_report_issue
from command.services.letters import letter_issue
from command.services.radar import radar_run
from command.services.signals import signal_dismiss
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.tests.factories import DepartmentFactory, UserFactory
from review.selectors.assessment_figures import Month
from review.services.report import report_commentary_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world):
    """东园镇's sub-center and 阳光社区's station under the district center, with their people."""
    town = Center.objects.create(name="东园镇综治中心", code="350521105", level="town", parent=world.center,
                                 district=world.center, territory=world.dongyuan)
    village = Center.objects.create(name="阳光社区综治站", code="350521105001", level="village", parent=town,
                                    district=world.center, territory=world.sunshine)
    world.town = town
    world.village = village
    world.town_director = UserFactory(username="town_dy", roles=["duty_director"], profile={"center": town})
    world.station = UserFactory(username="station_yg", roles=["dispatcher"], profile={"center": village})
    world.town_office = DepartmentFactory(center=town, name="东园镇综治办", short_code="DYZZ", with_people=True)
    return world


def _signal(center, title, now):
    return RiskSignal.objects.create(center=center, kind=SignalKind.SURGE, key=f"k-{title}", title=title,
                                     reason="理由", window_start=now - dt.timedelta(days=7), window_end=now,
                                     raised_at=now, last_seen_at=now)


def test_the_command_center_is_the_users_own(levels):
    assert sel.command_center_for_user(user=levels.director) == levels.center
    assert sel.command_center_for_user(user=levels.town_director) == levels.town
    assert sel.command_center_for_user(user=levels.station) is None
    assert "村（社区）综治站" in sel.command_center_refusal(user=levels.station)


def test_a_town_reads_its_own_radar_and_never_the_districts(client, levels, now):
    district_signal, town_signal = _signal(levels.center, "区级信号", now), _signal(levels.town, "镇级信号", now)
    client.force_login(levels.town_director)
    page = client.get(reverse("command:radar")).content.decode()
    assert "镇级信号" in page and "区级信号" not in page
    assert client.get(reverse("command:signal", args=[district_signal.pk])).status_code == 404
    with pytest.raises(PermissionDeniedError) as refused:
        signal_dismiss(actor=levels.town_director, signal=district_signal, reason="不是我们的")
    assert refused.value.code in ("not_your_center", "not_found")
    assert signal_dismiss(actor=levels.town_director, signal=town_signal, reason="已化解").status == "dismissed"
    # the district center's people are unchanged: the district's radar
    client.force_login(levels.director)
    page = client.get(reverse("command:radar")).content.decode()
    assert "区级信号" in page and "镇级信号" not in page


def test_a_town_radar_counts_only_its_towns_matters(levels, now):
    other_town = levels.case(registered_at=now - dt.timedelta(hours=3))  # 洛阳镇, not 东园镇
    mine = levels.matter(at=now - dt.timedelta(hours=2))
    ids = set(type(mine).objects.filter(sel.command_matters(center=levels.town)).values_list("pk", flat=True))
    assert mine.pk in ids and other_town.pk not in ids
    run = radar_run(center=levels.town, now=now)  # runs over the town alone, without error
    assert all(signal.center_id == levels.town.pk for signal in run.raised)


def test_the_hourly_radar_runs_for_the_district_and_every_town_and_no_village(levels, now):
    from command.tasks import radar_run_task

    radar_run_task()
    assert set(RadarRun.objects.values_list("center_id", flat=True)) == {levels.center.pk, levels.town.pk}
    radar_run_task(center_id=levels.village.pk)  # on demand for a village: nothing to run
    assert not RadarRun.objects.filter(center=levels.village).exists()


def test_letters_by_level(levels, now):
    district_letter = letter_issue(actor=levels.director, center=levels.center, kind=LetterKind.WORK_REMINDER,
                                   department=levels.zgj, subject="区级函", body="正文", now=now)
    with pytest.raises(PermissionDeniedError) as refused:
        letter_issue(actor=levels.town_director, center=levels.center, kind=LetterKind.WORK_REMINDER,
                     department=levels.zgj, subject="越级", body="正文", now=now)
    assert refused.value.code == "not_your_center" and "东园镇综治中心" in refused.value.message
    town_letter = letter_issue(actor=levels.town_director, center=levels.town, kind=LetterKind.WORK_REMINDER,
                               department=levels.town_office, subject="镇级函", body="正文", now=now)
    with pytest.raises(ApplicationError, match="收函单位不属于本中心"):
        letter_issue(actor=levels.town_director, center=levels.town, kind=LetterKind.WORK_REMINDER,
                     department=levels.zgj, subject="发给区局", body="正文", now=now)
    assert list(sel.letters_visible(actor=levels.town_director)) == [town_letter]
    assert district_letter in sel.letters_visible(actor=levels.director)
    assert town_letter not in sel.letters_visible(actor=levels.director)


def test_a_town_holds_its_weekly_and_monthly_meetings_not_the_districts(client, levels, now):
    kwargs = {"scheduled_at": now + dt.timedelta(days=2), "chair": levels.town_director, "now": now, "title": ""}
    weekly = consultation_schedule(actor=levels.town_director, center=levels.town, kind=ConsultationKind.TOWN_WEEKLY,
                                   **kwargs)
    assert consultation_schedule(actor=levels.town_director, center=levels.town,
                                 kind=ConsultationKind.TOWN_JOINT_MONTHLY, **kwargs)
    with pytest.raises(ApplicationError, match="不召开"):
        consultation_schedule(actor=levels.town_director, center=levels.town,
                              kind=ConsultationKind.DISPATCH_BIWEEKLY, **kwargs)
    with pytest.raises(PermissionDeniedError) as refused:
        consultation_schedule(actor=levels.town_director, center=levels.center,
                              kind=ConsultationKind.DISPATCH_BIWEEKLY, **kwargs)
    assert refused.value.code == "not_your_center"
    district = consultation_schedule(actor=levels.director, center=levels.center,
                                     kind=ConsultationKind.DISPATCH_BIWEEKLY,
                                     **{**kwargs, "chair": levels.director})
    assert weekly in sel.consultations_visible(actor=levels.town_director)
    assert district not in sel.consultations_visible(actor=levels.town_director)
    assert weekly not in sel.consultations_visible(actor=levels.director)
    # the page offers the town's kinds and schedules at the town
    client.force_login(levels.town_director)
    page = client.get(reverse("command:consultations")).content.decode()
    assert str(ConsultationKind.TOWN_WEEKLY.label) in page and str(ConsultationKind.DISPATCH_BIWEEKLY.label) not in page
    assert client.get(reverse("command:consultation", args=[district.pk])).status_code == 404
    client.post(reverse("command:consultation-schedule"), {
        "kind": ConsultationKind.TOWN_WEEKLY, "title": "第47周例会", "scheduled_at": "2026-11-20T09:00",
        "chair": levels.town_director.pk})
    assert Consultation.objects.get(title="第47周例会").center == levels.town


def test_daily_and_monthly_reports_by_level(client, levels, now):
    town_report = daily_report_generate(center=levels.town, day=now.date(), now=now)
    district_report = daily_report_generate(center=levels.center, day=now.date(), now=now)
    with pytest.raises(PermissionDeniedError) as refused:
        daily_report_issue(actor=levels.town_director, report=district_report, now=now)
    assert refused.value.code == "not_your_center"
    assert daily_report_issue(actor=levels.town_director, report=town_report, now=now).status == "issued"
    client.force_login(levels.town_director)
    assert client.get(reverse("command:daily-report", args=[district_report.pk])).status_code == 404
    client.post(reverse("command:daily-report-generate"))
    assert set(DailyReport.objects.values_list("center__code", flat=True)) == {"QZTS", "350521105"}
    # the monthly work report: the town's own, commentary and issue included
    month = Month(2026, 10)
    with pytest.raises(PermissionDeniedError):
        report_commentary_save(actor=levels.town_director, center=levels.center, month=month, commentary="越级")
    page = client.get(reverse("review:report", args=["2026-10"])).content.decode()
    assert "东园镇综治中心" in page
    client.post(reverse("review:report-commentary", args=["2026-10"]), {"commentary": "本镇十月平稳", "issue": "on"})
    from review.models import WorkReport

    report = WorkReport.objects.get()
    assert (report.center, report.commentary, report.status) == (levels.town, "本镇十月平稳", "issued")


def test_a_village_station_runs_no_command_work_and_is_told_why(client, levels, now):
    client.force_login(levels.station)
    for name in ("command:radar", "command:daily-reports"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        assert "村（社区）综治站" in response.content.decode() and 'data-testid="refusal-reason"' in \
            response.content.decode()
    assert client.get(reverse("command:letter-new")).status_code == 403
    page = client.get(reverse("command:consultations"))  # the meetings they are invited to; nothing to schedule
    assert page.status_code == 200 and 'name="kind"' not in page.content.decode()
    assert not sel.consultations_visible(actor=levels.station).exists()
    with pytest.raises(PermissionDeniedError):
        letter_issue(actor=levels.station, center=levels.town, kind=LetterKind.WORK_REMINDER,
                     department=levels.town_office, subject="x", body="x", now=now)
    assert not WarningLetter.objects.exists()


def test_the_radar_runs_on_demand_for_a_town_over_its_own_matters(levels, now):
    """立即研判 at a town sub-center queues `radar_run_task(center_id=town)`: it runs over the town's
    matters and raises the town's signals (the task once ran for district centers only)."""
    from command import tasks
    from command.tests.factories import ordinary_weeks

    ordinary_weeks(levels)
    for i in range(8):
        levels.matter(unit=i % 2, at=now - dt.timedelta(days=i % 6, hours=2), address="夜市")
    assert tasks.radar_run_task(center_id=levels.town.pk) == 1
    assert list(RiskSignal.objects.values_list("center", "kind")) == [(levels.town.pk, SignalKind.SURGE)]
    # a village station runs none, even asked by id
    assert tasks.radar_run_task(center_id=levels.village.pk) == 0


def test_the_radar_button_at_a_town_queues_the_towns_run(client, levels, now, monkeypatch):
    from command import tasks

    queued = []
    monkeypatch.setattr(tasks.radar_run_task, "delay", lambda **kwargs: queued.append(kwargs))
    client.force_login(levels.town_director)
    client.post(reverse("command:radar-run"))
    assert queued == [{"center_id": levels.town.pk, "requested_by_id": levels.town_director.pk}]


def test_the_morning_daily_report_beat_runs_for_each_town_with_matters(levels, now):
    from command import tasks
    from governance.models import Grid

    quiet_grid = Grid.objects.create(level="town", name="张坂镇", code="350521106")
    quiet = Center.objects.create(name="张坂镇综治中心", code="350521106", level="town", parent=levels.center,
                                  district=levels.center, territory=quiet_grid)
    levels.matter(at=now - dt.timedelta(hours=20), risk_level="high")
    assert tasks.daily_report_generate_task() == 2
    reports = {report.center_id: report for report in DailyReport.objects.all()}
    assert set(reports) == {levels.center.pk, levels.town.pk} and quiet.pk not in reports
    assert tasks.daily_report_generate_task() == 2  # again: one report per center and day
    assert DailyReport.objects.count() == 2


def test_a_page_refused_by_role_says_whom_it_is_for(client, levels):
    client.force_login(levels.station)  # a village station's dispatcher: no work report, no assessment
    for name in ("review:report-current", "review:assessment"):
        page = client.get(reverse(name))
        assert page.status_code == 403
        reason = page.content.decode()
        assert 'data-testid="refusal-reason"' in reason and "轮值主任" in reason and "指挥长" in reason, name
