"""情况报告 (seed 003 情况报告制度, issue 23 item 4): the 首报 at once to the leaders, 续报 every N
minutes on the deadline engine (a reminder, the "due" mark, the commanders when badly late) until the
终报; who may report where and when; the day's reports in the daily report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from command.choices import URGENT_SUBJECT, UrgentReportStatus
from command.models import UrgentReport
from command.selectors.urgent import urgent_reports_visible
from command.services.daily import daily_report_generate
from command.services.daily_pdf import daily_report_pdf
from command.services.urgent import urgent_report_file, urgent_report_follow_up
from command.services.urgent_pdf import urgent_report_pdf
from command.tests.test_daily_pdf import pdf_text
from dispatch.models import DeadlineStep, Notification
from dispatch.services import deadline_sweep
from dispatch.tests.factories import DutyRosterFactory, DutyTeamFactory
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.tests.factories import UserFactory
from intake.models import CaseEvent

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 16)  # the week of NOW (2026-11-18 10:00, a Wednesday): 公安分局's


@pytest.fixture
def urgent(world):
    """A weekly rotation (公安分局 with `director` this week, 资规建交局 next week), a town sub-center
    (东园镇) with its director and a village station (阳光社区) under it."""
    world.off_director = UserFactory(username="director_zgj", roles=["duty_director"],
                                     profile={"center": world.center})
    DutyTeamFactory(department=world.police, main_director=world.director, deputy_director=None)
    DutyTeamFactory(department=world.zgj, main_director=world.off_director, deputy_director=None)
    DutyRosterFactory(center=world.center, departments=[world.police, world.zgj], start_date=MONDAY, weekly=True)
    world.town_center = Center.objects.create(name="东园镇综治中心", code="350521105", level="town",
                                              parent=world.center, district=world.center, territory=world.dongyuan)
    world.village = Center.objects.create(name="阳光社区综治站", code="350521105001", level="village",
                                          parent=world.town_center, district=world.center, territory=world.sunshine)
    world.town_director = UserFactory(username="town_dy", roles=["duty_director"],
                                      profile={"center": world.town_center})
    world.town_leader = UserFactory(username="town_leader", roles=["leader"], profile={"center": world.town_center})
    world.station = UserFactory(username="station_yg", roles=["duty_director"], profile={"center": world.village})
    return world


def _file(world, *, now, actor=None, center=None, **kwargs):
    defaults = {"title": "阳光社区在建工地脚手架坍塌", "occurred_at": now - dt.timedelta(minutes=10), "place": "阳光社区安置房工地", "what_happened": "脚手架局部坍塌，2 人被压。",
        "casualties": "2 人受伤", "measures": "已拨打 120，网格员到场", "next_steps": "核实伤情", "interval_minutes": 60}
    return urgent_report_file(actor=actor or world.director, center=center or world.center, now=now,
                              **(defaults | kwargs))


def _kinds(recipient):
    return sorted(Notification.objects.filter(recipient=recipient, channel="in_app").values_list("kind", flat=True))


def test_first_report_follow_ups_and_final_report_from_a_matter(urgent, now, django_capture_on_commit_callbacks):
    case = urgent.matter(at=now - dt.timedelta(hours=1), title="工地脚手架坍塌")
    with django_capture_on_commit_callbacks(execute=True):
        report = _file(urgent, case=case, now=now)
    assert report.reference == "〔2026〕情况报告1号" and report.to_center == urgent.center
    assert report.next_due_at == now + dt.timedelta(minutes=60) and report.status == UrgentReportStatus.OPEN
    steps = DeadlineStep.objects.filter(subject_type=URGENT_SUBJECT, subject_id=report.pk, cancelled_at__isnull=True)
    assert sorted((s.kind, s.due_at - now) for s in steps) == [
        ("due_reminder", dt.timedelta(minutes=50)), ("escalation", dt.timedelta(minutes=90)),
        ("overdue", dt.timedelta(minutes=60))]
    # the district's leaders and commanders are told at once (urgent: SMS too), not the reporter
    for person in (urgent.leader, urgent.commander, urgent.deputy):
        assert _kinds(person) == ["urgent_report.initial"]
    assert _kinds(urgent.director) == []
    assert Notification.objects.filter(recipient=urgent.leader, kind="urgent_report.initial").exclude(
        channel="in_app").exists()

    with django_capture_on_commit_callbacks(execute=True):
        first = urgent_report_follow_up(actor=urgent.director, report=report, what_happened="伤员送医，均为轻伤。",
                                        now=now + dt.timedelta(minutes=40))
    report.refresh_from_db()
    assert (first.sequence, first.kind, first.late, first.label) == (1, "follow_up", False, "续报（第1次）")
    assert report.next_due_at == now + dt.timedelta(minutes=100)
    assert DeadlineStep.objects.filter(subject_type=URGENT_SUBJECT, subject_id=report.pk, cancelled_at__isnull=True,
                                       kind="overdue").get().due_at == now + dt.timedelta(minutes=100)
    assert _kinds(urgent.leader) == ["urgent_report.follow_up", "urgent_report.initial"]

    final = urgent_report_follow_up(actor=urgent.director, report=report, what_happened="现场处置完毕。", final=True,
                                    now=now + dt.timedelta(minutes=130))
    report.refresh_from_db()
    assert (final.sequence, final.kind, final.late) == (2, "final", True)  # due at +100, sent at +130
    assert report.status == UrgentReportStatus.CLOSED and report.next_due_at is None
    assert not DeadlineStep.objects.filter(subject_type=URGENT_SUBJECT, subject_id=report.pk,
                                           cancelled_at__isnull=True, fired_at__isnull=True).exists()
    with pytest.raises(ApplicationError) as again:
        urgent_report_follow_up(actor=urgent.director, report=report, what_happened="再报", now=now)
    assert again.value.code == "invalid_transition"
    assert [e.type for e in CaseEvent.objects.filter(case=case, type__startswith="urgent_report.").order_by("pk")] == [
        "urgent_report.filed", "urgent_report.followed_up", "urgent_report.closed"]


def test_two_follow_ups_at_once_make_one(urgent, now):
    report = _file(urgent, now=now)
    stale = UrgentReport.objects.get(pk=report.pk)
    urgent_report_follow_up(actor=urgent.director, report=report, what_happened="进展一", now=now)
    with pytest.raises(ApplicationError, match="刷新"):
        urgent_report_follow_up(actor=urgent.commander, report=stale, what_happened="进展一（另一人）", now=now)
    assert report.entries.count() == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"interval_minutes": 5}, "interval_minutes"), ({"interval_minutes": 721}, "interval_minutes"),
    ({"what_happened": " \u200b "}, "what_happened"), ({"place": ""}, "place"),
    ({"title": "坍\x00塌"}, "title"),
])
def test_the_facts_and_the_interval_are_checked(urgent, now, change, field):
    with pytest.raises(ApplicationError) as refused:
        _file(urgent, now=now, **change)
    assert refused.value.field == field


def test_the_event_time_is_now_or_recent(urgent, now):
    with pytest.raises(ApplicationError, match="不能晚于现在"):
        _file(urgent, now=now, occurred_at=now + dt.timedelta(hours=1))
    with pytest.raises(ApplicationError, match="30 天"):
        _file(urgent, now=now, occurred_at=now - dt.timedelta(days=31))


# --- who may report, where, when ------------------------------------------------------------------
def test_the_off_duty_director_a_leader_and_a_dispatcher_may_not_report(urgent, now):
    with pytest.raises(PermissionDeniedError) as refused:
        _file(urgent, actor=urgent.off_director, now=now)
    assert refused.value.code == "not_on_duty"
    with pytest.raises(PermissionDeniedError):
        _file(urgent, actor=urgent.leader, now=now)
    with pytest.raises(PermissionDeniedError):
        _file(urgent, actor=urgent.dispatcher, now=now)
    # next week is his; the commander reports at any time
    assert _file(urgent, actor=urgent.off_director, now=now + dt.timedelta(days=7))
    assert _file(urgent, actor=urgent.commander, now=now)
    report = _file(urgent, now=now)
    with pytest.raises(PermissionDeniedError) as refused:  # he may read it, not follow it up off duty
        urgent_report_follow_up(actor=urgent.off_director, report=report, what_happened="x", now=now)
    assert refused.value.code == "not_on_duty"


def test_a_village_station_reports_to_its_town_which_reports_to_the_district(
        urgent, now, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDeniedError) as refused:
        _file(urgent, actor=urgent.station, center=urgent.village, now=now)
    assert refused.value.code == "not_your_center" and "镇综治中心" in refused.value.message
    with pytest.raises(PermissionDeniedError) as refused:  # a town files for its own center only
        _file(urgent, actor=urgent.town_director, center=urgent.center, now=now)
    assert refused.value.code == "not_your_center"
    with django_capture_on_commit_callbacks(execute=True):
        town_report = _file(urgent, actor=urgent.town_director, center=urgent.town_center, now=now)
    assert town_report.to_center == urgent.center
    # up to the district: its leaders, commanders and the duty director on duty; the town's own leader
    for person in (urgent.leader, urgent.commander, urgent.director, urgent.town_leader):
        assert _kinds(person) == ["urgent_report.initial"]
    assert _kinds(urgent.off_director) == []
    district_report = _file(urgent, now=now)
    assert set(urgent_reports_visible(actor=urgent.leader)) == {town_report, district_report}
    assert set(urgent_reports_visible(actor=urgent.off_director)) == {town_report, district_report}
    assert set(urgent_reports_visible(actor=urgent.town_director)) == {town_report}
    assert set(urgent_reports_visible(actor=urgent.station)) == set()
    # the district reads a town's report; the town follows it up, not the district
    with pytest.raises(PermissionDeniedError) as refused:
        urgent_report_follow_up(actor=urgent.director, report=town_report, what_happened="x", now=now)
    assert refused.value.code == "not_your_center"
    assert urgent_report_follow_up(actor=urgent.town_director, report=town_report, what_happened="x", now=now)
    with pytest.raises(PermissionDeniedError):
        urgent_report_follow_up(actor=urgent.town_director, report=district_report, what_happened="x", now=now)


def test_a_town_reports_only_matters_of_its_town(urgent, now):
    other = urgent.case(registered_at=now - dt.timedelta(hours=1))  # 洛阳镇
    with pytest.raises(ApplicationError) as refused:
        _file(urgent, actor=urgent.town_director, center=urgent.town_center, case=other, now=now)
    assert refused.value.field == "case"
    mine = urgent.matter(at=now - dt.timedelta(hours=1))
    assert _file(urgent, actor=urgent.town_director, center=urgent.town_center, case=mine, now=now).case == mine


# --- the engine ------------------------------------------------------------------------------------
def test_the_engine_reminds_marks_due_and_escalates_once(urgent, now):
    case = urgent.matter(at=now - dt.timedelta(hours=1))
    report = _file(urgent, case=case, now=now)
    due = report.next_due_at

    deadline_sweep(now=due - dt.timedelta(minutes=10))
    assert _kinds(urgent.director) == ["urgent_report.due_reminder"]
    deadline_sweep(now=due + dt.timedelta(seconds=20))
    report.refresh_from_db()
    assert report.late_since == due + dt.timedelta(seconds=20)
    assert _kinds(urgent.director) == ["urgent_report.due_reminder", "urgent_report.follow_up_due"]
    assert Notification.objects.filter(recipient=urgent.director, kind="urgent_report.follow_up_due").exclude(
        channel="in_app").exists()  # urgent: by SMS too
    assert _kinds(urgent.commander) == ["urgent_report.initial"]
    deadline_sweep(now=due + dt.timedelta(minutes=1))  # a second sweep adds nothing
    assert len(_kinds(urgent.director)) == 2

    deadline_sweep(now=due + dt.timedelta(minutes=30))
    report.refresh_from_db()
    assert report.escalated_at == due + dt.timedelta(minutes=30)
    assert _kinds(urgent.commander) == ["urgent_report.escalated", "urgent_report.initial"]
    assert _kinds(urgent.deputy) == ["urgent_report.initial"]  # the commander on duty (the deputies when none)
    assert [e.type for e in CaseEvent.objects.filter(case=case, type__startswith="urgent_report.").order_by("pk")] == [
        "urgent_report.filed", "urgent_report.follow_up_late", "urgent_report.escalated"]

    # the late 续报 clears the marks and starts the next cycle; its old steps do not fire again
    entry = urgent_report_follow_up(actor=urgent.director, report=report, what_happened="进展",
                                    now=due + dt.timedelta(minutes=35))
    report.refresh_from_db()
    assert entry.late and report.late_since is None and report.escalated_at is None
    deadline_sweep(now=report.next_due_at - dt.timedelta(minutes=11))
    assert len(_kinds(urgent.director)) == 2
    deadline_sweep(now=report.next_due_at - dt.timedelta(minutes=9))
    assert _kinds(urgent.director).count("urgent_report.due_reminder") == 2


def test_a_step_whose_follow_up_was_sent_meanwhile_does_nothing(urgent, now):
    report = _file(urgent, now=now)
    due = report.next_due_at
    step = DeadlineStep.objects.get(subject_type=URGENT_SUBJECT, subject_id=report.pk, kind="overdue")
    # the follow-up moves the due time on; the old step, claimed before it was cancelled, finds it moved
    UrgentReport.objects.filter(pk=report.pk).update(next_due_at=due + dt.timedelta(hours=1))
    deadline_sweep(now=due + dt.timedelta(seconds=5))
    step.refresh_from_db()
    report.refresh_from_db()
    assert step.fired_at is not None and step.outcome != "acted" and report.late_since is None
    assert _kinds(urgent.director) == []


# --- the daily report --------------------------------------------------------------------------------
def test_the_daily_report_lists_the_days_urgent_reports(urgent, now):
    yesterday = now - dt.timedelta(days=1)
    open_one = _file(urgent, now=yesterday, title="昨日突发：堵路")
    closed_old = _file(urgent, now=now - dt.timedelta(days=3), title="三天前的事件")
    urgent_report_follow_up(actor=urgent.director, report=closed_old, what_happened="结束", final=True,
                            now=now - dt.timedelta(days=3) + dt.timedelta(hours=1))
    town = _file(urgent, actor=urgent.town_director, center=urgent.town_center, now=yesterday, title="镇报：火情")
    report = daily_report_generate(center=urgent.center, day=now.date(), now=now)
    section = report.content["urgent"]
    assert section["count"] == 2 and not report.nothing_to_report
    assert [row["title"] for row in section["items"]] == ["昨日突发：堵路", "镇报：火情"]
    assert section["items"][0]["reference"] == open_one.reference and section["items"][0]["entries_count"] == 1
    assert section["items"][1]["center__name"] == "东园镇综治中心"
    town_daily = daily_report_generate(center=urgent.town_center, day=now.date(), now=now)
    assert [row["pk"] for row in town_daily.content["urgent"]["items"]] == [town.pk]
    text = pdf_text(daily_report_pdf(report))
    assert "六、情况报告（重大案件、突发事件）（2件）" in text and "昨日突发：堵路" in text and open_one.reference in text


# --- pages, PDF and API -----------------------------------------------------------------------------
def test_pages_as_director_and_leader(urgent, now, client):
    case = urgent.matter(at=now - dt.timedelta(hours=1))
    client.force_login(urgent.director)
    assert "urgent-from-matter" in client.get(reverse("dispatch:work-case", args=[case.pk])).content.decode()
    for bad in ("99999999999999999999999999", "abc", "0"):
        assert client.get(reverse("command:urgent-report-new") + f"?case={bad}").status_code == 404
    page = client.get(reverse("command:urgent-report-new") + f"?case={case.pk}")
    assert page.status_code == 200 and case.code in page.content.decode()
    response = client.post(reverse("command:urgent-report-new"), {
        "title": "工地坍塌", "occurred_at": "2026-11-18T09:40", "place": "阳光社区工地", "what_happened": "坍塌",
        "casualties": "", "measures": "", "next_steps": "", "interval_minutes": "30", "case": str(case.pk),
        "once": "k1"})
    report = UrgentReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("command:urgent-report", args=[report.pk])
    assert report.case == case and report.interval_minutes == 30
    page = client.get(response.url).content.decode()
    assert 'data-testid="urgent-follow-up-form"' in page and 'data-remaining="1800"' in page
    client.post(reverse("command:urgent-report-follow-up", args=[report.pk]),
                {"what_happened": "伤员已送医", "once": "k2"})
    client.post(reverse("command:urgent-report-follow-up", args=[report.pk]),
                {"what_happened": "处置完毕", "final": "on", "once": "k3"})
    report.refresh_from_db()
    assert report.status == "closed" and report.entries.count() == 3
    pdf = client.get(reverse("command:urgent-report-pdf", args=[report.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for words in ("情况报告", report.reference, "首报", "续报（第1次）", "伤员已送医", "终报", "处置完毕", "阳光社区工地"):
        assert words in text, words
    assert pdf_text(urgent_report_pdf(report, list(report.entries.all()))) == text

    client.force_login(urgent.leader)
    listing = client.get(reverse("command:urgent-reports")).content.decode()
    assert report.reference in listing and "urgent-new" not in listing
    page = client.get(reverse("command:urgent-report", args=[report.pk])).content.decode()
    assert "处置完毕" in page and "伤员已送医" in page and "urgent-follow-up-form" not in page
    assert client.get(reverse("command:urgent-report-new")).status_code == 403

    client.force_login(urgent.station)
    assert client.get(reverse("command:urgent-report", args=[report.pk])).status_code == 404
    assert client.get(reverse("command:urgent-report-new")).status_code == 403

    client.force_login(urgent.off_director)
    page = client.get(reverse("command:urgent-reports")).content.decode()
    assert "urgent-new" not in page and "不在值班" in page


def test_api(urgent, now):
    api = APIClient()
    api.force_authenticate(urgent.director)
    answer = api.post("/api/review/urgent-reports/", {
        "title": "突发火情", "occurred_at": "2026-11-18T09:50:00+08:00", "place": "海滨社区", "what_happened": "民房起火",
        "interval_minutes": 30}, format="json")
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert answer.json()["entries"][0]["kind"] == "initial"
    follow = api.post(f"/api/review/urgent-reports/{pk}/follow-ups/", {"what_happened": "明火已扑灭", "final": True},
                      format="json")
    assert follow.status_code == 201 and follow.json()["kind"] == "final"
    again = api.post(f"/api/review/urgent-reports/{pk}/follow-ups/", {"what_happened": "x"}, format="json")
    assert again.status_code == 409 or again.json()["error"]["code"] == "invalid_transition"
    assert api.get(f"/api/review/urgent-reports/{pk}/").json()["status"] == "closed"

    api.force_authenticate(urgent.off_director)
    refused = api.post("/api/review/urgent-reports/", {
        "title": "x", "occurred_at": "2026-11-18T09:50:00+08:00", "place": "x", "what_happened": "x"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_on_duty"
    api.force_authenticate(urgent.station)
    assert api.get(f"/api/review/urgent-reports/{pk}/").status_code == 404
    refused = api.post("/api/review/urgent-reports/", {
        "title": "x", "occurred_at": "2026-11-18T09:50:00+08:00", "place": "x", "what_happened": "x"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_center"
