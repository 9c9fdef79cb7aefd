"""The monthly work report: the duty director's commentary, issuing, and the PDF/Excel export run in
Celery (a token claims each run, so a repeated or stale task does nothing)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.roles import MAY_READ_ASSESSMENT, MAY_WRITE_REPORT_COMMENTARY, may
from review.models import WorkReport
from review.selectors.assessment import Month
from review.selectors.report import report_content
from review.services.report_files import report_pdf, report_xlsx

COMMENTARY_MAX = 5000


def _report_row(center: Center, month: Month) -> WorkReport:
    try:
        with transaction.atomic():
            report, _created = WorkReport.objects.get_or_create(center=center, year=month.year, month=month.month)
    except IntegrityError:
        report = WorkReport.objects.get(center=center, year=month.year, month=month.month)
    return report


@transaction.atomic
def report_commentary_save(
    *, actor: AbstractBaseUser, center: Center, month: Month, commentary: str, issue: bool = False,
    now: dt.datetime | None = None,
) -> WorkReport:
    """The duty director writes (or changes) the commentary; issuing fixes it for the leadership."""
    now = now or timezone.now()
    if not may(actor, MAY_WRITE_REPORT_COMMENTARY):
        raise PermissionDeniedError(gettext("只有轮值主任或管理员可以撰写专报意见。"))
    if len(commentary) > COMMENTARY_MAX:
        raise ApplicationError(gettext("意见不能超过 %(n)s 字。") % {"n": COMMENTARY_MAX}, code="too_long",
                               field="commentary")
    report = _report_row(center, month)
    fields = {"commentary": commentary.strip(), "commentary_by": actor}
    if issue:
        fields |= {"status": WorkReport.Status.ISSUED, "issued_at": now}
    changed = WorkReport.objects.filter(pk=report.pk, status=WorkReport.Status.DRAFT).update(**fields)
    if changed != 1:
        raise ApplicationError(gettext("专报已签发，意见不能再修改。"), code="issued")
    report.refresh_from_db()
    return report


def report_export_request(*, actor: AbstractBaseUser, center: Center, month: Month) -> WorkReport:
    """Queue the PDF and Excel files; the page shows the progress."""
    if not may(actor, MAY_READ_ASSESSMENT):
        raise PermissionDeniedError()
    report = _report_row(center, month)
    token = uuid.uuid4().hex
    with transaction.atomic():
        changed = (WorkReport.objects.filter(pk=report.pk)
                   .exclude(export_status__in=[WorkReport.Export.QUEUED, WorkReport.Export.RUNNING])
                   .update(export_status=WorkReport.Export.QUEUED, export_progress=0, export_token=token,
                           export_error=""))
        if changed != 1:
            raise ApplicationError(gettext("专报正在生成，请稍候。"), code="busy")

        def queue() -> None:
            from review.tasks import report_export

            report_export.delay(report.pk, token)

        transaction.on_commit(queue)
    report.refresh_from_db()
    return report


def _progress(report_id: int, token: str, percent: int, **fields: object) -> bool:
    return WorkReport.objects.filter(pk=report_id, export_token=token).update(export_progress=percent, **fields) == 1


def report_export_run(*, report_id: int, token: str, now: dt.datetime | None = None) -> bool:
    """Build both files. False when this run no longer applies (another request took over, or done)."""
    now = now or timezone.now()
    claimed = WorkReport.objects.filter(pk=report_id, export_token=token,
                                        export_status=WorkReport.Export.QUEUED).update(
        export_status=WorkReport.Export.RUNNING, export_progress=5)
    if claimed != 1:
        return False
    report = WorkReport.objects.select_related("center").get(pk=report_id)
    month = Month(report.year, report.month)
    try:
        content = report_content(center=report.center, month=month, now=now)
        _progress(report_id, token, 40)
        pdf = report_pdf(content, report.commentary)
        _progress(report_id, token, 70)
        xlsx = report_xlsx(content, report.commentary)
        _progress(report_id, token, 90)
    except Exception as exc:  # the failure is shown on the page; the next request starts afresh
        _progress(report_id, token, 0, export_status=WorkReport.Export.FAILED, export_error=str(exc)[:300])
        raise
    name = f"work-report-{month}"
    report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
    return WorkReport.objects.filter(pk=report_id, export_token=token).update(
        pdf=report.pdf.name, xlsx=report.xlsx.name, export_status=WorkReport.Export.DONE, export_progress=100,
        exported_at=now) == 1
