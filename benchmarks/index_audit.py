"""The index audit (issue 25): each index of the tables that grow with the matters, its scans, its query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench .venv/bin/python benchmarks/index_audit.py --reset
    ... run the benchmarks, the crawler, a day of use ...
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench .venv/bin/python benchmarks/index_audit.py

`run_all.py` resets the database's statistics once the dataset is loaded and vacuumed (`reset()`), and
audits after every benchmark has run (`audit()`), so the scans counted are those of the benchmarks'
reads and writes, not of the load. The registry is `governance.index_uses.INDEX_USES`: for every index
of `AUDITED_TABLES`, the query that reads it (or why it is kept without one: a key, a unique rule, a
parent's delete). `audit()` prints every index with its scans since the reset, its size and its use,
and returns rows (`common.Row`): one per table, and a failed one for each index that no benchmark read
although a query is said to use it, for each index of the database the registry does not name, and
for each entry of the registry the database does not have.

An index may be read only by a query the benchmarks do not run (a form of the list no benchmark
submits): a failed row is a question, to be answered by the benchmark that should run that query or
by dropping the index (README, "Index audit").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SMALL_TABLE, Row, setup_django, table  # noqa: E402

STATS = """
SELECT s.relname, s.indexrelname, s.idx_scan, pg_relation_size(s.indexrelid),
       CASE WHEN c.reltuples < 0 THEN t.n_live_tup ELSE c.reltuples END
FROM pg_stat_user_indexes s JOIN pg_class c ON c.oid = s.relid JOIN pg_stat_user_tables t ON t.relid = s.relid
WHERE s.schemaname = current_schema() AND s.relname = ANY(%s)
ORDER BY s.relname, s.indexrelname
"""


def reset() -> None:
    """Start counting from zero: the statistics of the current database (tables and indexes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_reset()")
    print("== index audit: statistics of this database reset", flush=True)


def _size(octets: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if octets < 1024:
            return f"{octets:.0f} {unit}"
        octets /= 1024
    return f"{octets:.1f} GiB"


def _flush_statistics(cursor: Any) -> None:
    """This process's pending counts, written now (PostgreSQL 15 keeps them a second or so; the
    servers the benchmarks started have exited, which writes theirs)."""
    from django.db import connection

    if connection.pg_version >= 150000:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    cursor.execute("SELECT 1")


def audit() -> list[Row]:
    """Print every index of the audited tables with its scans, size and use; the rows of the table."""
    from django.db import connection

    from governance.index_uses import AUDITED_TABLES, INDEX_USES, is_kept_without_scans

    with connection.cursor() as cursor:
        _flush_statistics(cursor)
        cursor.execute(STATS, [list(AUDITED_TABLES)])
        found = cursor.fetchall()
    print("== index audit: scans since the reset, size, the query that uses each index")
    rows: list[Row] = []
    for relation in AUDITED_TABLES:
        indexes = [row[:4] for row in found if row[0] == relation]
        rows_in_table = max([row[4] for row in found if row[0] == relation] or [0])
        # The planner reads a small table whole: there an index without scans proves nothing.
        small = rows_in_table <= SMALL_TABLE
        uses = INDEX_USES.get(relation, {})
        failed: list[Row] = []
        print(f"  {relation} ({rows_in_table:,.0f} rows{', small: unread indexes are not failed' if small else ''})")
        for _relation, index, scans, octets in indexes:
            use = uses.get(index)
            print(f"    {index}: {scans:,} scans, {_size(octets)}: {use or 'NOT IN THE REGISTRY'}")
            if use is None:
                failed.append(Row(f"index {relation}.{index}", f"{scans:,} scans, {_size(octets)}",
                                  "named in governance.index_uses", False))
            elif scans == 0 and not is_kept_without_scans(use) and not small:
                failed.append(Row(f"index {relation}.{index}", f"0 scans, {_size(octets)}; registered: {use}",
                                  "read by the benchmarks, or dropped", False))
        for index in sorted(set(uses) - {row[1] for row in indexes}):
            failed.append(Row(f"index {relation}.{index}", "in the registry, not in the database",
                              "the registry names the database's indexes", False))
        read = sum(1 for row in indexes if row[2])
        kept = sum(1 for row in indexes if not row[2] and is_kept_without_scans(uses.get(row[1], "")))
        rows.append(Row(f"index audit: {relation}",
                        f"{len(indexes)} indexes, {_size(sum(row[3] for row in indexes))}: {read} read, "
                        f"{kept} kept unread (keys, unique rules, a parent's delete)"
                        + (f"; {rows_in_table:,.0f} rows, too few to judge" if small else ""),
                        "every index read or kept for integrity, and registered", not failed))
        rows += failed
    return rows


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true", help="reset the statistics instead of auditing")
    args = parser.parse_args(argv)
    setup_django()
    if args.reset:
        reset()
        return []
    return audit()


if __name__ == "__main__":
    result = main(sys.argv[1:])
    if result:
        print()
        print(table(result))
    sys.exit(1 if any(row.passed is False for row in result) else 0)
