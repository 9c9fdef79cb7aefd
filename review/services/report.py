"""The monthly work report: the duty director's commentary, issuing, and the PDF/Excel export run in
Celery (a token claims each run, so a repeated or stale task does nothing)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from command.selectors.work import require_command_center
from governance.enqueue import enqueue
from governance.errors import ApplicationError, PermissionDeniedError
from governance.jobs import (
    Lease,
    job_beat,
    job_finish,
    job_is_stale,
    job_queue,
    job_start,
    job_takeover,
    new_token,
    publish,
)
from governance.models import Center, JobLease
from governance.roles import MAY_READ_ASSESSMENT, MAY_WRITE_REPORT_COMMENTARY, may
from review.models import WorkReport
from review.selectors.assessment_figures import Month
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
    # The town's report for the town's people, the district's for the district center's (not bound to
    # the day's duty: the month's report is written across the rotation).
    require_command_center(actor=actor, center=center)
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


def _export_key(report_id: int) -> str:
    return f"report-export:{report_id}"


def _export_publish(report_id: int, token: str) -> None:
    publish(lambda: enqueue("review.tasks.report_export", report_id, token), what=f"work report {report_id}'s export",
            job=Lease(_export_key(report_id), token))


def report_export_request(*, actor: AbstractBaseUser, center: Center, month: Month,
                          now: dt.datetime | None = None) -> WorkReport:
    """Queue the PDF and Excel files; the page shows the progress. A run whose worker died (its
    lease ran out) does not block a new request."""
    now = now or timezone.now()
    if not may(actor, MAY_READ_ASSESSMENT):
        raise PermissionDeniedError()
    report = _report_row(center, month)
    token = new_token()
    with transaction.atomic():
        lease = JobLease.objects.filter(key=_export_key(report.pk)).first()
        busy = [WorkReport.Export.QUEUED, WorkReport.Export.RUNNING]
        rows = WorkReport.objects.filter(pk=report.pk)
        if not job_is_stale(lease, now=now):
            rows = rows.exclude(export_status__in=busy)
        changed = rows.update(export_status=WorkReport.Export.QUEUED, export_progress=0, export_token=token,
                              export_error="")
        if changed != 1:
            raise ApplicationError(gettext("专报正在生成，请稍候。"), code="busy")
        job_queue(_export_key(report.pk), token=token, now=now)
        transaction.on_commit(lambda: _export_publish(report.pk, token))
    report.refresh_from_db()
    return report


def report_export_recover(lease: JobLease, now: dt.datetime) -> None:
    """`jobs-recover` found the export's lease stale (its worker died, or the broker lost or never took
    the task): queue it again once, or after `JOB_MAX_ATTEMPTS` runs fail it with the time it stopped."""
    report_id = int(lease.key.split(":", 1)[1])
    mine = WorkReport.objects.filter(pk=report_id, export_token=lease.token,
                                     export_status__in=[WorkReport.Export.QUEUED, WorkReport.Export.RUNNING])
    if lease.attempts >= settings.JOB_MAX_ATTEMPTS:
        stopped = timezone.localtime(lease.heartbeat_at)
        error = gettext("上次生成在 %(time)s 中断（处理进程停止），请重新生成。") % {"time": f"{stopped:%H:%M}"}
        if job_finish(lease.key, token=lease.token, now=now, error=error):
            mine.update(export_status=WorkReport.Export.FAILED, export_progress=0, export_error=error)
        return
    token = job_takeover(lease, now=now)
    if token is None:
        return
    if mine.update(export_status=WorkReport.Export.QUEUED, export_progress=0, export_token=token) == 1:
        transaction.on_commit(lambda: _export_publish(report_id, token))


def _progress(report_id: int, token: str, percent: int, **fields: object) -> bool:
    """Record the progress, and beat the lease; false when this run was taken over meanwhile."""
    job_beat(_export_key(report_id), token=token)
    return WorkReport.objects.filter(pk=report_id, export_token=token).update(export_progress=percent, **fields) == 1


class _TakenOver(Exception):
    pass


def report_export_run(*, report_id: int, token: str, now: dt.datetime | None = None) -> bool:
    """Build both files. False when this run no longer applies (another request took over, or done)."""
    now = now or timezone.now()
    claimed = WorkReport.objects.filter(pk=report_id, export_token=token,
                                        export_status=WorkReport.Export.QUEUED).update(
        export_status=WorkReport.Export.RUNNING, export_progress=5)
    if claimed != 1:
        return False
    key = _export_key(report_id)
    job_start(key, token=token, now=now)
    report = WorkReport.objects.select_related("center").get(pk=report_id)
    month = Month(report.year, report.month)

    def step(percent: int) -> None:
        if not _progress(report_id, token, percent):
            raise _TakenOver

    try:
        content = report_content(center=report.center, month=month, now=now)
        step(40)
        pdf = report_pdf(content, report.commentary)
        step(70)
        xlsx = report_xlsx(content, report.commentary)
        step(90)
    except _TakenOver:
        return False
    except Exception as exc:  # the failure is shown on the page; the next request starts afresh
        failed_at = timezone.localtime(timezone.now())
        error = gettext("上次生成在 %(time)s 失败：%(error)s。请重新生成。") % {
            "time": f"{failed_at:%H:%M}", "error": str(exc)[:200]}
        _progress(report_id, token, 0, export_status=WorkReport.Export.FAILED, export_error=error[:300])
        job_finish(key, token=token, now=failed_at, error=error)
        raise
    name = f"work-report-{month}"
    report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
    done = WorkReport.objects.filter(pk=report_id, export_token=token).update(
        pdf=report.pdf.name, xlsx=report.xlsx.name, export_status=WorkReport.Export.DONE, export_progress=100,
        exported_at=now) == 1
    job_finish(key, token=token, now=timezone.now())
    return done
