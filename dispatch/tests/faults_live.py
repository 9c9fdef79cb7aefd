"""What the live fault tests of the deadline engine share (`test_engine_faults_live.py`,
`test_engine_faults_outage_live.py`, `test_engine_faults_backlog_live.py`, and the live tests under
`tests/`): the summons they set up, a `manage.py shell -c` script run in a subprocess and its JSON
answer, the fake gateway's log, and a private redis-server. Their environment is `fault_env`
(dispatch/tests/conftest.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dispatch.tests.test_work_live_celery import ROOT
from tests.live_lanes import current_lane, private_ports
from tests.processes import own_session_ending_with_parent

FAKE_SMS = "dispatch.tests.fakes.FileSMSBackend"
DEPARTMENTS = 12

# One summons calling DEPARTMENTS departments, approved long enough ago that every report-in step is due.
SETUP = r"""
import datetime as dt, json
from django.contrib.auth.models import Group, User
from django.utils import timezone
from dispatch.models import CommandAssignment, DeadlineStep
from dispatch.services import summons_approve, summons_request
from governance.models import Center, Department, Profile
from intake.models import Case, Category

token, count, ago = "{token}", {count}, {ago}
center = Center.objects.create(name="fault " + token, code="F" + token, level="district")
def person(name, role, phone=""):
    user = User.objects.create(username=name + token)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=user, center=center, phone=phone)
    return user
director = person("dir", "duty_director")
commander = person("cmd", "commander", "13800000000")
CommandAssignment.objects.create(center=center, role="commander", user=commander, valid_from=dt.date(2020, 1, 1))
departments = [Department.objects.create(
    center=center, name=f"部门{{i}}-{{token}}", short_code=f"D{{i}}{{token}}",
    liaison=person(f"lia{{i}}", "department_liaison", f"1370000{{i:04d}}"),
    leader_in_charge=person(f"lic{{i}}", "leader", f"1390000{{i:04d}}")) for i in range(count)]
category = Category.objects.get_or_create(code="LIVE", defaults={{"name": "live"}})[0]
case = Case.objects.create(district=center, center=center, code="FAULT-" + token, year=2025, sequence=1,
                           channel="grid_report", category=category, title="玉田村堵路", description="fault",
                           first_receiver=director, registered_at=timezone.now(), status="pending_dispatch")
summons = summons_request(actor=director, center=center, case=case, reason="堵路", departments=departments)
summons_approve(actor=commander, summons=summons, report_in_minutes=1,
                now=timezone.now() - dt.timedelta(seconds=ago))
steps = list(DeadlineStep.objects.filter(summons_department__summons=summons).values_list("pk", flat=True))
print(json.dumps({{"summons": summons.pk, "case": case.pk, "commander": commander.pk, "steps": steps,
                   "due": summons.report_in_due_at and summons.report_in_due_at.timestamp()}}))
"""

_APPROVAL = ("summons_approve(actor=commander, summons=summons, report_in_minutes=1,\n"
             "                now=timezone.now() - dt.timedelta(seconds=ago))")
assert _APPROVAL in SETUP
REQUESTED_ONLY = SETUP.replace(_APPROVAL, "")


def _script(env: dict[str, str], code: str, *, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _json(env: dict[str, str], code: str, *, timeout: int = 120) -> dict:
    done = _script(env, code, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _sms_lines(log: Path, token: str) -> list[tuple[str, str]]:
    if not log.exists():
        return []
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(line["phone"], line["text"]) for line in lines if token in line["text"]]


def _free_port() -> int:
    for port in private_ports(current_lane()):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip(f"no free port in {private_ports(current_lane())} for a private redis-server")


def _redis(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=log.open("a"), stderr=subprocess.STDOUT,
                               preexec_fn=own_session_ending_with_parent)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    pytest.fail("private redis-server did not start")
