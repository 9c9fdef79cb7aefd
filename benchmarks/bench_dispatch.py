"""Dispatch benchmark (not a test): the dispatch board of a district with a million matters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench .venv/bin/python benchmarks/bench_dispatch.py

Reuses the million matters of `bench_intake` (loaded once: 1/7 of them, 142,857, wait for
dispatch), and gives the district 30 departments and 100,000 live assignments made over the last
90 days (created once, reused). Then renders the board as the duty director: time (best of 5),
statements, size, and the EXPLAIN plan of each of its reads of matters and assignments.

The deadline sweep has its own benchmark (issue 9). A module of `run_all.py` (`main()` returns the
rows of the table, see `common.py`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, allowed_host, best_of, ms, plan_check, setup_django, table  # noqa: E402

BATCH = 5000
BOARD_TARGET_SECONDS = 0.150


def _departments(center):  # noqa: ANN001, ANN202
    from django.contrib.auth.models import Group, User

    from governance.models import Department, Profile

    departments = list(Department.objects.filter(center=center, short_code__startswith="BENCH").order_by("pk"))
    if departments:
        return departments
    liaison_group = Group.objects.get_or_create(name="department_liaison")[0]
    for i in range(30):
        liaison = User.objects.create(username=f"bench_liaison{i}")
        liaison.groups.add(liaison_group)
        Profile.objects.create(user=liaison, center=center)
        departments.append(Department.objects.create(center=center, name=f"基准部门{i}", short_code=f"BENCH{i}",
                                                     liaison=liaison))
    return departments


def _director(center):  # noqa: ANN001, ANN202
    from django.contrib.auth.models import Group, User

    from governance.models import Profile

    director, _ = User.objects.get_or_create(username="bench_director", defaults={"first_name": "主任"})
    director.groups.add(Group.objects.get_or_create(name="duty_director")[0])
    Profile.objects.update_or_create(user=director, defaults={"center": center})
    return director


def _status(n: int) -> str:
    """Mostly in hand, some not yet acknowledged, a few declined and waiting for a ruling."""
    return "declined" if n < 20 else "assigned" if n % 10 == 0 else "acknowledged"


def ensure_assignments(*, center, total: int, year: int) -> None:  # noqa: ANN001
    """`total` live assignments on the district's bulk matters in progress, spread over 90 days."""
    from django.db import connection, transaction
    from django.utils import timezone

    from dispatch.models import Assignment
    from dispatch.services.common import policy_snapshot
    from dispatch.services.routing import routing_history_rebuild
    from intake.models import Case

    present = Assignment.objects.filter(center=center, case__year=year).count()
    if present >= total:
        print(f"    {present:,} live assignments already present, reused")
        return
    departments = _departments(center)
    director = _director(center)
    now = timezone.now()
    started = time.perf_counter()
    case_ids = list(Case.objects.filter(district=center, year=year, status="in_progress")
                    .exclude(assignments__isnull=False).order_by("pk").values_list("pk", flat=True)[: total - present])
    snapshot = None
    for offset in range(0, len(case_ids), BATCH):
        with transaction.atomic():
            rows = []
            for n, case_id in enumerate(case_ids[offset:offset + BATCH], start=offset):
                if snapshot is None:
                    snapshot = policy_snapshot(policy=None, case=Case.objects.get(pk=case_id), mode="transfer",
                                               percent=100)
                assigned = now - dt.timedelta(days=n % 90, minutes=n % 600)
                due = now + dt.timedelta(days=(n % 20) - 5, minutes=n % 600)
                rows.append(Assignment(
                    case_id=case_id, center=center, department=departments[n % len(departments)], mode="transfer",
                    role="sole", status=_status(n), assigned_by=director, assigned_at=assigned,
                    ack_due_at=assigned + dt.timedelta(hours=2), due_at=due, original_due_at=due,
                    policy_snapshot=snapshot))
            Assignment.objects.bulk_create(rows)
    written = routing_history_rebuild(center=center)
    with connection.cursor() as cursor:
        for name in ("dispatch_assignment", "dispatch_routinghistory", "intake_case"):
            cursor.execute(f"VACUUM ANALYZE {name}")
    print(f"    created {len(case_ids):,} live assignments and {written:,} routing-history rows "
          f"in {time.perf_counter() - started:.0f} s")


def bench_board(*, total_assignments: int, matters: int) -> list[Row]:
    import million
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from intake.models import Case

    million.ensure_million(total=matters)
    district, _clerk, _token = million.bench_people()
    ensure_assignments(center=district, total=total_assignments, year=million.BULK_YEAR)
    waiting = Case.objects.filter(center=district, status="pending_dispatch").count()
    client = Client(HTTP_HOST=allowed_host())
    client.force_login(_director(district))
    url = reverse("dispatch:board")
    storage = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
               "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

    def render():  # noqa: ANN202
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    with override_settings(STORAGES=storage):
        best, statements, response = best_of(render)
        cpu = min(_cpu_of(render) for _ in range(5))  # the CPU of one render: what the load does not change
        with CaptureQueriesContext(connection) as ctx:
            render()
    size = len(response.content) // 1024
    print(f"(board) {Case.objects.count():,} matters, {waiting:,} waiting, {total_assignments:,} live assignments: "
          f"{ms(best)} (best of 5), {ms(cpu)} of CPU in this process, {statements} statements, {size} KiB")
    plans = []
    tables = (("intake_case", "matters"), ("dispatch_assignment", "assignments"),
              ("dispatch_routinghistory", "routing history"))
    for sql in (q["sql"] for q in ctx.captured_queries):
        read = [(name, label) for name, label in tables if f'FROM "{name}"' in sql]
        if not sql.startswith("SELECT") or not read:
            continue
        if "count(" in sql.lower():
            label = "board counts (" + ", ".join(label for _name, label in read) + ")"
        else:
            kind = "declined" if "'declined'" in sql and "IN (" not in sql else "rows"
            label = f"board {read[0][1]} ({kind})"
        plans.append(plan_check(label, sql, [], table=[name for name, _label in read]))
    return [
        Row(f"dispatch board at {Case.objects.count() / 1e6:.1f}M matters ({waiting:,} waiting, "
            f"{total_assignments // 1000}k live assignments)", f"{ms(best)}, {statements} queries, {size} KiB",
            "< 150 ms", best < BOARD_TARGET_SECONDS),
        Row("dispatch board: CPU of one render (web process)", ms(cpu), "— (does not depend on the load)", None),
        *plans,
    ]


def _cpu_of(call) -> float:  # noqa: ANN001
    started = time.process_time()
    call()
    return time.process_time() - started


def prepare(scale: float = 1.0) -> None:
    """The data this benchmark reads, loaded once (`run_all.py` loads every module's before measuring);
    `scale` of it for the page budget's growth (bench_pages)."""
    import million

    setup_django()
    million.ensure_million(total=int(1_000_000 * scale))
    district, _clerk, _token = million.bench_people()
    ensure_assignments(center=district, total=int(100_000 * scale), year=million.BULK_YEAR)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", type=int, default=100_000, help="live assignments of the district")
    parser.add_argument("--matters", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    setup_django()
    return bench_board(total_assignments=args.assignments, matters=args.matters)


if __name__ == "__main__":
    print(table(main()))
