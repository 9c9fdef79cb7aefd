"""The monthly work report page (printable), the commentary, the export and its progress, downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from command.selectors.work import command_center_for_user, command_center_refusal
from governance.models import Center
from governance.page_actions import Action, perform
from governance.replica import reads_from_replica
from governance.roles import MAY_READ_ASSESSMENT, MAY_WRITE_REPORT_COMMENTARY, may
from review.forms import ReportCommentaryForm, ReportExportForm
from review.models import WorkReport
from review.selectors.assessment_figures import RATES, Month
from review.selectors.report import report_content, report_get
from review.services.report import report_commentary_save, report_export_request
from review.views.assessment import matter_cells, month_or_404, require_reader


def reader_center(request: HttpRequest, roles: frozenset[str] = MAY_READ_ASSESSMENT) -> Center:
    """The work report's center: the reader's own command center (the district's report for the
    district center, a town's for its sub-center, never the district's for a town; a village station
    has none and is told why)."""
    require_reader(request, roles)
    center = command_center_for_user(user=request.user)
    if center is None:
        raise PermissionDenied(command_center_refusal(user=request.user))
    return center


@login_required
def report_current(request: HttpRequest) -> HttpResponse:
    """The menu's 工作专报: this month's report of the reader's own center."""
    reader_center(request)
    today = timezone.localdate()
    return redirect("review:report", month=str(Month(today.year, today.month)))


@login_required
@reads_from_replica
def report_page(request: HttpRequest, month: str) -> HttpResponse:
    center = reader_center(request)
    parsed = month_or_404(month)
    content = report_content(center=center, month=parsed)
    report = report_get(center=center, month=parsed)
    may_comment = may(request.user, MAY_WRITE_REPORT_COMMENTARY) and report.status == WorkReport.Status.DRAFT
    charts = {"channels": content["channels"], "categories": content["categories"][:10]}
    ranking_rows = [{**row, "rate_values": [row["rates"].get(key) for key, *_rest in RATES],
                     "partial": row.get("measured_weight", 0) < row.get("total_weight", 0)}
                    for row in content["ranking"] + content["unranked"]]
    return render(request, "review/report.html", {
        "center": center, "month": parsed, "content": content, "report": report, "charts": charts,
        "matters": matter_cells(center, parsed), "ranking_rows": ranking_rows,
        "form": ReportCommentaryForm(initial={"commentary": report.commentary}) if may_comment else None,
    })


COMMENTARY = Action(ReportCommentaryForm, report_commentary_save, "month", gettext_lazy("意见已保存。"))
EXPORT = Action(ReportExportForm, report_export_request, "month", gettext_lazy("正在后台生成 PDF 和 Excel，进度见下。"),
                level=messages.INFO)


@login_required
@require_POST
def report_commentary(request: HttpRequest, month: str) -> HttpResponse:
    center = reader_center(request, MAY_WRITE_REPORT_COMMENTARY)
    parsed = month_or_404(month)
    perform(request, COMMENTARY, parsed, center=center)
    return redirect("review:report", month=str(parsed))


@login_required
@require_POST
def report_export(request: HttpRequest, month: str) -> HttpResponse:
    center = reader_center(request)
    parsed = month_or_404(month)
    perform(request, EXPORT, parsed, center=center)
    return redirect("review:report", month=str(parsed))


@login_required
def report_export_status(request: HttpRequest, month: str) -> JsonResponse:
    center = reader_center(request)
    parsed = month_or_404(month)
    report = report_get(center=center, month=parsed)
    done = report.export_status == WorkReport.Export.DONE
    return JsonResponse({
        "status": report.export_status, "label": str(report.get_export_status_display()),
        "progress": report.export_progress, "error": report.export_error,
        "pdf": reverse("review:report-download", args=[str(parsed), "pdf"]) if done and report.pdf else "",
        "xlsx": reverse("review:report-download", args=[str(parsed), "xlsx"]) if done and report.xlsx else "",
    })


@login_required
def report_download(request: HttpRequest, month: str, kind: str) -> FileResponse:
    center = reader_center(request)
    parsed = month_or_404(month)
    report = report_get(center=center, month=parsed)
    field = {"pdf": report.pdf, "xlsx": report.xlsx}.get(kind) if report.pk else None
    if not field:
        raise Http404("文件尚未生成")
    content_type = "application/pdf" if kind == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return FileResponse(field.open("rb"), as_attachment=True, content_type=content_type,
                        filename=f"{parsed.year}年{parsed.month}月工作专报.{kind}")
