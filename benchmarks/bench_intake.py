"""Intake benchmark (not a test): registration over HTTP, connections, and the matters list at a million.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench .venv/bin/python benchmarks/bench_intake.py

(a) The floor: a registration's own writes by raw psycopg2 (its number, then its rows in one
    transaction), 4 processes, the same texts, into the real tables (`registration_floor.py`), in
    the same run.
(b) Registrations through `POST /api/intake/cases/` against gunicorn with 2 workers, 4 client
    threads, token auth, for 30 s after a warm-up, with complaint texts of real lengths
    (`common.complaint_texts`: median 150 characters, a tail to 2,000): throughput, p50/p95/p99,
    web CPU per request, the PostgreSQL connections gunicorn holds, the share of the floor; the
    SQL statements of one registration request counted in-process.
(c) The web process `make run` starts (the Procfile's `web:` line) on PostgreSQL: the connections
    it holds during and after 1,000 requests from 16 clients, twice its threads (runserver, which
    it used to be, kept one per dead thread).
(d) 1,000,000 matters bulk-loaded with `INSERT ... SELECT generate_series` (kept for the next run),
    then the HTML and API lists: queries and time, the combined search against the same SQL run
    raw, and its EXPLAIN plans.

A module of `run_all.py` (`main()` returns the rows of the table, see `common.py`).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Row,
    allowed_host,
    benchmark_texts,
    setup_django,
    table,
)
from make_run_connections import bench_make_run_connections  # noqa: E402
from million import bench_list, bench_people, ensure_million  # noqa: E402
from registration_floor import bench_registration_floor  # noqa: E402
from servers import (  # noqa: E402
    children,
    connections,
    cpu_seconds,
    free_port,
    start_gunicorn,
)
from servers import stop as stop_server  # noqa: E402

# Issue 25: registration at 0.6 of its own raw floor at least (registration_floor.py), p99 under 150 ms.
PEER_PER_SECOND = 59  # django-helpdesk's registrations per second on the machine
TARGET_SHARE_OF_FLOOR = 0.6
TARGET_P99 = 0.150
# --- fixtures in the bench database -----------------------------------------------------------------




def _id_number(n: int, region: str = "350521") -> str:
    """A valid ID number, a different one for each n below 15,000,000 (a known number typed with
    another phone would stop the registration with the differences, 409)."""
    from stdnum.cn import ric

    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)
    body = f"{region}{birth:%Y%m%d}{n // 15000 % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


# The clear-text comparison run registers people of another county (its ID numbers' region): the
# people it stores unencrypted are never read back by an encrypted run, which could not decrypt them.
CLEAR_TEXT_REGION = "350583"


def _registration(n: int, category_id: int, region: str = "350521") -> dict[str, Any]:
    # A person drawn at random, with that person's own phone: an ID number drawn again is a returning
    # applicant with the same details; one registered by an earlier run with other details is kept
    # as registered ("keep", as the clerk chooses at the window), not a conflict (409).
    person = random.randrange(15_000_000)
    texts = benchmark_texts()
    title, description = texts[n % len(texts)]
    return {
        "channel": "walk_in",
        "category": category_id,
        "title": title,
        "description": description,
        "parties": [{"name": "王建国", "id_number": _id_number(person, region),
                     "phone": f"138{person * 7 % 100_000_000:08d}", "address": "洛阳镇上浦村",
                     "on_difference": "keep"}],
    }


# --- (b) registration over HTTP --------------------------------------------------------------------


def bench_registration(env: dict[str, str], *, seconds: float, threads: int, floor: float,
                       encrypted: bool = True) -> list[Row]:
    """Registration over HTTP; with `encrypted=False` the same load on a server that stores ID numbers
    and phones in clear text (`plain_pii_wsgi`), the comparison issue 24 asks for."""
    import requests
    from django.db import connection

    from intake.models import Category

    _district, _clerk, token = bench_people()
    category_id = Category.objects.get(code="JF10").pk
    database = connection.settings_dict["NAME"]
    port = free_port()
    process = start_gunicorn(env, port, encrypted=encrypted)
    region = "350521" if encrypted else CLEAR_TEXT_REGION
    url = f"http://127.0.0.1:{port}/api/intake/cases/"
    latencies: list[float] = []
    failures: list[str] = []
    warm_failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(10**9))
    halt = threading.Event()
    measuring = threading.Event()
    peak_connections = 0
    warm_counter = iter(range(10**9))  # half-seconds of warm-up
    answered = [0]

    def warmed() -> int:
        return answered[0]

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        while not halt.is_set():
            with lock:
                n = next(counter)
            started = time.perf_counter()
            try:
                response = session.post(url, json=_registration(n, category_id, region), timeout=30)
            except requests.RequestException as error:
                with lock:
                    (failures if measuring.is_set() else warm_failures).append(f"{type(error).__name__}: {error}")
                continue
            elapsed = time.perf_counter() - started
            if not measuring.is_set():
                answered[0] += 1
                if response.status_code != 201:
                    warm_failures.append(f"{response.status_code} {response.text[:200]}")
                continue
            with lock:
                if response.status_code == 201:
                    latencies.append(elapsed)
                else:
                    failures.append(f"{response.status_code} {response.text[:200]}")

    try:
        workers = [threading.Thread(target=client) for _ in range(threads)]
        for worker in workers:
            worker.start()
        # Warm-up: imports, connections and caches of both workers; 5 s and 20 answers at least.
        warm_until = time.perf_counter() + 60
        while time.perf_counter() < warm_until and (next(warm_counter) < 10 or warmed() < 20):
            time.sleep(0.5)
        measuring.set()
        cpu_before = cpu_seconds(children(process.pid))
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            time.sleep(0.5)
            peak_connections = max(peak_connections, connections(database))
        measuring.clear()
        wall = time.perf_counter() - started
        cpu = cpu_seconds(children(process.pid)) - cpu_before
        halt.set()
        for worker in workers:
            worker.join()
    finally:
        stop_server(process)
    for phase, failed in (("during the warm-up", warm_failures), ("measured", failures)):
        if failed:
            kinds = collections.Counter(text.split(":")[0].split(" ")[0] for text in failed)
            print(f"    {len(failed)} failed registrations {phase} ({dict(kinds)}), first: {failed[0]}")
    done = len(latencies)
    ordered = sorted(latencies) or [float("nan")]
    rate = done / wall
    p50, p95, p99 = (ordered[max(0, int(round(q * done)) - 1)] * 1000 for q in (0.50, 0.95, 0.99))
    cpu_ms = cpu / max(done, 1) * 1000
    share = rate / floor
    latency = f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"
    if not encrypted:
        _encrypt_clear_text_parties()
        print(f"(b') registration over HTTP, personal data in clear text (comparison): {done} registrations, "
              f"{rate:.1f}/s = {share:.2f} of the floor, {latency}, {cpu_ms:.1f} ms of web CPU each")
        return [
            Row("registration over HTTP, ID numbers and phones NOT encrypted (comparison)",
                f"{rate:.0f} req/s = {share:.2f} of the floor, {latency}, {cpu_ms:.1f} ms CPU"
                + (f", {len(failures)} failed" if failures else ""),
                "— (the encrypted figure above is the one held to the target)", None),
        ]
    print(f"(b) registration over HTTP: gunicorn 2 workers, {threads} client threads, token auth, {wall:.0f} s "
          f"after the warm-up: {done} registrations, {rate:.1f}/s = {share:.2f} of the floor ({floor:.0f}/s), "
          f"{latency}, {cpu_ms:.1f} ms of web CPU each; PostgreSQL connections of gunicorn at most {peak_connections}")
    api_queries, service_queries = count_registration_queries(category_id)
    print(f"    SQL per registration: {api_queries} statements for the whole API request "
          f"({service_queries} in case_register), transaction control aside")
    return [
        Row("raw psycopg2: a registration's own writes (the number's UPDATE; party, matter, matter-party, event, "
            "2 clock steps in one transaction), 4 processes, the same texts: the floor",
            f"{floor:,.0f}/s", "—", None),
        Row(f"registration over HTTP (gunicorn 2 workers, {threads} clients, {wall:.0f} s), personal data encrypted",
            f"{rate:.0f} req/s = {share:.2f} of the floor ({rate / PEER_PER_SECOND:.1f}x the peer's 59/s)"
            + (f", {len(failures)} failed" if failures else ""),
            f">= {TARGET_SHARE_OF_FLOOR} of the floor ({TARGET_SHARE_OF_FLOOR * floor:.0f}/s in this run)",
            share >= TARGET_SHARE_OF_FLOOR and not failures),
        Row("registration latency", latency, f"p99 < {TARGET_P99 * 1000:.0f} ms", p99 < TARGET_P99 * 1000),
        Row("web CPU per registration", f"{cpu_ms:.1f} ms", "— (15.7 ms before)", None),
        # 8 until the 移送 clock (issue 22 item 1): its reminder and escalation steps are one more INSERT.
        Row("SQL statements per registration request", str(api_queries), "<= 9 (8 + the 移送 clock's steps)",
            api_queries <= 9),
        Row("PostgreSQL connections held by gunicorn under load", str(peak_connections),
            "<= 2 (workers x threads)", peak_connections <= 2),
    ]


def _encrypt_clear_text_parties() -> None:
    """Encrypt what the clear-text comparison stored, so every later read of the bench database (the
    list's pages decrypt their applicants) finds the data as the application keeps it."""
    from django.db import connection

    from governance.crypto import TOKEN_PREFIX, pii_encrypt

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number, phone FROM intake_party WHERE "
                       "(id_number <> '' AND id_number NOT LIKE %s) OR (phone <> '' AND phone NOT LIKE %s)",
                       [TOKEN_PREFIX + "%", TOKEN_PREFIX + "%"])
        rows = cursor.fetchall()
        cursor.executemany(
            "UPDATE intake_party SET id_number = %s, phone = %s WHERE id = %s",
            [(value if value.startswith(TOKEN_PREFIX) else pii_encrypt(value),
              phone if phone.startswith(TOKEN_PREFIX) else pii_encrypt(phone), pk)
             for pk, value, phone in rows])






