"""`make bench`: every benchmark, then one table of each figure, its target, pass or fail.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench REDIS_URL=redis://127.0.0.1:6379/1 make bench

Each benchmark module follows the protocol of `common.py` (`main(argv) -> rows`, and `prepare()`
where it reads data that must be loaded). A scratch PostgreSQL database is required: the first run
loads one dataset into the demo district before measuring anything (about 7 minutes on a quiet
machine) and every later run reuses it: a million matters for the list and the board (one in seven
waiting for dispatch, 100,000 live assignments), then `seed_scale`'s million, a realistic year of
history, for review and the radar; every figure sees the two million. The exit status is 1 when a
target is missed. The table, with the date, the machine and the load average beside each figure
(the machine is shared: compare with the raw PostgreSQL floor measured in the same run), is the
README's performance section.

    .venv/bin/python benchmarks/run_all.py --only bench_dispatch    # one benchmark, same table

A full run also audits the indexes (`index_audit.py`): the database's statistics are reset once the
dataset is loaded and vacuumed, and after the last benchmark each index of the tables that grow with the
matters is printed with its scans, its size and the query that uses it (`governance.index_uses`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_dispatch  # noqa: E402
import bench_intake  # noqa: E402
import bench_pages  # noqa: E402
import bench_radar  # noqa: E402
import bench_review  # noqa: E402
import bench_sweep  # noqa: E402
import index_audit  # noqa: E402
from common import Row, load, machine, setup_django, table  # noqa: E402

# Every benchmark of the project, in the order they run (a new one is added here).
BENCHMARKS = [bench_intake, bench_dispatch, bench_sweep, bench_radar, bench_review, bench_pages]
# The modules whose data lives in the district of the demo (QZTS), in the order it is loaded: the
# list's and the board's million (2020, one in seven waiting for dispatch, 100,000 live
# assignments), then seed_scale's realistic year (review), which the radar then finds in place.
# The sweep works on a center of its own.
PREPARED = [bench_intake, bench_dispatch, bench_review, bench_radar]


def _vacuum() -> None:
    """What autovacuum does some time after a bulk load, done now: statistics and the visibility map
    (index-only counts visit every row until it is set). Quick where nothing changed."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("intake_case", "intake_caseparty", "intake_party", "intake_caseevent", "dispatch_assignment"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"== vacuumed the loaded tables in {time.perf_counter() - started:.0f} s", flush=True)


def _dataset() -> str:
    from django.db.models import Count, Q

    from dispatch.models import Assignment
    from governance.models import Center
    from intake.models import Case

    district = Center.objects.filter(code="QZTS").first()
    if district is None:
        return f"{Case.objects.count():,} matters in the database"
    counts = Case.objects.filter(district=district).aggregate(
        total=Count("pk"), waiting=Count("pk", filter=Q(status="pending_dispatch")))
    assignments = Assignment.objects.filter(center=district).count()
    return (f"{district.name}: {counts['total']:,} matters ({counts['waiting']:,} waiting for dispatch), "
            f"{assignments:,} assignments; {Case.objects.count():,} matters in the database")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], metavar="MODULE",
                        help="run only this benchmark module (repeatable), e.g. bench_dispatch")
    parser.add_argument("--skip", action="append", default=[], metavar="MODULE",
                        help="leave this benchmark module out (repeatable); the rest is a full run, audit included")
    parser.add_argument("--prepare-only", action="store_true", help="load the data, measure nothing")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="load this share of the dataset (bench_pages loads a quarter to measure growth)")
    args = parser.parse_args(argv)
    modules = [m for m in BENCHMARKS if (not args.only or m.__name__ in args.only) and m.__name__ not in args.skip]
    if not modules:
        parser.error(f"no benchmark among {', '.join(m.__name__ for m in BENCHMARKS)} matches {args.only}")
    setup_django()
    from django.db import connection

    started = time.perf_counter()
    # One dataset for every figure: each module's data is loaded (or found from an earlier run)
    # before anything is measured, so no figure is taken while a later module's data is missing.
    for module in PREPARED:
        if module in modules:
            print(f"== preparing {module.__name__}", flush=True)
            module.prepare(args.scale)
    _vacuum()
    print(f"== dataset: {_dataset()}", flush=True)
    if args.prepare_only:
        return 0
    # The index audit counts what the benchmarks read, not the load: only when every benchmark runs.
    auditing = not args.only
    if auditing:
        index_audit.reset()
    rows: list[Row] = []
    loads: list[str] = []
    for module in modules:
        print(f"== {module.__name__} (load average {load()})", flush=True)
        module_started = time.perf_counter()
        module_rows = [Row(*row) for row in module.main([])]
        rows += module_rows
        loads += [load()] * len(module_rows)
        print(f"== {module.__name__}: {time.perf_counter() - module_started:.0f} s", flush=True)
    if auditing:
        audit_rows = index_audit.audit()
        rows += audit_rows
        loads += [load()] * len(audit_rows)
    print()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}, PostgreSQL {connection.pg_version // 10000}, "
          f"{time.perf_counter() - started:.0f} s")
    print()
    print(table(rows, loads))
    failed = [row for row in rows if row.passed is False]
    if failed:
        print(f"\n{len(failed)} target(s) missed: " + "; ".join(row.what for row in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
