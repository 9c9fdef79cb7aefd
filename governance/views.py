"""Pages of the shell: home, health, status, directory."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from governance import selectors, workcal
from governance.health import system_health
from governance.navigation import home_panels_for
from governance.roles import MAY_VIEW_STATUS, may


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    center = selectors.center_for_user(user=request.user)
    calendar = workcal.WorkingCalendar(center=center)
    context = {
        "today": today,
        "is_working_day": calendar.is_working_day(today),
        "day_name": calendar.day_name(today),
        "center": center,
        "profile": getattr(request.user, "profile", None),
        "stationed": selectors.departments_stationed_on(center=center, day=today) if center else [],
        "panels": home_panels_for(request.user),
    }
    return render(request, "governance/home.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = system_health()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503,
                        json_dumps_params={"ensure_ascii": False})


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_VIEW_STATUS):
        raise PermissionDenied
    return render(request, "governance/status.html", {"report": system_health()})


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    center = selectors.center_for_user(user=request.user)
    context = {
        "center": center,
        "departments": selectors.departments_for_center(center=center) if center else [],
        "windows": selectors.windows_for_center(center=center) if center else [],
        "stationed": selectors.departments_stationed_on(center=center, day=timezone.localdate()) if center else [],
    }
    return render(request, "governance/directory.html", context)
