"""The daily report of key disputes as a PDF download (the same readers as its page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from command.selectors import work as sel
from command.services.daily_pdf import daily_report_pdf


@login_required
def daily_report_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = sel.daily_report_get_for_actor(actor=request.user, pk=pk)
    response = HttpResponse(daily_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"矛盾纠纷日报-{report.date:%Y-%m-%d}.pdf")
    return response
