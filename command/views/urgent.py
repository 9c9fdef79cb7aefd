"""Pages of the 情况报告: the center's list (open ones with the countdown to their next 续报, closed
ones below), the form of the 首报 (from nothing or from a matter), the one page per report with every
report of the series in order and the 续报 / 终报 form, its PDF, and the panel on a matter's pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from command.selectors import urgent as sel
from command.selectors import work as command_sel
from command.services import urgent as svc
from command.services.urgent_pdf import urgent_report_pdf
from command.urgent_forms import FollowUpForm, UrgentReportForm
from command.views.pages import _decides, _district_or_404, _require_reader
from dispatch.selectors.duty import duty_standing
from governance.page_actions import Action, perform
from governance.parsing import db_id
from governance.roles import MAY_FILE_URGENT_REPORT, may
from governance.selectors import center_for_user
from intake.models import Case
from intake.selectors import cases_visible_to


def _remaining(report: Any, now: Any) -> int:
    """Seconds to the next 续报 (negative when due and not sent), for the page's ticking countdown."""
    return int((report.next_due_at - now).total_seconds()) if report.next_due_at else 0


@login_required
def urgent_report_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    center = _district_or_404(request)
    open_rows, closed = sel.urgent_reports_page(actor=request.user)
    now = timezone.now()
    for row in open_rows:
        row.remaining_seconds = _remaining(row, now)
    decides = _decides(request, MAY_FILE_URGENT_REPORT, center)
    return render(request, "command/urgent_reports.html", {
        **decides, "center": center, "open_rows": open_rows, "closed": closed, "now": now})


URGENT_FILE = Action(UrgentReportForm, svc.urgent_report_file, "", gettext_lazy("情况报告（首报）已报送，已通知领导。"))


@login_required
def urgent_report_new(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_FILE_URGENT_REPORT):
        raise PermissionDenied
    refusal = svc.urgent_report_village_refusal(center_for_user(user=request.user))
    if refusal:
        raise PermissionDenied(refusal)
    center = _district_or_404(request)
    if request.method == "POST":
        form = UrgentReportForm(request.POST, center=center, actor=request.user)
        report = perform(request, URGENT_FILE, center=center, form=form)
        if report is not None:
            return redirect("command:urgent-report", pk=report.pk)
        case = form.cleaned_data.get("case") if hasattr(form, "cleaned_data") else None
    else:
        case = None
        if request.GET.get("case"):
            case_id = db_id(request.GET["case"])
            case = (cases_visible_to(user=request.user).select_related("town", "category").filter(
                pk=case_id).first() if case_id else None)
            if case is None:
                raise Http404
        now = timezone.localtime()
        initial: dict[str, Any] = {"occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
                                   "interval_minutes": svc.DEFAULT_INTERVAL_MINUTES}
        if case is not None:
            initial |= {"case": case.pk, "title": case.title[:200], "place": (case.address or "")[:200],
                        "occurred_at": timezone.localtime(case.registered_at).strftime("%Y-%m-%dT%H:%M"),
                        "what_happened": f"事项 {case.code}（{case.category.name}）：{case.title}。"}
        form = UrgentReportForm(initial=initial, center=center, actor=request.user)
    decides = _decides(request, MAY_FILE_URGENT_REPORT, center)
    return render(request, "command/urgent_report_form.html", {**decides, "form": form, "case": case,
                                                               "center": center})


@login_required
def urgent_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.urgent_report_get_for_actor(actor=request.user, pk=pk)
    # Only the reporting center's own people follow it up (a town's report is read at the district).
    own = command_sel.command_center_for_user(user=request.user)
    decides = (_decides(request, MAY_FILE_URGENT_REPORT, report.center) if own is not None
               and own.pk == report.center_id and report.status == "open" else {})
    return render(request, "command/urgent_report.html", {
        **decides, "report": report, "entries": sel.urgent_report_entries(report),
        "remaining_seconds": _remaining(report, timezone.now()),
        "can_follow_up": decides.get("decides", False),
        "form": FollowUpForm(center=report.center, actor=request.user, target=report)
        if decides.get("decides") else None,
    })


URGENT_FOLLOW_UP = Action(FollowUpForm, svc.urgent_report_follow_up, "report",
                          lambda entry: gettext("已报送%(label)s，已通知领导。") % {"label": entry.label})


@login_required
@require_POST
def urgent_report_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.urgent_report_get_for_actor(actor=request.user, pk=pk)
    perform(request, URGENT_FOLLOW_UP, report, center=report.center)
    return redirect("command:urgent-report", pk=report.pk)


@login_required
def urgent_report_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.urgent_report_get_for_actor(actor=request.user, pk=pk)
    response = HttpResponse(urgent_report_pdf(report, sel.urgent_report_entries(report)),
                            content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"情况报告-{report.year}-{report.number}.pdf")
    return response


def urgent_panel(*, case: Case, user: Any, request: HttpRequest | None = None) -> list[SafeString | str]:
    """On a matter's pages: its 情况报告 and, for the duty director on duty or a commander of a center
    whose territory holds it, 报送情况报告."""
    if not user.is_authenticated:
        return []
    center = command_sel.command_center_for_user(user=user)
    may_file = (center is not None and may(user, MAY_FILE_URGENT_REPORT)
                and command_sel.case_in_command_territory(case=case, center=center))
    blocked = ""
    if may_file:
        standing = duty_standing(actor=user, center=center)
        may_file, blocked = standing.may_direct, standing.direct_refusal
    reports = list(sel.urgent_reports_visible(actor=user).filter(case=case).order_by("-opened_at")[:20])
    if not may_file and not blocked and not reports:
        return []
    return [render_to_string("command/_case_urgent_panel.html", {
        "case": case, "reports": reports, "may_file": may_file, "blocked": blocked})]
