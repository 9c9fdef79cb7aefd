"""`make bench`: every benchmark, then one table of each figure, its target, pass or fail.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench REDIS_URL=redis://127.0.0.1:6379/1 make bench

Each benchmark module follows the protocol of `common.py` (`main(argv) -> rows`). A scratch
PostgreSQL database is required (the benchmarks load a million matters into it once and reuse
them); the exit status is 1 when a target is missed. The table is the README's performance section.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_dispatch  # noqa: E402
import bench_intake  # noqa: E402
import bench_radar  # noqa: E402
import bench_review  # noqa: E402
import bench_sweep  # noqa: E402
from common import Row, machine, setup_django, table  # noqa: E402

# Every benchmark of the project, in the order they run (a new one is added here).
BENCHMARKS = [bench_intake, bench_dispatch, bench_sweep, bench_radar, bench_review]


def main() -> int:
    setup_django()
    from django.db import connection

    started = time.perf_counter()
    rows: list[Row] = []
    for module in BENCHMARKS:
        print(f"== {module.__name__}", flush=True)
        rows += [Row(*row) for row in module.main([])]
    print()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}, PostgreSQL {connection.pg_version // 10000}, "
          f"{time.perf_counter() - started:.0f} s")
    print()
    print(table(rows))
    failed = [row for row in rows if row.passed is False]
    if failed:
        print(f"\n{len(failed)} target(s) missed: " + "; ".join(row.what for row in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
