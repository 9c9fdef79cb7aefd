"""The working-calendar month page: which days count, and whether a year's schedule is missing."""

from __future__ import annotations

import calendar
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from governance import selectors
from governance.parsing import month_start
from governance.workcal import WorkingCalendar


def _month_from(request: HttpRequest) -> dt.date:
    today = timezone.localdate()
    first = month_start(request.GET.get("year", today.year), request.GET.get("month", today.month))
    return first or today.replace(day=1)


@login_required
def calendar_month(request: HttpRequest) -> HttpResponse:
    first = _month_from(request)
    center = selectors.center_for_user(user=request.user)
    cal = WorkingCalendar(center=center)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append([
            {"date": day, "in_month": day.month == first.month, "working": cal.is_working_day(day),
             "name": cal.day_name(day), "weekend": day.weekday() >= 5}
            for day in week
        ])
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    today = timezone.localdate()
    context = {
        "first": first,
        "weeks": weeks,
        "previous": previous,
        "following": following,
        "today": today,
        "missing_years": cal.missing_years(sorted({first.year, today.year, today.year + 1})),
        "working_days_in_month": sum(1 for w in weeks for d in w if d["in_month"] and d["working"]),
    }
    return render(request, "governance/calendar.html", context)
