"""The daily report of key disputes (矛盾纠纷日报): generated each working day from the data,
reviewed and issued by the duty director to the leaders (page + notification).

A report covers the days since the previous working day (Monday's covers Friday to Sunday). Its
sections are frozen into the row when generated; a draft is regenerated when asked again (the data
may have moved), an issued report never changes. A day with nothing in any section says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import DailyReportStatus
from command.models import DailyReport
from command.selectors.urgent import urgent_reports_for_day
from command.selectors.work import command_matters, require_command_center
from dispatch.models import Assignment, Summons
from dispatch.selectors.duty import DIRECT, require_on_duty
from dispatch.services.common import notify_on_commit
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.roles import MAY_ISSUE_DAILY_REPORT, MAY_RECEIVE_DAILY_REPORT, may
from governance.workcal import WorkingCalendar
from intake.choices import OPEN_STATUSES, RiskLevel, Urgency
from intake.models import Case

DISPUTES_CATEGORY = "JF"  # 矛盾纠纷 (seed category tree)
KEY_RISKS = (RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.MAJOR)
HIGH_RISKS = (RiskLevel.HIGH, RiskLevel.MAJOR)
SECTION_LIMIT = 50


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _case_rows(queryset: Any) -> dict[str, Any]:
    rows = list(queryset.order_by("-registered_at").values(
        "pk", "code", "title", "status", "risk_level", "group_size", "registered_at", "town__name")[:SECTION_LIMIT])
    return {"count": queryset.count(), "items": rows}


def daily_report_content(*, center: Center, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The sections, read with one aggregate-per-section (no query per matter)."""
    cases = Case.objects.filter(command_matters(center=center))  # the district's, or a town's
    period = cases.filter(registered_at__gte=start, registered_at__lt=end)
    key = period.filter(Q(category__code=DISPUTES_CATEGORY) | Q(category__parent__code=DISPUTES_CATEGORY)).filter(
        Q(risk_level__in=KEY_RISKS) | Q(urgency__in=(Urgency.URGENT, Urgency.CRITICAL)))
    group = period.filter(is_group=True)
    high = cases.filter(risk_level__in=HIGH_RISKS, status__in=OPEN_STATUSES)
    summonses = list(Summons.objects.filter(center=center, requested_at__gte=start, requested_at__lt=end)
                     .order_by("requested_at").values("pk", "reason", "status", "requested_at", "case__code")
                     [:SECTION_LIMIT])
    overdue_new = Assignment.objects.filter(department__center=center, overdue_at__gte=start, overdue_at__lt=end)
    overdue = list(overdue_new.order_by("overdue_at").values("pk", "case__code", "case__title", "department__name",
                                                             "due_at", "overdue_at")[:SECTION_LIMIT])
    return {
        "key_disputes": _case_rows(key),
        "group": _case_rows(group),
        "high_risk": _case_rows(high),
        "summons": {"count": len(summonses), "items": summonses},
        "overdue": {"count": overdue_new.count(), "items": overdue},
        "urgent": urgent_reports_for_day(center=center, start=start, end=end, limit=SECTION_LIMIT),
        "registered": period.count(),
    }


SECTIONS = ("key_disputes", "group", "high_risk", "summons", "overdue", "urgent")


@transaction.atomic
def daily_report_generate(*, center: Center, day: dt.date, now: dt.datetime | None = None) -> DailyReport | None:
    """The report of `day` (None on a day off). Idempotent: one row per center and day."""
    now = now or timezone.now()
    calendar = WorkingCalendar(center=center)
    if not calendar.is_working_day(day):
        return None
    previous = day - dt.timedelta(days=1)
    while not calendar.is_working_day(previous) and (day - previous).days < 30:
        previous -= dt.timedelta(days=1)
    start, end = _midnight(previous), _midnight(day)
    content = daily_report_content(center=center, start=start, end=end)
    empty = not any(content[name]["count"] for name in SECTIONS)
    report = DailyReport.objects.filter(center=center, date=day).first()
    if report is None:
        try:
            with transaction.atomic():
                return DailyReport.objects.create(center=center, date=day, period_start=start, period_end=end,
                                                  content=content, nothing_to_report=empty, generated_at=now)
        except IntegrityError:
            report = DailyReport.objects.get(center=center, date=day)
    DailyReport.objects.filter(pk=report.pk, status=DailyReportStatus.DRAFT).update(
        content=content, nothing_to_report=empty, generated_at=now)
    report.refresh_from_db()
    return report


@transaction.atomic
def daily_report_issue(*, actor: AbstractBaseUser, report: DailyReport, note: str = "",
                       now: dt.datetime | None = None) -> DailyReport:
    """Reviewed by the duty director and issued to the center's leaders and commanders (once)."""
    now = now or timezone.now()
    if not may(actor, MAY_ISSUE_DAILY_REPORT):
        raise PermissionDeniedError(gettext("只有轮值主任、指挥长可以签发日报。"))
    require_command_center(actor=actor, center=report.center)
    require_on_duty(actor=actor, center=report.center, task=DIRECT, now=now)
    changed = DailyReport.objects.filter(pk=report.pk, status=DailyReportStatus.DRAFT).update(
        status=DailyReportStatus.ISSUED, issued_by=actor, issued_at=now, director_note=(note or "").strip())
    if not changed:
        raise ApplicationError(gettext("该日报已签发。"), code="invalid_transition")
    report.refresh_from_db()
    readers = get_user_model().objects.filter(
        is_active=True, groups__name__in=MAY_RECEIVE_DAILY_REPORT, profile__center=report.center).distinct()
    summary = gettext("今日无重点矛盾纠纷需报告。") if report.nothing_to_report else "、".join(
        f"{label} {report.content[name]['count']}" for name, label in (
            ("key_disputes", "重点纠纷"), ("group", "群体性"), ("high_risk", "高风险"), ("summons", "召集"),
            ("overdue", "超期"), ("urgent", "情况报告")) if report.content.get(name, {}).get("count"))
    notify_on_commit(recipients=list(readers), kind="review.daily_report",
                     title=f"矛盾纠纷日报 {report.date:%Y-%m-%d}", body=summary,
                     link=reverse("command:daily-report", args=[report.pk]),
                     dedupe_key=f"daily-report:{report.pk}:issued", now=now)
    return report