def count_registration_queries(category_id: int) -> tuple[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from governance.models import Center
    from intake.models import Category
    from intake.services import MatterInput, PartyInput, case_register

    _district, clerk, token = bench_people()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST=allowed_host())
    client.post("/api/intake/cases/", _registration(0, category_id), content_type="application/json")
    with CaptureQueriesContext(connection) as api_ctx:
        response = client.post("/api/intake/cases/", _registration(1, category_id), content_type="application/json")
    assert response.status_code == 201, response.content
    center = Center.objects.get(code="QZTS")
    category = Category.objects.get(pk=category_id)  # as the window form passes it (the API looks it up: +1)
    data = _registration(2, category_id)
    skip = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    with CaptureQueriesContext(connection) as service_ctx:
        case_register(actor=clerk, center=center, now=timezone.now(), matter=MatterInput(
            channel="walk_in", category=category, title=data["title"], description=data["description"],
            parties=[PartyInput(**data["parties"][0])]))
    service = [q for q in service_ctx.captured_queries if not q["sql"].upper().startswith(skip)]
    api = [q for q in api_ctx.captured_queries if not q["sql"].upper().startswith(skip)]
    return len(api), len(service)


# --- (b) the list with a million matters ----------------------------------------------------------














def prepare(scale: float = 1.0) -> None:
    """The data this benchmark reads, loaded once (`run_all.py` loads every module's before measuring);
    `scale` of it for the page budget's growth (bench_pages)."""
    setup_django()
    ensure_million(total=int(1_000_000 * scale))


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help="measured registration time after the warm-up")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--matters", type=int, default=1_000_000)
    parser.add_argument("--skip-registration", action="store_true")
    parser.add_argument("--skip-list", action="store_true")
    args = parser.parse_args(argv)
    env = setup_django()
    rows: list[Row] = []
    if not args.skip_registration:
        floor = bench_registration_floor()
        rows += bench_registration(env, seconds=args.seconds, threads=args.threads, floor=floor)
        rows += bench_registration(env, seconds=args.seconds, threads=args.threads, floor=floor,
                                   encrypted=False)
        rows.append(bench_make_run_connections(env))
    if not args.skip_list:
        ensure_million(total=args.matters)
        rows += bench_list()
    return rows


if __name__ == "__main__":
    print(table(main()))
