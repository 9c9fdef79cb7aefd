"""The daily report of key disputes: generated on working days from the data, a quiet day says so,
issued once by the duty director to the leaders."""

from __future__ import annotations

import datetime as dt

import pytest

from command.choices import DailyReportStatus
from command.services.daily import daily_report_generate, daily_report_issue
from dispatch.models import Notification
from governance.errors import ApplicationError, PermissionDeniedError
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


def test_report_lists_key_disputes_group_and_high_risk_and_is_issued_to_leaders(
        world, now, django_capture_on_commit_callbacks):
    yesterday = now - dt.timedelta(days=1)
    key = world.matter(category=category("JF02"), at=yesterday, risk_level="medium", title="邻里宅基地争执")
    group = world.matter(category=world.neighbours, at=yesterday, is_group=True, group_size=20, title="二十人讨薪")
    world.matter(category=category("JF02"), at=yesterday, title="一般邻里纠纷")  # low risk: not key
    world.matter(category=category("JF02"), at=now - dt.timedelta(days=3), risk_level="high", title="旧的高风险")
    report = daily_report_generate(center=world.center, day=now.date(), now=now)
    c = report.content
    assert (report.period_start.date(), report.period_end.date()) == (dt.date(2026, 11, 17), dt.date(2026, 11, 18))
    assert [row["pk"] for row in c["key_disputes"]["items"]] == [key.pk]
    assert [row["pk"] for row in c["group"]["items"]] == [group.pk]
    assert [row["title"] for row in c["high_risk"]["items"]] == ["旧的高风险"]
    assert not report.nothing_to_report
    assert daily_report_generate(center=world.center, day=now.date(), now=now).pk == report.pk

    with pytest.raises(PermissionDeniedError):
        daily_report_issue(actor=world.leader, report=report, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        daily_report_issue(actor=world.director, report=report, note="请东园镇重点关注。", now=now)
    report.refresh_from_db()
    issued_content = report.content
    assert report.status == DailyReportStatus.ISSUED and report.issued_by == world.director
    note = Notification.objects.get(recipient=world.leader, kind="review.daily_report")
    assert "重点纠纷 1" in note.body and "群体性 1" in note.body
    with pytest.raises(ApplicationError):
        daily_report_issue(actor=world.director, report=report, now=now)
    world.matter(category=category("JF02"), at=yesterday, risk_level="high", title="签发后登记")
    daily_report_generate(center=world.center, day=now.date(), now=now)
    report.refresh_from_db()
    assert report.content == issued_content  # an issued report never changes


def test_quiet_day_says_nothing_to_report_and_days_off_have_no_report(world, now,
                                                                     django_capture_on_commit_callbacks):
    report = daily_report_generate(center=world.center, day=now.date(), now=now)
    assert report.nothing_to_report
    with django_capture_on_commit_callbacks(execute=True):
        daily_report_issue(actor=world.director, report=report, now=now)
    assert Notification.objects.get(recipient=world.leader, kind="review.daily_report").body == "今日无重点矛盾纠纷需报告。"
    assert daily_report_generate(center=world.center, day=dt.date(2026, 11, 21), now=now) is None  # Saturday
    monday = daily_report_generate(center=world.center, day=dt.date(2026, 11, 23), now=now)
    assert monday.period_start.date() == dt.date(2026, 11, 20)  # Friday to Sunday
