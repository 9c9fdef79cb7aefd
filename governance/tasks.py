from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from governance.backup import backup_create
from governance.health import WORKER, heartbeat_record
from governance.jobs import jobs_recover as leases_recover
from governance.models import ApiRequest, Submission


@shared_task(name="governance.tasks.heartbeat", ignore_result=True, expires=120)
def heartbeat() -> None:
    """Beat sends this every minute and records its own heartbeat as it publishes (governance.celery_signals).
    The workers beat by themselves (a thread in each worker process): this records only that the
    default queue's messages get through, for the admin (`Heartbeat` "worker"). A stale message (worker
    down for a while) expires instead of lying."""
    heartbeat_record(component=WORKER, at=timezone.now())


# A form's one-time key guards against it being sent twice within minutes; a week is ample.
SUBMISSIONS_KEPT_DAYS = 7


@shared_task(name="governance.tasks.submissions_prune", ignore_result=True, expires=3000)
def submissions_prune() -> int:
    """Forget the one-time keys of forms and API requests sent more than a week ago (beat, every day)."""
    cutoff = timezone.now() - timezone.timedelta(days=SUBMISSIONS_KEPT_DAYS)
    deleted, _ = Submission.objects.filter(submitted_at__lt=cutoff).delete()
    api_deleted, _ = ApiRequest.objects.filter(submitted_at__lt=cutoff).delete()
    return deleted + api_deleted


@shared_task(name="governance.tasks.jobs_recover", ignore_result=True, expires=25)
def jobs_recover() -> int:
    """Beat, every 30 s: long jobs whose worker died (a stale lease) are taken over or failed."""
    return leases_recover()


@shared_task(name="governance.tasks.backup_nightly", ignore_result=True, expires=3000)
def backup_nightly() -> str:
    """Beat, every night: a backup of the database and the uploaded files (BACKUP_KEEP kept)."""
    return str(backup_create())
