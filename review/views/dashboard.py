"""The leaders' dashboard (领导通): a page readable on a phone, its figures also as JSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from governance import selectors as org_selectors
from governance.choices import CenterLevel
from governance.navigation import user_level
from governance.replica import reads_from_replica
from governance.roles import MAY_READ_ASSESSMENT, MAY_READ_DASHBOARD, may, require_may
from review.selectors import dashboard as selectors
from review.selectors.assessment_history import assessment_default_month, assessment_snapshot
from review.services.summary import summaries_ensure


def _scope(request: HttpRequest) -> selectors.Scope:
    require_may(request.user, MAY_READ_DASHBOARD)
    center = org_selectors.center_for_user(user=request.user)
    if center is None:
        raise Http404("未配置中心")
    scope = selectors.scope_for(center=center)
    summaries_ensure(district=scope.district)
    return scope


def _ranking(request: HttpRequest, scope: selectors.Scope) -> dict:
    month = assessment_default_month(center=scope.district)
    snapshot = assessment_snapshot(center=scope.district, month=month)
    # The assessment is the district center's (its departments and towns, a town's government among
    # them): a town's or village's people read the ranking, named as the district's, without the link.
    at_district = user_level(request.user) == CenterLevel.DISTRICT
    ranking = {"month": str(month), "rows": [], "url": "", "computed_at": None,
               "district": "" if at_district else scope.district.name}
    if snapshot is None:
        return ranking
    ranked = sorted((row for row in snapshot.figures["departments"] if row["rank"] is not None), key=lambda r: r["rank"])
    rows = [{**row, "partial": row.get("measured_weight", 0) < row.get("total_weight", 0)} for row in ranked[:10]]
    reads_assessment = may(request.user, MAY_READ_ASSESSMENT) and at_district
    link = f"{reverse('review:assessment')}?month={month}" if reads_assessment else ""
    return ranking | {"rows": rows, "url": link, "computed_at": snapshot.computed_at,
                      "partial": any(row["partial"] for row in rows)}


@login_required
@reads_from_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    data = selectors.dashboard_data(scope=scope)
    charts = {key: data[key] for key in ("by_channel", "by_status", "by_town", "trend")}
    return render(request, "review/dashboard.html", {"data": data, "charts": charts,
                                                    "ranking": _ranking(request, scope)})


@login_required
@reads_from_replica
def dashboard_data(request: HttpRequest) -> JsonResponse:
    scope = _scope(request)
    return JsonResponse(selectors.dashboard_data(scope=scope))
