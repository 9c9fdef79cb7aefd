"""Reads of the 情况报告: which reports a person sees, one report with its entries in order, the
reports about a matter, and the day's reports for the daily report.

A district center's people (its staff and leaders: `MAY_READ_COMMAND`) see their center's own
reports and those its towns reported up to it; a town sub-center's people their town's. A village
station files none and sees none (it reports to its town by phone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from command.choices import UrgentReportStatus
from command.models import UrgentReport
from command.models.urgent import urgent_reference
from command.selectors.work import command_center_for_user, is_center_reader
from governance.errors import NotFoundError
from governance.models import Center


def urgent_reports_visible(*, actor: AbstractBaseUser) -> QuerySet[UrgentReport]:
    center = command_center_for_user(user=actor) if actor.is_authenticated else None
    if center is None or not is_center_reader(actor):
        return UrgentReport.objects.none()
    return UrgentReport.objects.filter(Q(center=center) | Q(to_center=center))


def urgent_report_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> UrgentReport:
    """One report (NotFoundError, a 404, when missing or not the actor's center's)."""
    report = (urgent_reports_visible(actor=actor).select_related(
        "center", "to_center", "case", "opened_by", "closed_by").filter(pk=pk).first())
    if report is None:
        raise NotFoundError()
    return report


def urgent_report_entries(report: UrgentReport) -> list[Any]:
    return list(report.entries.select_related("reported_by").order_by("sequence"))


def urgent_reports_page(*, actor: AbstractBaseUser) -> tuple[list[UrgentReport], list[UrgentReport]]:
    """The open reports (next follow-up first) and the last closed ones, with their entry counts."""
    rows = urgent_reports_visible(actor=actor).select_related("center", "opened_by").annotate(
        entry_count=Count("entries"))
    open_rows = list(rows.filter(status=UrgentReportStatus.OPEN).order_by("next_due_at", "pk")[:100])
    closed = list(rows.filter(status=UrgentReportStatus.CLOSED).order_by("-closed_at", "-pk")[:50])
    return open_rows, closed


def urgent_reports_for_day(*, center: Center, start: dt.datetime, end: dt.datetime, limit: int) -> dict[str, Any]:
    """For the daily report of `center` (district or town): the reports filed at the center, or filed
    up to it, that were open at some time in [start, end) — filed before `end` and not closed before
    `start` — as plain rows (frozen into the report's content)."""
    rows = (UrgentReport.objects.filter(Q(center=center) | Q(to_center=center), opened_at__lt=end)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start)))
    items = list(rows.annotate(entries_count=Count("entries")).order_by("opened_at", "pk").values(
        "pk", "year", "number", "title", "status", "opened_at", "closed_at", "place", "center__name",
        "entries_count", "case__code")[:limit])
    for item in items:
        item["reference"] = urgent_reference(item["year"], item["number"])
    return {"count": rows.count(), "items": items}
