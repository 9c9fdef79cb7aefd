"""Pages of the 研判专报: the list (and 生成 on demand), a report with its five themes (the duty
director edits each, the commander issues), its PDF. Page actions in the one way of
`governance.page_actions`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from command.choices import AnalysisStatus
from command.forms import AnalysisGenerateForm, AnalysisIssueForm, AnalysisSectionForm
from command.selectors import analysis as sel
from command.selectors.work import command_center_for_user, command_center_refusal, is_center_reader
from command.services import analysis as svc
from command.services.analysis_pdf import analysis_pdf
from command.views.pages import _decides
from governance.page_actions import Action, perform
from governance.roles import MAY_EDIT_ANALYSIS, MAY_ISSUE_ANALYSIS, may


def _center_or_403(request: HttpRequest):
    center = command_center_for_user(user=request.user)
    if center is None or not is_center_reader(request.user):
        raise PermissionDenied(command_center_refusal(user=request.user))
    return center


@login_required
def analysis_list(request: HttpRequest) -> HttpResponse:
    _center_or_403(request)
    may_generate = may(request.user, MAY_EDIT_ANALYSIS | MAY_ISSUE_ANALYSIS)
    start, end = svc.previous_month(timezone.now())
    return render(request, "command/analyses.html", {
        "reports": sel.analyses_visible(actor=request.user).select_related("issued_by")[:60],
        "may_generate": may_generate, "start": start, "end": timezone.localdate()})


GENERATE = Action(AnalysisGenerateForm, svc.analysis_generate, "center", gettext_lazy("研判专报初稿已生成。"))


@login_required
@require_POST
def analysis_generate(request: HttpRequest) -> HttpResponse:
    center = _center_or_403(request)
    report = perform(request, GENERATE, center, center=center)
    if report is None:
        return redirect("command:analyses")
    return redirect("command:analysis", pk=report.pk)


@login_required
def analysis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.analysis_get_for_actor(actor=request.user, pk=pk)
    draft = report.status == AnalysisStatus.DRAFT
    decides = _decides(request, MAY_EDIT_ANALYSIS, report.center if draft else None)
    return render(request, "command/analysis.html", {
        "report": report, "sections": report.sections.select_related("edited_by"),
        "may_edit": draft and decides["decides"], "decide_blocked": decides["decide_blocked"],
        "may_issue": draft and may(request.user, MAY_ISSUE_ANALYSIS)})


EDIT = Action(AnalysisSectionForm, svc.analysis_section_edit, "section", gettext_lazy("已保存修改。"))
ISSUE = Action(AnalysisIssueForm, svc.analysis_issue, "report", gettext_lazy("研判专报已签发，已通知区领导。"))


@login_required
@require_POST
def analysis_section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = sel.analysis_section_get_for_actor(actor=request.user, pk=pk)
    perform(request, EDIT, section, center=section.report.center)
    return redirect("command:analysis", pk=section.report_id)


@login_required
@require_POST
def analysis_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.analysis_get_for_actor(actor=request.user, pk=pk)
    perform(request, ISSUE, report, center=report.center)
    return redirect("command:analysis", pk=report.pk)


@login_required
def analysis_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.analysis_get_for_actor(actor=request.user, pk=pk)
    response = HttpResponse(analysis_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"研判专报-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}.pdf")
    return response
