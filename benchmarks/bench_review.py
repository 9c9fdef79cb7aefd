"""Benchmark (not a test): `seed_scale`, the leaders' dashboard and the monthly assessment over a
million matters.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench .venv/bin/python benchmarks/bench_review.py

The demo district (`seed_demo`) and `--matters` (default 1,000,000) matters of `seed_scale` history
are loaded once and reused afterwards (the matters of `seed_scale` are recognised by their code).
Every run then measures, in the same database:

- the seed rate: `--sample` matters (default 50,000) written by `seed_scale`'s PostgreSQL path into
  the loaded tables the way `seed_scale` writes a large load (secondary indexes dropped, foreign-key
  triggers off; the index rebuild is not part of the sample), rolled back; and its floor: the very
  same rows written back by raw COPY (psycopg2 `copy_expert`) in the same conditions, rolled back too;
- the background refresh (what Celery beat does every 10 minutes);
- the dashboard, the assessment page and two drill-down lists (best of `--runs`, in-process client,
  logged in as the district leader or the administrator), with their SQL statements.

`main(argv) -> rows` follows `common.py`; PostgreSQL only.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, allowed_host, best_of, ms, setup_django, table  # noqa: E402

TARGET_SECONDS = 1.0
SEED_TARGET = 20_000  # matters a second (issue 13)
SCALE_SEED = 42


def _scale_prefix(district_code: str, seed: int) -> str:
    return f"{district_code}-S{seed}-"


def ensure_history(*, matters: int) -> tuple[int, str]:
    """`matters` matters of seed_scale history in the demo district, loaded once; (count, what happened)."""
    from django.core.management import call_command
    from django.utils import timezone

    from governance.models import Center
    from intake.models import Case
    from review.scale import load, world_for

    if not Center.objects.filter(code="QZTS", departments__name="资规建交局").exists():
        call_command("seed_demo", verbosity=0)  # idempotent: completes a district another benchmark made
    district = Center.objects.get(code="QZTS")
    have = Case.objects.filter(district=district, code__startswith=f"{district.code}-S").count()
    if have >= matters:
        return have, f"reused {have:,} matters of seed_scale history"
    now = timezone.now()
    seed = SCALE_SEED
    while Case.objects.filter(code__startswith=_scale_prefix(district.code, seed)).exists():
        seed += 1
    result = load(world=world_for(district), matters=matters - have, start=now - timezone.timedelta(days=365),
                  end=now, now=now, seed=seed, batch_size=100_000,
                  progress=lambda n: print(f"  seed_scale: +{n:,}", flush=True))
    total = result.seconds_loading + result.seconds_indexing
    return matters, (f"loaded {result.matters:,} matters ({result.rows:,} rows) in {total:.0f} s: "
                     f"{result.matters / result.seconds_loading:,.0f}/s writing, "
                     f"{result.matters / total:,.0f}/s with the index rebuild")


TABLES = {
    "intake_case": "code",
    "dispatch_assignment": None,
    "intake_caseevent": None,
    "dispatch_revisit": None,
    "dispatch_extensionrequest": None,
}


def seed_rate(*, sample: int) -> tuple[float, float, int]:
    """(seconds for seed_scale's PostgreSQL path, seconds for raw COPY of the same rows, rows) for
    `sample` matters written into the loaded tables (secondary indexes dropped as for a large load),
    each rolled back: dropping an index in a transaction that rolls back costs no rebuild."""
    from django.db import connection, transaction
    from django.utils import timezone

    from governance.models import Center
    from review import scale, scale_postgres

    district = Center.objects.get(code="QZTS")
    world = scale.world_for(district)
    now = timezone.now()
    buffers: dict[str, tuple[list[str], io.StringIO]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        scale.replica_role_set(cursor)
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        for index, _definition in scale._secondary_indexes(cursor):
            cursor.execute(f'DROP INDEX "{index}"')
        ids = scale._next_ids()
        sid = transaction.savepoint()
        started = time.perf_counter()
        rows = scale_postgres.load_in_postgres(cursor, world=world, matters=sample, start=now - timezone.timedelta(days=365),
                                       end=now, now=now, seed=7, chunk=sample, ids=ids, prefix="QZTS-BENCH-",
                                       sequence_base=90_000_000, progress=None)
        generated = time.perf_counter() - started
        for name in TABLES:
            cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                           "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum", [name])
            columns = [row[0] for row in cursor.fetchall()]
            buffer = io.StringIO()
            cursor.cursor.copy_expert(  # the psycopg2 cursor
                f"COPY (SELECT {', '.join(columns)} FROM {name} WHERE id >= {ids[name]}) TO STDOUT",  # noqa: S608
                buffer)
            buffer.seek(0)
            buffers[name] = (columns, buffer)
        transaction.savepoint_rollback(sid)
        started = time.perf_counter()
        for name, (columns, buffer) in buffers.items():
            cursor.cursor.copy_expert(f"COPY {name} ({', '.join(columns)}) FROM STDIN", buffer)
        copied = time.perf_counter() - started
        transaction.set_rollback(True)
    return generated, copied, rows


def pages(*, runs: int) -> list[tuple[str, float, int, float]]:
    from django.contrib.auth.models import User
    from django.test import Client, override_settings
    from django.urls import reverse
    from django.utils import timezone

    from governance.models import Center
    from grid.worker_selectors import grid_workers_between
    from review.selectors.assessment_figures import Month

    district = Center.objects.get(code="QZTS")
    today = timezone.localdate()
    month = Month(today.year, today.month).previous
    zgj = district.departments.get(name="资规建交局")
    workers = grid_workers_between(first=month.first, last=month.last)
    items = reverse("review:assessment-items", args=[str(month)])
    wanted = [
        ("dashboard (领导通), district leader", "leader", reverse("review:dashboard")),
        (f"assessment page {month}, administrator", "admin", f"{reverse('review:assessment')}?month={month}"),
        (f"drill-down: 资规建交局's overdue matters of {month} (first 100)", "admin",
         f"{items}?figure=overdue&department={zgj.pk}"),
        (f"drill-down: 资规建交局's assigned matters of {month} (first 100)", "admin",
         f"{items}?figure=assigned&department={zgj.pk}"),
    ]
    if workers:
        wanted.append((f"drill-down: a grid worker's verifications of {month}", "admin",
                       f"{items}?figure=verified&worker={workers[0]['id']}"))
    storage = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
               "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    measured = []
    with override_settings(STORAGES=storage):
        for label, username, url in wanted:
            client = Client(HTTP_HOST=allowed_host())
            client.force_login(User.objects.get(username=username))

            def get(url: str = url, client: Client = client) -> int:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response.status_code

            seconds, statements, _status = best_of(get, runs=runs)
            cpu = time.process_time()
            get()
            cpu = time.process_time() - cpu  # this process's CPU: the Python side, whatever the load
            print(f"  {label}: {ms(seconds)}, {statements} statements, {ms(cpu)} of Python CPU", flush=True)
            measured.append((label, seconds, statements, cpu))
    return measured


def live_month(*, runs: int) -> list[Row]:
    """The assessment and the work report of a month not yet summarised: computed live from the rows
    (the last month; the first call, then the best of `runs`)."""
    from django.utils import timezone

    from governance.models import Center
    from review.selectors.assessment import assessment_compute
    from review.selectors.assessment_figures import Month
    from review.selectors.report import report_content

    district = Center.objects.get(code="QZTS")
    today = timezone.localdate()
    month = Month(today.year, today.month).previous
    rows = []
    for label, call in (("assessment", lambda: assessment_compute(center=district, month=month)),
                        ("work report", lambda: report_content(center=district, month=month))):
        started = time.perf_counter()
        call()
        first = time.perf_counter() - started
        best, statements, _result = best_of(call, runs=runs)
        print(f"  {label} of {month}, computed live: first {ms(first)}, best {ms(best)}, {statements} statements",
              flush=True)
        rows.append(Row(f"{label} of {month} not yet summarised (computed live from the rows), district",
                        f"first {ms(first)}, best of {runs} {ms(best)}, {statements} queries",
                        f"< {TARGET_SECONDS * 1000:.0f} ms", first < TARGET_SECONDS))
    return rows


def prepare(scale: float = 1.0) -> None:
    """The data this benchmark reads, loaded once (`run_all.py` loads every module's before measuring);
    `scale` of it for the page budget's growth (bench_pages)."""
    setup_django()
    print(f"history: {ensure_history(matters=int(1_000_000 * scale))[1]}", flush=True)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--matters", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv or [])
    setup_django()
    from intake.models import Case
    from review.services.summary import summaries_refresh

    count, how = ensure_history(matters=args.matters)
    print(f"history: {how}", flush=True)
    generated, copied, rows = seed_rate(sample=args.sample)
    rate, floor = args.sample / generated, args.sample / copied
    print(f"seed_scale sample: {args.sample:,} matters ({rows:,} rows) in {generated:.1f} s = {rate:,.0f}/s; "
          f"raw COPY of the same rows {copied:.1f} s = {floor:,.0f} matters/s", flush=True)
    started = time.perf_counter()
    summaries_refresh()
    refresh = time.perf_counter() - started
    print(f"background refresh: {refresh:.1f} s", flush=True)
    measured = pages(runs=args.runs)
    total = Case.objects.count()
    result = [
        Row(f"raw COPY of seed_scale's rows ({args.sample:,} matters, {rows / args.sample:.1f} rows each) into the "
            "loaded tables, secondary indexes dropped: the floor", f"{floor:,.0f} matters/s", "—", None),
        Row(f"seed_scale's PostgreSQL path, the same {args.sample:,} matters in the same conditions",
            f"{rate:,.0f} matters/s = {rate / floor:.0%} of raw COPY", f">= {SEED_TARGET:,}/s",
            rate >= SEED_TARGET),
        Row("background refresh (Celery beat, every 10 minutes): two months + 12-month counts",
            f"{refresh:.1f} s", "< 600 s", refresh < 600),
    ]
    result += live_month(runs=args.runs)
    for label, seconds, statements, cpu in measured:
        result.append(Row(f"{label} at {total / 1e6:.1f}M matters",
                          f"{ms(seconds)} ({ms(cpu)} Python CPU), {statements} queries",
                          f"< {TARGET_SECONDS * 1000:.0f} ms", seconds < TARGET_SECONDS))
    return result


if __name__ == "__main__":
    rows = main(sys.argv[1:])
    print(table(rows))
    sys.exit(1 if any(row.passed is False for row in rows) else 0)
