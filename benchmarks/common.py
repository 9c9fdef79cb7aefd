"""What every benchmark shares: the protocol, the environment, counting statements, plans, the table.

The protocol: a benchmark is a module `benchmarks/bench_<topic>.py` with

    def main(argv: list[str] | None = None) -> list[Row]

that prints its details (figures, EXPLAIN plans) as it goes and returns its rows. A row is
`Row(what, figure, target, passed)`; `passed` is True/False against the target, or None for a
figure shown for information (the raw PostgreSQL floor, a latency). Any tuple of those four
values is accepted. `run_all.py` calls every benchmark this way and prints one table; each module
run alone prints its own.

Benchmarks run against PostgreSQL only (figures on SQLite would mean nothing), in the database
of `DATABASE_URL` (a scratch one: they leave their rows behind and reuse them next time).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent


class Row(NamedTuple):
    what: str
    figure: str
    target: str
    passed: bool | None


def bench_env() -> dict[str, str]:
    """The environment of the benchmark and of the servers it starts; refuses SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("benchmarks: set DATABASE_URL to a scratch PostgreSQL database (e.g. "
                 "postgres://postgres@127.0.0.1:5432/gov_bench); SQLite figures would mean nothing, refusing.")
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "bench-only-secret-key")
    env.setdefault("PII_ENCRYPTION_KEYS", "YmVuY2gtb25seS1waWkta2V5LW5vdC1mb3ItcHJvZCE=")
    env.setdefault("PII_INDEX_KEY", "bench-only-pii-index-key")
    env.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    (Path(env["VAR_DIR"]) / "staticfiles").mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
    env["DEBUG"] = "0"
    env["DJANGO_SETTINGS_MODULE"] = "governance.settings"
    # One bench clerk sends every request, from the servers and from this process, into one shared
    # cache: the per-user throttle (300/minute) would measure itself, not the work.
    env.setdefault("API_THROTTLE_USER", "1000000/minute")
    return env


def setup_django() -> dict[str, str]:
    """Django set up once per process, on PostgreSQL, migrated; the environment for subprocesses."""
    env = bench_env()
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ.update(env)
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("benchmarks: the database is not PostgreSQL; refusing.")
    return env


def allowed_host() -> str:
    """A host name the settings accept (the test client's 'testserver' is not in `.env.example`)."""
    from django.conf import settings

    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host
    return "127.0.0.1"


class QueryCounter:
    """Counts every SQL statement of this process's connection (CaptureQueriesContext stops at 9,000)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        from django.db import connection

        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)

    def __len__(self) -> int:
        return self.count


def best_of(call: Callable[[], Any], runs: int = 5) -> tuple[float, int, Any]:
    """The best wall time of `runs` calls (after one warm-up call), its statements, the last result."""
    call()
    best, statements, result = float("inf"), 0, None
    for _ in range(runs):
        with QueryCounter() as counter:
            started = time.perf_counter()
            result = call()
            elapsed = time.perf_counter() - started
        if elapsed < best:
            best, statements = elapsed, len(counter)
    return best, statements, result


def explain(sql: str, params: Sequence[Any] = ()) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


SMALL_TABLE = 10_000


def _rows(table: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    return row[0] if row else 0


def plan_check(label: str, sql: str, params: Sequence[Any], *, table: str | Sequence[str],
               wanted: Iterable[str] = ()) -> Row:
    """Print the plan; pass when no `table` (one name or several) is read sequentially and every
    wanted index is used."""
    tables = [table] if isinstance(table, str) else list(table)
    plan = explain(sql, params)
    print(f"    EXPLAIN {label}:")
    for line in plan.splitlines():
        print(f"      {line}")
    missing = [name for name in wanted if name not in plan]
    # Reading a small table whole is right.
    seq = [name for name in tables if f"Seq Scan on {name}" in plan and _rows(name) > SMALL_TABLE]
    problems = [f"sequential scan of {name}" for name in seq] + [f"{name} unused" for name in missing]
    figure = "; ".join(problems) if problems else "index " + ", ".join(sorted(set(wanted))) if wanted else "no seq scan"
    return Row(f"plan: {label}", figure,
               f"no Seq Scan on {', '.join(tables)} (>{SMALL_TABLE:,} rows)" + (", uses the index" if wanted else ""),
               not problems)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu}), load average {load}"


def load() -> str:
    """The machine's 1-minute load average now (as `uptime` shows it): beside every figure."""
    return f"{os.getloadavg()[0]:.1f}"


def table(rows: Sequence[Row], loads: Sequence[str] | None = None) -> str:
    """The Markdown table of the rows; with `loads`, a column of the load average each was measured at."""
    lines = ["| what | figure | target | result |" + (" load |" if loads else ""),
             "|---|---|---|---|" + ("---|" if loads else "")]
    for n, (what, figure, target, passed) in enumerate(rows):
        result = "—" if passed is None else ("pass" if passed else "FAIL")
        lines.append(f"| {what} | {figure} | {target} | {result} |" + (f" {loads[n]} |" if loads else ""))
    return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def insert_parties(cursor: Any, *, names: str, phone_prefix: str, address: str, count: int) -> None:
    """`count` persons `<names>1…`, phones `<phone_prefix>00000001…`, written as the application
    stores them: the phone encrypted, with its blind index (governance/crypto.py)."""
    from psycopg2.extras import execute_values

    from governance.crypto import pii_digest, pii_encrypt

    rows = []
    for n in range(1, count + 1):
        phone = f"{phone_prefix}{n:08d}"
        rows.append(("person", f"{names}{n}", "", "", "", pii_encrypt(phone), pii_digest(phone), address))
    execute_values(cursor.cursor,
                   "INSERT INTO intake_party (kind, name, id_number, id_number_digest, credit_code, phone, "
                   "phone_digest, address, created_at) VALUES %s", rows,
                   template="(%s, %s, %s, %s, %s, %s, %s, %s, now())", page_size=5000)
