"""The command pages: who sees them, and one page action each (bad input gives a message, no 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from command.choices import SignalStatus
from command.models import ActionItem, Consultation, DailyReport, WarningLetter
from command.services.radar import radar_run
from command.tests.factories import ordinary_weeks

pytestmark = pytest.mark.django_db


@pytest.fixture
def surge(world, now):
    ordinary_weeks(world)
    for i in range(8):
        world.matter(at=now - dt.timedelta(days=i % 6, hours=2))
    return radar_run(center=world.center, now=now).raised[0]


def test_radar_page_for_director_and_leader_not_for_departments(client, world, surge):
    client.force_login(world.director)
    page = client.get(reverse("command:radar"))
    assert page.status_code == 200 and surge.title in page.content.decode()
    assert client.get(reverse("command:signal", args=[surge.pk])).status_code == 200
    client.force_login(world.leader)
    assert client.get(reverse("command:radar")).status_code == 200
    client.force_login(world.zgj.liaison)
    assert client.get(reverse("command:radar")).status_code == 403
    assert client.get(reverse("command:signal", args=[surge.pk])).status_code == 404


def test_dismiss_needs_a_reason_and_leaders_cannot(client, world, surge):
    client.force_login(world.leader)
    client.post(reverse("command:signal-dismiss", args=[surge.pk]), {"reason": "看过了"})
    surge.refresh_from_db()
    assert surge.status == SignalStatus.OPEN
    client.force_login(world.director)
    response = client.post(reverse("command:signal-dismiss", args=[surge.pk]), {"reason": ""}, follow=True)
    assert response.status_code == 200 and "排除理由" in response.content.decode()
    client.post(reverse("command:signal-dismiss", args=[surge.pk]), {"reason": "夜市已关停"})
    surge.refresh_from_db()
    assert surge.status == SignalStatus.DISMISSED and surge.dismiss_reason == "夜市已关停"


def test_letter_from_signal_prefilled_issued_printed_and_answered(client, world, surge):
    client.force_login(world.director)
    form = client.get(reverse("command:letter-new"), {"signal": surge.pk}).content.decode()
    assert surge.reason in form and f'value="{world.dongyuan_town.pk}" selected' in form
    bad = client.post(reverse("command:letter-new"), {"signal": surge.pk, "kind": "risk_warning", "subject": "",
                                                     "body": "x", "answer_limit_working_days": 99,
                                                     "department": world.dongyuan_town.pk})
    assert bad.status_code == 200 and not WarningLetter.objects.exists()
    response = client.post(reverse("command:letter-new"), {
        "signal": surge.pk, "kind": "risk_warning", "subject": surge.title, "body": surge.reason,
        "requirements": "", "answer_limit_working_days": 5, "department": world.dongyuan_town.pk})
    letter = WarningLetter.objects.get()
    assert response.status_code == 302 and response.url == reverse("command:letter", args=[letter.pk])
    printed = client.get(response.url).content.decode()
    assert "〔2026〕预警1号" in printed and "official-letter" in printed and "东园镇人民政府：" in printed
    client.force_login(world.police.liaison)
    assert client.get(response.url).status_code == 404
    client.force_login(world.dongyuan_town.liaison)
    assert client.get(reverse("command:letters")).content.decode().count("〔2026〕预警1号") == 1
    client.post(reverse("command:letter-answer", args=[letter.pk]), {"answer": "已整改"})
    letter.refresh_from_db()
    assert letter.status == "answered" and letter.answered_late is False


def test_consultation_pages_schedule_decide_and_owner_reports_done(client, world, now, surge):
    client.force_login(world.director)
    response = client.post(reverse("command:consultation-schedule"), {
        "kind": "dispatch_biweekly", "title": "双周研判", "scheduled_at": "2026-11-19T15:00", "place": "会商室",
        "chair": world.commander.pk, "invitees": [world.dongyuan_town.liaison.pk]})
    meeting = Consultation.objects.get()
    assert response.status_code == 302
    client.post(reverse("command:signal-agenda", args=[surge.pk]), {"consultation": meeting.pk})
    assert meeting.agenda.get().signal == surge
    client.post(reverse("command:consultation-record", args=[meeting.pk]),
                {"minutes": "研究夜市噪音", "attended": [world.dongyuan_town.liaison.pk]})
    client.post(reverse("command:consultation-decide", args=[meeting.pk]), {
        "text": "夜市闭市时间调整到 22:00", "owner_department": world.dongyuan_town.pk, "due_at": "2026-11-27T17:00",
        "agenda_item": meeting.agenda.get().pk})
    item = ActionItem.objects.get()
    page = client.get(reverse("command:consultation", args=[meeting.pk])).content.decode()
    assert "夜市闭市时间调整到 22:00" in page and "研究夜市噪音" in page
    client.force_login(world.dongyuan_town.liaison)
    assert "夜市闭市时间调整到 22:00" in client.get(reverse("command:actions")).content.decode()
    assert client.get(reverse("command:consultation", args=[meeting.pk])).status_code == 200
    client.post(reverse("command:action-done", args=[item.pk]), {"result": "已执行"})
    item.refresh_from_db()
    assert item.status == "done"
    assert "夜市闭市" not in client.get(reverse("command:actions")).content.decode()
    client.force_login(world.police.liaison)
    assert client.get(reverse("command:consultation", args=[meeting.pk])).status_code == 404


def test_bad_schedule_input_is_a_message_not_a_500(client, world):
    client.force_login(world.director)
    response = client.post(reverse("command:consultation-schedule"), {"kind": "nope", "scheduled_at": "x"}, follow=True)
    assert response.status_code == 200 and not Consultation.objects.exists()
    client.force_login(world.zgj.liaison)
    assert client.post(reverse("command:consultation-schedule"), {}).status_code == 403


def test_daily_report_generated_reviewed_and_issued(client, world, now):
    client.force_login(world.director)
    response = client.post(reverse("command:daily-report-generate"))
    report = DailyReport.objects.get()
    assert response.url == reverse("command:daily-report", args=[report.pk])
    assert "今日无重点矛盾纠纷需报告" in client.get(response.url).content.decode()
    client.force_login(world.leader)
    assert client.get(response.url).status_code == 404  # a draft is the duty director's
    client.force_login(world.director)
    client.post(reverse("command:daily-report-issue", args=[report.pk]), {"note": "平稳"})
    client.force_login(world.leader)
    assert client.get(response.url).status_code == 200



def test_a_consultation_or_a_decision_sent_twice_is_made_once(client, world, now):
    from governance.tests.pages import once_key

    client.force_login(world.director)
    page = client.get(reverse("command:consultations")).content.decode()
    data = {"kind": "dispatch_biweekly", "title": "双周研判", "scheduled_at": "2026-11-19T15:00", "place": "会商室",
            "chair": world.commander.pk, "once": once_key(page, reverse("command:consultation-schedule"))}
    first = client.post(reverse("command:consultation-schedule"), data)
    second = client.post(reverse("command:consultation-schedule"), data)
    meeting = Consultation.objects.get()
    assert first.url == second.url == reverse("command:consultation", args=[meeting.pk])
    url = reverse("command:consultation-decide", args=[meeting.pk])
    page = client.get(reverse("command:consultation", args=[meeting.pk])).content.decode()
    data = {"text": "夜市闭市时间调整到 22:00", "owner_department": world.dongyuan_town.pk,
            "due_at": "2026-11-27T17:00", "once": once_key(page, url)}
    client.post(url, data)
    client.post(url, data)
    assert ActionItem.objects.count() == 1


def test_a_daily_report_listing_overdue_assignments_and_summonses_opens_for_director_and_leader(client, world, now):
    """Issue 21 item 2: a newly overdue assignment in the report made its page 500 (the section
    template read a `reason` that overdue rows do not have)."""
    from dispatch.choices import AssignmentRole, AssignmentStatus, SummonsStatus
    from dispatch.models import Assignment, Summons
    from intake.choices import HandlingMode

    yesterday = now - dt.timedelta(days=1)
    late = world.matter(at=now - dt.timedelta(days=9), title="楼道堆物长期未清")
    Assignment.objects.create(
        case=late, center=world.center, department=world.zgj, mode=HandlingMode.TRANSFER, role=AssignmentRole.SOLE,
        status=AssignmentStatus.ACKNOWLEDGED, assigned_at=now - dt.timedelta(days=9),
        ack_due_at=now - dt.timedelta(days=9), due_at=yesterday - dt.timedelta(hours=2),
        original_due_at=yesterday - dt.timedelta(hours=2), overdue_at=yesterday - dt.timedelta(hours=2))
    Summons.objects.create(center=world.center, reason="征地阻路", status=SummonsStatus.APPROVED,
                           requested_by=world.director, requested_at=yesterday, case=late)
    Summons.objects.create(center=world.center, reason="夜间聚集", status=SummonsStatus.REQUESTED,
                           requested_by=world.director, requested_at=yesterday)
    client.force_login(world.director)
    client.post(reverse("command:daily-report-generate"))
    report = DailyReport.objects.get()
    assert report.content["overdue"]["count"] == 1
    page = client.get(reverse("command:daily-report", args=[report.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "楼道堆物长期未清" in html and "资规建交局" in html and "征地阻路" in html and "夜间聚集" in html
    client.post(reverse("command:daily-report-issue", args=[report.pk]), {"note": "请资规建交局抓紧"})
    client.force_login(world.leader)
    assert client.get(reverse("command:daily-report", args=[report.pk])).status_code == 200


HUGE_ID = str(10**30)


def _meeting(client, world) -> Consultation:
    client.force_login(world.director)
    client.post(reverse("command:consultation-schedule"), {
        "kind": "dispatch_biweekly", "title": "双周研判", "scheduled_at": "2026-11-19T15:00",
        "chair": world.commander.pk})
    return Consultation.objects.get()


@pytest.mark.parametrize("due_at", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_a_decision_due_beyond_the_calendar_is_a_form_error_not_a_500(client, world, now, due_at):
    """Issue 21 item 4: a decision due 9999-12-31 overflowed adding the escalation delay."""
    meeting = _meeting(client, world)
    response = client.post(reverse("command:consultation-decide", args=[meeting.pk]), {
        "text": "夜市闭市", "owner_department": world.dongyuan_town.pk, "due_at": due_at}, follow=True)
    assert response.status_code == 200 and not ActionItem.objects.exists()
    assert "1900" in response.content.decode() and "2199" in response.content.decode()


@pytest.mark.parametrize("field", ["invitees", "chair"])
def test_an_invitee_id_beyond_the_database_is_a_form_error_not_a_500(client, world, field):
    client.force_login(world.director)
    data = {"kind": "dispatch_biweekly", "title": "双周研判", "scheduled_at": "2026-11-19T15:00",
            "chair": world.commander.pk, "invitees": [world.dongyuan_town.liaison.pk]}
    data[field] = [HUGE_ID] if field == "invitees" else HUGE_ID
    response = client.post(reverse("command:consultation-schedule"), data, follow=True)
    assert response.status_code == 200 and not Consultation.objects.exists()


def test_attendees_beyond_the_database_and_a_meeting_in_the_year_9999_are_form_errors(client, world):
    meeting = _meeting(client, world)
    response = client.post(reverse("command:consultation-record", args=[meeting.pk]),
                           {"minutes": "研究", "attended": [HUGE_ID]}, follow=True)
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.minutes == ""
    response = client.post(reverse("command:consultation-schedule"), {
        "kind": "dispatch_biweekly", "title": "年会", "scheduled_at": "9999-12-31T23:59",
        "chair": world.commander.pk}, follow=True)
    assert response.status_code == 200 and Consultation.objects.count() == 1
    assert "1900" in response.content.decode()
