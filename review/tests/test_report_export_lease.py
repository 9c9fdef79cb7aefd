"""A work report's export whose worker died mid-run is taken over once, then failed with the time it
stopped; it never stays "running, 40 %" for good, and a new request is not refused as busy."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from governance.errors import ApplicationError
from governance.jobs import job_recover, jobs_recover, jobs_stale
from governance.models import JobLease
from review.models import WorkReport
from review.selectors.assessment_figures import Month
from review.services import report as report_svc
from review.tests.october import NOW, build_october

OCTOBER = Month(2025, 10)


class Killed(BaseException):
    """The worker process dying (kill -9): nothing after this point runs."""


@pytest.fixture
def october(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.JOB_LEASE_SECONDS = 120
    settings.JOB_MAX_ATTEMPTS = 2
    with time_machine.travel(NOW, tick=False) as traveller:
        world = build_october()
        world.traveller = traveller
        yield world


@pytest.fixture
def published(monkeypatch):
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(report_svc, "_export_publish", lambda report_id, token: sent.append((report_id, token)))
    return sent


def _request(october, django_capture_on_commit_callbacks) -> WorkReport:
    with django_capture_on_commit_callbacks(execute=True):
        return report_svc.report_export_request(actor=october.admin, center=october.center, month=OCTOBER)


def _killed_at_40(monkeypatch, report: WorkReport, token: str) -> None:
    def die(*args, **kwargs):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(report_svc, "report_pdf", die)
        with pytest.raises(Killed):
            report_svc.report_export_run(report_id=report.pk, token=token)


def test_a_killed_export_is_taken_over_once_then_failed_with_its_time(
        october, published, monkeypatch, django_capture_on_commit_callbacks):
    report = _request(october, django_capture_on_commit_callbacks)
    (_, first_token), = published
    _killed_at_40(monkeypatch, report, first_token)
    report.refresh_from_db()
    assert (report.export_status, report.export_progress) == ("running", 40)

    # Within the lease the run may still be alive: a new request is refused, nothing is taken over.
    october.traveller.shift(dt.timedelta(seconds=60))
    with pytest.raises(ApplicationError, match="专报正在生成"):
        report_svc.report_export_request(actor=october.admin, center=october.center, month=OCTOBER)
    assert jobs_recover() == 0

    # After the lease: taken over exactly once, even by two recoverers holding the same stale row.
    october.traveller.shift(dt.timedelta(seconds=61))
    stale = jobs_stale(now=october_now())
    assert [lease.key for lease in stale] == [f"report-export:{report.pk}"]
    with django_capture_on_commit_callbacks(execute=True):
        job_recover(stale[0], now=october_now())
        job_recover(stale[0], now=october_now())
    assert len(published) == 2
    second_token = published[1][1]
    report.refresh_from_db()
    assert (report.export_status, report.export_token) == ("queued", second_token)
    # the dead run, were it only slow, can no longer touch the report
    assert report_svc._progress(report.pk, first_token, 70) is False

    # Killed again: after its lease it is failed, with the time it stopped, and may be requested again.
    _killed_at_40(monkeypatch, report, second_token)
    stopped = october_now()
    october.traveller.shift(dt.timedelta(seconds=121))
    assert jobs_recover() == 1
    report.refresh_from_db()
    assert report.export_status == "failed"
    assert report.export_error == f"上次生成在 {stopped:%H:%M} 中断（处理进程停止），请重新生成。"
    assert JobLease.objects.get(key=f"report-export:{report.pk}").state == "failed"
    assert jobs_recover() == 0
    again = _request(october, django_capture_on_commit_callbacks)
    assert again.export_status == "queued"


def test_a_new_request_takes_over_a_dead_run_and_finishes(
        october, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(report_svc, "_export_publish", lambda report_id, token: None)
    report = _request(october, django_capture_on_commit_callbacks)
    _killed_at_40(monkeypatch, report, report.export_token)
    october.traveller.shift(dt.timedelta(seconds=121))
    report = _request(october, django_capture_on_commit_callbacks)
    assert report.export_status == "queued"
    assert report_svc.report_export_run(report_id=report.pk, token=report.export_token) is True
    report.refresh_from_db()
    assert (report.export_status, report.export_progress) == ("done", 100)
    assert JobLease.objects.get(key=f"report-export:{report.pk}").state == "done"


def test_an_export_the_broker_never_took_is_published_again(october, monkeypatch, django_capture_on_commit_callbacks):
    from review.services import report as report_services

    def broker_down(*args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(report_services, "enqueue", broker_down)
    report = _request(october, django_capture_on_commit_callbacks)  # no 500: the row stays queued
    assert report.export_status == "queued"
    sent = []
    monkeypatch.setattr(report_services, "enqueue", lambda name, *args: sent.append((name, *args)))
    # the broker is back: beat's next jobs-recover (every 30 s) queues it, without waiting out the lease
    october.traveller.shift(dt.timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover() == 1
    report.refresh_from_db()
    assert sent == [("review.tasks.report_export", report.pk, report.export_token)]
    assert report.export_status == "queued"
    assert JobLease.objects.get(key=f"report-export:{report.pk}").attempts == 0  # nothing ran yet
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover() == 0  # published once: its lease is fresh again


def october_now() -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime()
