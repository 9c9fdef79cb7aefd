"""The command pages: who sees them, and one page action each (bad input gives a message, no 500)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from review.command_choices import SignalStatus
from review.models import ActionItem, Consultation, DailyReport, WarningLetter
from review.services.radar import radar_run
from review.tests.factories import ordinary_weeks

pytestmark = pytest.mark.django_db


@pytest.fixture
def surge(world, now):
    ordinary_weeks(world)
    for i in range(8):
        world.matter(at=now - dt.timedelta(days=i % 6, hours=2))
    return radar_run(center=world.center, now=now).raised[0]


def test_radar_page_for_director_and_leader_not_for_departments(client, world, surge):
    client.force_login(world.director)
    page = client.get(reverse("review:radar"))
    assert page.status_code == 200 and surge.title in page.content.decode()
    assert client.get(reverse("review:signal", args=[surge.pk])).status_code == 200
    client.force_login(world.leader)
    assert client.get(reverse("review:radar")).status_code == 200
    client.force_login(world.zgj.liaison)
    assert client.get(reverse("review:radar")).status_code == 403
    assert client.get(reverse("review:signal", args=[surge.pk])).status_code == 404


def test_dismiss_needs_a_reason_and_leaders_cannot(client, world, surge):
    client.force_login(world.leader)
    client.post(reverse("review:signal-dismiss", args=[surge.pk]), {"reason": "看过了"})
    surge.refresh_from_db()
    assert surge.status == SignalStatus.OPEN
    client.force_login(world.director)
    response = client.post(reverse("review:signal-dismiss", args=[surge.pk]), {"reason": ""}, follow=True)
    assert response.status_code == 200 and "排除理由" in response.content.decode()
    client.post(reverse("review:signal-dismiss", args=[surge.pk]), {"reason": "夜市已关停"})
    surge.refresh_from_db()
    assert surge.status == SignalStatus.DISMISSED and surge.dismiss_reason == "夜市已关停"


def test_letter_from_signal_prefilled_issued_printed_and_answered(client, world, surge):
    client.force_login(world.director)
    form = client.get(reverse("review:letter-new"), {"signal": surge.pk}).content.decode()
    assert surge.reason in form and f'value="{world.dongyuan_town.pk}" selected' in form
    bad = client.post(reverse("review:letter-new"), {"signal": surge.pk, "kind": "risk_warning", "subject": "",
                                                     "body": "x", "answer_limit_working_days": 99,
                                                     "department": world.dongyuan_town.pk})
    assert bad.status_code == 200 and not WarningLetter.objects.exists()
    response = client.post(reverse("review:letter-new"), {
        "signal": surge.pk, "kind": "risk_warning", "subject": surge.title, "body": surge.reason,
        "requirements": "", "answer_limit_working_days": 5, "department": world.dongyuan_town.pk})
    letter = WarningLetter.objects.get()
    assert response.status_code == 302 and response.url == reverse("review:letter", args=[letter.pk])
    printed = client.get(response.url).content.decode()
    assert "〔2026〕预警1号" in printed and "official-letter" in printed and "东园镇人民政府：" in printed
    client.force_login(world.police.liaison)
    assert client.get(response.url).status_code == 404
    client.force_login(world.dongyuan_town.liaison)
    assert client.get(reverse("review:letters")).content.decode().count("〔2026〕预警1号") == 1
    client.post(reverse("review:letter-answer", args=[letter.pk]), {"answer": "已整改"})
    letter.refresh_from_db()
    assert letter.status == "answered" and letter.answered_late is False


def test_consultation_pages_schedule_decide_and_owner_reports_done(client, world, now, surge):
    client.force_login(world.director)
    response = client.post(reverse("review:consultation-schedule"), {
        "kind": "dispatch_biweekly", "title": "双周研判", "scheduled_at": "2026-11-19T15:00", "place": "会商室",
        "chair": world.commander.pk, "invitees": [world.dongyuan_town.liaison.pk]})
    meeting = Consultation.objects.get()
    assert response.status_code == 302
    client.post(reverse("review:signal-agenda", args=[surge.pk]), {"consultation": meeting.pk})
    assert meeting.agenda.get().signal == surge
    client.post(reverse("review:consultation-record", args=[meeting.pk]),
                {"minutes": "研究夜市噪音", "attended": [world.dongyuan_town.liaison.pk]})
    client.post(reverse("review:consultation-decide", args=[meeting.pk]), {
        "text": "夜市闭市时间调整到 22:00", "owner_department": world.dongyuan_town.pk, "due_at": "2026-11-27T17:00",
        "agenda_item": meeting.agenda.get().pk})
    item = ActionItem.objects.get()
    page = client.get(reverse("review:consultation", args=[meeting.pk])).content.decode()
    assert "夜市闭市时间调整到 22:00" in page and "研究夜市噪音" in page
    client.force_login(world.dongyuan_town.liaison)
    assert "夜市闭市时间调整到 22:00" in client.get(reverse("review:actions")).content.decode()
    assert client.get(reverse("review:consultation", args=[meeting.pk])).status_code == 200
    client.post(reverse("review:action-done", args=[item.pk]), {"result": "已执行"})
    item.refresh_from_db()
    assert item.status == "done"
    assert "夜市闭市" not in client.get(reverse("review:actions")).content.decode()
    client.force_login(world.police.liaison)
    assert client.get(reverse("review:consultation", args=[meeting.pk])).status_code == 404


def test_bad_schedule_input_is_a_message_not_a_500(client, world):
    client.force_login(world.director)
    response = client.post(reverse("review:consultation-schedule"), {"kind": "nope", "scheduled_at": "x"}, follow=True)
    assert response.status_code == 200 and not Consultation.objects.exists()
    client.force_login(world.zgj.liaison)
    assert client.post(reverse("review:consultation-schedule"), {}).status_code == 403


def test_daily_report_generated_reviewed_and_issued(client, world, now):
    client.force_login(world.director)
    response = client.post(reverse("review:daily-report-generate"))
    report = DailyReport.objects.get()
    assert response.url == reverse("review:daily-report", args=[report.pk])
    assert "今日无重点矛盾纠纷需报告" in client.get(response.url).content.decode()
    client.force_login(world.leader)
    assert client.get(response.url).status_code == 404  # a draft is the duty director's
    client.force_login(world.director)
    client.post(reverse("review:daily-report-issue", args=[report.pk]), {"note": "平稳"})
    client.force_login(world.leader)
    assert client.get(response.url).status_code == 200



def test_a_consultation_or_a_decision_sent_twice_is_made_once(client, world, now):
    from governance.tests.pages import once_key

    client.force_login(world.director)
    page = client.get(reverse("review:consultations")).content.decode()
    data = {"kind": "dispatch_biweekly", "title": "双周研判", "scheduled_at": "2026-11-19T15:00", "place": "会商室",
            "chair": world.commander.pk, "once": once_key(page, reverse("review:consultation-schedule"))}
    first = client.post(reverse("review:consultation-schedule"), data)
    second = client.post(reverse("review:consultation-schedule"), data)
    meeting = Consultation.objects.get()
    assert first.url == second.url == reverse("review:consultation", args=[meeting.pk])
    url = reverse("review:consultation-decide", args=[meeting.pk])
    page = client.get(reverse("review:consultation", args=[meeting.pk])).content.decode()
    data = {"text": "夜市闭市时间调整到 22:00", "owner_department": world.dongyuan_town.pk,
            "due_at": "2026-11-27T17:00", "once": once_key(page, url)}
    client.post(url, data)
    client.post(url, data)
    assert ActionItem.objects.count() == 1
