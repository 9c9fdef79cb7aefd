"""The leaders' dashboard (领导通): a page readable on a phone, its figures also as JSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from governance import selectors as org_selectors
from governance.roles import MAY_READ_ASSESSMENT, MAY_READ_DASHBOARD, may
from review.selectors import dashboard as selectors
from review.selectors.assessment import Month, assessment_snapshot


def _scope(request: HttpRequest) -> selectors.Scope:
    if not may(request.user, MAY_READ_DASHBOARD):
        raise PermissionDenied
    center = org_selectors.center_for_user(user=request.user)
    if center is None:
        raise Http404("未配置中心")
    return selectors.scope_for(center=center)


def _ranking(request: HttpRequest, scope: selectors.Scope) -> dict:
    today = timezone.localdate()
    month = Month(today.year, today.month)
    snapshot = assessment_snapshot(center=scope.district, month=month)
    if snapshot is None:
        return {"month": str(month), "rows": [], "url": "", "computed_at": None}
    ranked = sorted((row for row in snapshot.figures["departments"] if row["rank"] is not None), key=lambda r: r["rank"])
    link = f"{reverse('review:assessment')}?month={month}" if may(request.user, MAY_READ_ASSESSMENT) else ""
    return {"month": str(month), "rows": ranked[:10], "url": link, "computed_at": snapshot.computed_at}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    data = selectors.dashboard_data(scope=scope)
    charts = {key: data[key] for key in ("by_channel", "by_status", "by_town", "trend")}
    return render(request, "review/dashboard.html", {"data": data, "charts": charts,
                                                    "ranking": _ranking(request, scope)})


@login_required
def dashboard_data(request: HttpRequest) -> JsonResponse:
    scope = _scope(request)
    return JsonResponse(selectors.dashboard_data(scope=scope))
