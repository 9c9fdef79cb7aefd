"""Issue 28 point 1 with real processes: a work report's export whose worker is killed (SIGKILL) at 40 %
is taken over by beat's `jobs-recover` and finished by a real worker, or, once its attempts are spent,
failed with the time it stopped; never "running, 40 %" for good.

Runs with CELERY_LIVE_TESTS=1, REDIS_URL and a PostgreSQL DATABASE_URL (CI's second pass), in the real
database (fresh codes per run), with a lease of 5 s instead of 120 so that the takeover comes within
the half minute of beat's `jobs-recover`.
"""

from __future__ import annotations

import signal
import time
import uuid

import pytest

from dispatch.tests.faults_live import _json, _script
from dispatch.tests.test_work_live_celery import (
    LIVE_ONLY,
    _env,
    _migrate,
    _start,
    _stop,
)

pytestmark = LIVE_ONLY

LEASE_SECONDS = 5
RECOVER_INTERVAL = 30  # beat's jobs-recover

SETUP = r"""
import json
from governance.tests.factories import CenterFactory, UserFactory
from review.selectors.assessment import Month
from review.services import report as report_svc
token = "{token}"
center = CenterFactory(code="E" + token, name="导出演练" + token)
admin = UserFactory(username="exp" + token, roles=["administrator"], center=center)
report = report_svc.report_export_request(actor=admin, center=center, month=Month(2025, 10))
print(json.dumps({{"report": report.pk, "token": report.export_token}}))
"""

# The worker dies as it builds the PDF (after the 40 % mark): kill -9, nothing after that runs.
KILL_AT_40 = r"""
import os, signal
from review.services import report as report_svc
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
report_svc.report_pdf = die
report_svc.report_export_run(report_id={report}, token="{token}")
"""

STATE = r"""
import json
from governance.models import JobLease
from review.models import WorkReport
report = WorkReport.objects.get(pk={report})
lease = JobLease.objects.get(key="report-export:{report}")
print(json.dumps({{"status": report.export_status, "progress": report.export_progress, "error": report.export_error,
                   "pdf": bool(report.pdf), "xlsx": bool(report.xlsx), "lease": lease.state,
                   "attempts": lease.attempts}}))
"""


@pytest.mark.parametrize("attempts", [2, 1], ids=["taken-over", "failed-clearly"])
def test_an_export_killed_at_40_percent_is_taken_over_or_failed_within_its_lease(tmp_path, attempts):
    env = {**_env(tmp_path), "JOB_LEASE_SECONDS": str(LEASE_SECONDS), "JOB_MAX_ATTEMPTS": str(attempts)}
    _migrate(env)
    ids = _json(env, SETUP.format(token=uuid.uuid4().hex[:8]))
    killed = _script(env, KILL_AT_40.format(**ids))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    killed_at = time.monotonic()
    state = _json(env, STATE.format(**ids))
    assert (state["status"], state["progress"]) == ("running", 40), state  # the state the issue saw

    processes = [
        _start(env, tmp_path / "worker.log", "worker", "-Q", "default", "--pool=threads", "--concurrency=2",
               "--loglevel=INFO", "--hostname", f"export-{ids['report']}@%h", "--without-gossip", "--without-mingle"),
        _start(env, tmp_path / "beat.log", "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")),
    ]
    try:
        final = "done" if attempts > 1 else "failed"
        deadline = killed_at + LEASE_SECONDS + RECOVER_INTERVAL + 40
        while True:
            state = _json(env, STATE.format(**ids))
            if state["status"] == final:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"export still {state}\n" + (tmp_path / "worker.log").read_text()[-3000:])
            time.sleep(1)
        print(f"export {final} {time.monotonic() - killed_at:.0f} s after the kill")
        if attempts > 1:
            assert state == {"status": "done", "progress": 100, "error": "", "pdf": True, "xlsx": True,
                             "lease": "done", "attempts": 2}, state
        else:
            assert state["lease"] == "failed" and state["progress"] == 0, state
            assert "中断（处理进程停止），请重新生成。" in state["error"], state
        assert all(process.poll() is None for process in processes)
    finally:
        for process in processes:
            _stop(process)
