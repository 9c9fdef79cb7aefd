"""Leases for long jobs (report exports, the summaries refresh, the radar): a job whose worker died is
taken over once, or failed with a clear message, instead of staying "running" for good.

A job is one `JobLease` row under its key (`report-export:12`, `summaries-refresh`). Its holder is a
token; while it runs it beats (`job_beat`) at least every `JOB_LEASE_SECONDS`. The beat task
`jobs-recover` (every minute) looks for queued or running leases whose last beat is older than
that: each goes to the recoverer registered for its key's prefix (`register_recoverer`), which takes
it over with `job_takeover` (an UPDATE conditioned on the old token: of two recoverers, one wins) and
queues it again, or fails it after `JOB_MAX_ATTEMPTS` runs. A key without a recoverer (a beat job
that simply runs again next time) is marked failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from governance.models import JobLease

logger = logging.getLogger(__name__)

Recoverer = Callable[[JobLease, dt.datetime], None]
_RECOVERERS: dict[str, Recoverer] = {}
ACTIVE = [JobLease.State.QUEUED, JobLease.State.RUNNING]


def new_token() -> str:
    return uuid.uuid4().hex


def lease_length() -> dt.timedelta:
    return dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)


def register_recoverer(prefix: str, recoverer: Recoverer) -> None:
    """`recoverer(lease, now)` handles a stale lease whose key starts with `prefix:` (from an app's ready())."""
    _RECOVERERS[prefix] = recoverer


def _row(key: str, now: dt.datetime) -> None:
    if JobLease.objects.filter(key=key).exists():
        return
    try:
        with transaction.atomic():
            JobLease.objects.create(key=key, state=JobLease.State.DONE, heartbeat_at=now)
    except IntegrityError:  # made meanwhile by another process
        pass


def job_queue(key: str, *, token: str, now: dt.datetime) -> None:
    """A new run was requested: the lease is the request's, its attempts start again."""
    _row(key, now)
    JobLease.objects.filter(key=key).update(token=token, state=JobLease.State.QUEUED, heartbeat_at=now,
                                            started_at=None, finished_at=None, attempts=0, error="")


def job_start(key: str, *, token: str, now: dt.datetime) -> bool:
    """The worker starts the queued run `token`; false when the lease is no longer this run's."""
    return JobLease.objects.filter(key=key, token=token).update(
        state=JobLease.State.RUNNING, heartbeat_at=now, started_at=now, attempts=F("attempts") + 1) == 1


def job_beat(key: str, *, token: str, now: dt.datetime | None = None) -> bool:
    """The holder is alive; false when its lease was taken over (the run should stop)."""
    return JobLease.objects.filter(key=key, token=token, state__in=ACTIVE).update(
        heartbeat_at=now or timezone.now()) == 1


def job_finish(key: str, *, token: str, now: dt.datetime, error: str = "") -> bool:
    state = JobLease.State.FAILED if error else JobLease.State.DONE
    return JobLease.objects.filter(key=key, token=token).update(
        state=state, finished_at=now, heartbeat_at=now, error=error[:300]) == 1


def job_takeover(lease: JobLease, *, now: dt.datetime) -> str | None:
    """The new token of the stale `lease`, now queued again; None when another recoverer (or the
    holder's late beat) got there first."""
    token = new_token()
    taken = JobLease.objects.filter(pk=lease.pk, token=lease.token, state__in=ACTIVE,
                                    heartbeat_at__lt=now - lease_length()).update(
        token=token, state=JobLease.State.QUEUED, heartbeat_at=now)
    return token if taken == 1 else None


def job_is_stale(lease: JobLease | None, *, now: dt.datetime) -> bool:
    return lease is not None and lease.state in ACTIVE and lease.heartbeat_at < now - lease_length()


def jobs_stale(*, now: dt.datetime) -> list[JobLease]:
    return list(JobLease.objects.filter(state__in=ACTIVE, heartbeat_at__lt=now - lease_length()).order_by("pk"))


def job_recover(lease: JobLease, *, now: dt.datetime) -> None:
    """Hand one stale lease to its recoverer (or fail it when no one re-queues its kind)."""
    recoverer = _RECOVERERS.get(lease.key.split(":", 1)[0])
    if recoverer is not None:
        recoverer(lease, now)
        return
    JobLease.objects.filter(pk=lease.pk, token=lease.token, state__in=ACTIVE).update(
        state=JobLease.State.FAILED, finished_at=now, error="处理进程停止，租约过期")


def jobs_recover(*, now: dt.datetime | None = None) -> int:
    """Beat, every minute: every stale lease taken over or failed. Returns how many were handled."""
    now = now or timezone.now()
    handled = 0
    for lease in jobs_stale(now=now):
        try:
            with transaction.atomic():
                job_recover(lease, now=now)
        except Exception:  # one job's trouble must not keep the others stuck
            logger.exception("could not recover job %s", lease.key)
            continue
        handled += 1
    return handled


@dataclass
class Lease:
    key: str
    token: str

    def beat(self) -> bool:
        return job_beat(self.key, token=self.token)


@contextmanager
def job_lease(key: str, *, now: dt.datetime | None = None) -> Iterator[Lease | None]:
    """For a job that beat starts (no request queues it): the lease, or None when a live holder has it.
    Marked done on a normal exit, failed (and re-raised) on an exception."""
    now = now or timezone.now()
    _row(key, now)
    token = new_token()
    taken = (JobLease.objects.filter(key=key).exclude(state__in=ACTIVE, heartbeat_at__gte=now - lease_length())
             .update(token=token, state=JobLease.State.RUNNING, heartbeat_at=now, started_at=now, finished_at=None,
                     attempts=F("attempts") + 1, error=""))
    if taken != 1:
        yield None
        return
    try:
        yield Lease(key, token)
    except Exception as exc:
        job_finish(key, token=token, now=timezone.now(), error=f"{exc.__class__.__name__}: {exc}")
        raise
    job_finish(key, token=token, now=timezone.now())


def broker_errors() -> tuple[type[BaseException], ...]:
    return (OperationalError, RedisError, OSError)


def job_unpublished(key: str, *, token: str, now: dt.datetime | None = None) -> bool:
    """The queued run `token` never reached the broker: its lease is made stale at once, so the first
    `jobs-recover` after the broker is back queues it again (about 30 s), instead of waiting out the
    lease. Nothing ran, so no attempt is counted."""
    stale = (now or timezone.now()) - lease_length() - dt.timedelta(seconds=1)
    return JobLease.objects.filter(key=key, token=token, state=JobLease.State.QUEUED).update(heartbeat_at=stale) == 1


def publish(call: Callable[[], Any], *, what: str, job: Lease | None = None) -> bool:
    """`call()` (a task's `delay`/`apply_async`), or false when the broker is unreachable: the job's
    row stays queued, and `jobs-recover` publishes it again once the broker answers (`job`'s lease
    is made stale at once; without one, once its lease runs out)."""
    try:
        call()
    except broker_errors() as exc:
        logger.warning("broker unavailable, %s stays queued: %s", what, exc)
        if job is not None:
            job_unpublished(job.key, token=job.token)
        return False
    return True
