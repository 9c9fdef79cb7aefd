"""Benchmark (not a test): 100,000 open assignments; time one deadline sweep and one dispatch-board render.

Run against a scratch database (it leaves its rows behind; the timeline is append-only):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench DEBUG=1 \
        .venv/bin/python manage.py migrate --noinput
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench DEBUG=1 \
        .venv/bin/python benchmarks/bench_dispatch.py --assignments 100000 --due 1000 --pending 200

Every assignment gets the deadline steps a real one has (acknowledgement overdue, two reminders,
overdue, two escalations); `--due` of them fall due now, the rest later. Prints the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from dispatch.choices import StepKind  # noqa: E402
from dispatch.models import Assignment, DeadlineStep  # noqa: E402
from dispatch.services import deadline_sweep  # noqa: E402
from dispatch.services.common import DEFAULT_ESCALATION_CHAIN, policy_snapshot  # noqa: E402
from governance.models import Center, Department, Profile  # noqa: E402
from intake.models import Case, Category  # noqa: E402

BATCH = 5000


class QueryCounter:
    """Counts every SQL statement (CaptureQueriesContext stops counting past 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)

    def __len__(self) -> int:
        return self.count


def person(token: str, name: str, role: str, center: Center) -> User:
    user = User.objects.create(username=f"{name}{token}")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=user, center=center)
    return user


def build(*, assignments: int, due: int, pending: int, now: dt.datetime) -> tuple[Center, User]:
    token = uuid.uuid4().hex[:6]
    center = Center.objects.create(name=f"bench {token}", code=f"B{token}", level="district")
    director = person(token, "director", "duty_director", center)
    departments = [
        Department.objects.create(center=center, name=f"部门{i} {token}", short_code=f"D{i}{token}",
                                  liaison=person(token, f"liaison{i}", "department_liaison", center),
                                  leader_in_charge=person(token, f"leader{i}", "leader", center))
        for i in range(30)
    ]
    category = Category.objects.get_or_create(code="BENCH", defaults={"name": "bench"})[0]
    total = assignments + pending
    print(f"creating {total} matters, {assignments} assignments, {assignments * 6} deadline steps ...", flush=True)
    started = time.perf_counter()
    for offset in range(0, total, BATCH):
        size = min(BATCH, total - offset)
        with transaction.atomic():
            cases = Case.objects.bulk_create([
                Case(district=center, center=center, code=f"B{token}-{offset + i}", year=2025, sequence=offset + i,
                     channel="walk_in", category=category, title="bench", description="bench",
                     first_receiver=director, registered_at=now - dt.timedelta(days=3),
                     status="in_progress" if offset + i < assignments else "pending_dispatch",
                     due_at=now + dt.timedelta(days=4))
                for i in range(size)
            ])
            open_cases = [case for case in cases if case.status == "in_progress"]
            snapshot = policy_snapshot(policy=None, case=open_cases[0] if open_cases else cases[0],
                                       mode="transfer", percent=100)
            rows = Assignment.objects.bulk_create([
                Assignment(case=case, center=center, department=departments[case.sequence % len(departments)],
                           mode="transfer", role="sole", status="acknowledged", assigned_by=director,
                           assigned_at=now - dt.timedelta(days=3), ack_due_at=now - dt.timedelta(days=3, hours=-2),
                           due_at=(now - dt.timedelta(minutes=1)) if case.sequence < due
                           else now + dt.timedelta(days=2 + case.sequence % 10),
                           original_due_at=now + dt.timedelta(days=4), policy_snapshot=snapshot)
                for case in open_cases
            ])
            steps = []
            for row in rows:
                steps.append(DeadlineStep(kind=StepKind.ACK_OVERDUE, assignment=row, due_at=row.ack_due_at,
                                          fired_at=row.ack_due_at, outcome="fired", targets=["liaison"]))
                for lead in (24 * 60, 120):
                    steps.append(DeadlineStep(kind=StepKind.DUE_REMINDER, assignment=row, targets=["liaison"],
                                              due_at=row.due_at - dt.timedelta(minutes=lead),
                                              fired_at=now if row.due_at < now else None,
                                              outcome="fired" if row.due_at < now else ""))
                for level, entry in enumerate(DEFAULT_ESCALATION_CHAIN):
                    steps.append(DeadlineStep(
                        kind=StepKind.OVERDUE if level == 0 else StepKind.ESCALATION, assignment=row, level=level,
                        targets=entry["to"], due_at=row.due_at + dt.timedelta(minutes=entry["after_minutes"])))
            DeadlineStep.objects.bulk_create(steps, batch_size=BATCH)
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
    return center, director


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000, help="assignments whose deadline has just passed")
    parser.add_argument("--pending", type=int, default=200, help="matters waiting on the board")
    args = parser.parse_args()
    now = timezone.now()
    center, director = build(assignments=args.assignments, due=args.due, pending=args.pending, now=now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")

    with QueryCounter() as queries:
        started = time.perf_counter()
        result = deadline_sweep(now=now)
        elapsed = time.perf_counter() - started
    print(f"sweep: fired {result.fired} steps ({result.kinds}), skipped {result.skipped}, "
          f"{elapsed * 1000:.0f} ms, {len(queries)} SQL queries, {result.batches} batches")
    with QueryCounter() as queries:
        started = time.perf_counter()
        again = deadline_sweep(now=now)
        elapsed = time.perf_counter() - started
    print(f"sweep again (nothing due): fired {again.fired}, {elapsed * 1000:.0f} ms, {len(queries)} SQL queries")

    client = Client()
    client.force_login(director)
    url = reverse("dispatch:board")
    client.get(url)  # warm the template cache and the calendar
    with QueryCounter() as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    print(f"board: {args.pending} pending matters, {min(args.assignments, 200)} assignment rows shown, "
          f"{elapsed * 1000:.0f} ms, {len(queries)} SQL queries, {len(response.content) // 1024} KiB")
    print(f"database: {connection.vendor}")


if __name__ == "__main__":
    main()
