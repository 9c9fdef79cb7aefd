"""Pages of the shell: home, health, status, directory."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext
from django.views import defaults
from django.views.decorators.cache import never_cache

from governance import selectors, workcal
from governance.health import DEGRADED, check_database, failing_checks, system_health
from governance.middleware import bad_input_response
from governance.navigation import home_panels_for
from governance.roles import MAY_VIEW_STATUS, may, require_may


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
    """The center's health: 200 while it works ("ok", or "recovering" while a backlog drains after an
    outage), 503 when a component is down or a deadline is missed now. Anyone gets only the status;
    the checks (database vendor, broker host and port, queues, workers) are for those who may see the
    status page (issue 24 item 7)."""
    report = system_health()
    status = 503 if report["status"] == DEGRADED else 200
    if not may(request.user, MAY_VIEW_STATUS):
        report = {"status": report["status"]}
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})


@never_cache
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: this web process answers and reaches its database. The
    workers, queues and lag are /healthz's business (a late step must not take the web out)."""
    database = check_database()
    body = {"status": "ok" if database["ok"] else "down"}
    if may(request.user, MAY_VIEW_STATUS):
        body["database"] = database  # the vendor and the error only for staff (issue 24 item 7)
    return JsonResponse(body,
                        status=200 if database["ok"] else 503, json_dumps_params={"ensure_ascii": False})


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    require_may(request.user, MAY_VIEW_STATUS)
    report = system_health()
    return render(request, "governance/status.html", {"report": report, "failing": failing_checks(report)})


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


# --- error pages: JSON for programs under /api/ and /open311/, Chinese pages for people ----------


def _error(request: HttpRequest, status: int, code: str, message: str,
           reason: str = "") -> HttpResponse:
    """`reason`: the Chinese sentence a view refused with (`PermissionDenied("…")`), shown instead of
    the generic explanation (e.g. why a village station runs no command work)."""
    if request.path.startswith(("/api/", "/open311/")):
        return bad_input_response(request, reason or message, status=status, code=code)
    handlers = {400: defaults.bad_request, 403: defaults.permission_denied, 404: defaults.page_not_found}
    if status in handlers:
        return handlers[status](request, exception=reason or None)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "bad_request", gettext("请求有误。"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return _error(request, 403, "permission_denied", gettext("您没有执行此操作的权限。"), reason)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", gettext("未找到，或您无权查看。"))


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return _error(request, 500, "server_error", gettext("服务器内部错误，已记录，请稍后再试。"))


# Seconds a client is asked to wait before trying again when the database refused the connection.
DATABASE_RETRY_AFTER = 5


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The database refused or dropped the connection (PostgreSQL out of connections, restarting): a
    503 that says so in Chinese, at once (the connection attempt gives up after `connect_timeout`),
    rendered without touching the database; the next request connects again by itself."""
    message = gettext("数据库暂时无法接入（连接已满或正在恢复），请几秒后重试。")
    if request.path.startswith(("/api/", "/open311/")):
        response = bad_input_response(request, message, status=503, code="database_unavailable")
    else:
        response = HttpResponse(loader.get_template("503_database.html").render(), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response
