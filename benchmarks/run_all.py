"""`make bench`: every benchmark, then one table of each figure, its target, pass or fail.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench REDIS_URL=redis://127.0.0.1:6379/1 make bench

Each benchmark module follows the protocol of `common.py` (`main(argv) -> rows`). A scratch
PostgreSQL database is required: the first run loads a million matters and 100,000 live
assignments into it (15-20 minutes) and every later run reuses them. The exit status is 1 when a
target is missed. The table, with the date, the machine and the load average beside each figure
(the machine is shared: compare with the raw PostgreSQL floor measured in the same run), is the
README's performance section.

    .venv/bin/python benchmarks/run_all.py --only bench_dispatch    # one benchmark, same table
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
import bench_radar  # noqa: E402
import bench_review  # noqa: E402
import bench_sweep  # noqa: E402
from common import Row, load, machine, setup_django, table  # noqa: E402

# Every benchmark of the project, in the order they run (a new one is added here).
BENCHMARKS = [bench_intake, bench_dispatch, bench_sweep, bench_radar, bench_review]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], metavar="MODULE",
                        help="run only this benchmark module (repeatable), e.g. bench_dispatch")
    args = parser.parse_args(argv)
    modules = [m for m in BENCHMARKS if not args.only or m.__name__ in args.only]
    if not modules:
        parser.error(f"no benchmark among {', '.join(m.__name__ for m in BENCHMARKS)} matches {args.only}")
    setup_django()
    from django.db import connection

    started = time.perf_counter()
    rows: list[Row] = []
    loads: list[str] = []
    for module in modules:
        print(f"== {module.__name__} (load average {load()})", flush=True)
        module_started = time.perf_counter()
        module_rows = [Row(*row) for row in module.main([])]
        rows += module_rows
        loads += [load()] * len(module_rows)
        print(f"== {module.__name__}: {time.perf_counter() - module_started:.0f} s", flush=True)
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
