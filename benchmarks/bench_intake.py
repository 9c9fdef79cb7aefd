"""Intake benchmark (not a test): registration over HTTP, connections, and the matters list at a million.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench .venv/bin/python benchmarks/bench_intake.py

(a) The floor: raw psycopg2 INSERTs of a case-shaped row (a copy of the matter table with its
    indexes), 4 processes, in the same run.
(b) Registrations through `POST /api/intake/cases/` against gunicorn with 2 workers, 4 client
    threads, token auth, for 30 s after a warm-up: throughput, p50/p95, web CPU per request, the
    PostgreSQL connections gunicorn holds, the ratio to the floor; the SQL statements of one
    registration request counted in-process.
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
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    Row,
    allowed_host,
    best_of,
    insert_parties,
    ms,
    plan_check,
    setup_django,
    table,
)

BULK_YEAR = 2020  # the loaded matters live in their own year, so real codes never collide with them
BULK_TITLES = ["工地拖欠工资", "夜市噪音扰民", "邻里宅基地纠纷", "物业收费争议", "消费退款投诉",
               "道路积水求助", "婚姻家庭矛盾", "土地征收补偿", "医疗费用争议", "环境污染举报"]
# The machine: 180 registrations/s (3x django-helpdesk's 59) against 8,935 raw rows/s.
PEER_PER_SECOND = 59
TARGET_FRACTION_OF_RAW = 180 / 8935
# --- fixtures in the bench database -----------------------------------------------------------------


def _bench_people() -> tuple[Any, Any, str]:
    """The district center, a window clerk with a token (created once, reused)."""
    from django.contrib.auth.models import Group, User
    from knox.models import AuthToken

    from governance.models import Center, Profile

    district, _ = Center.objects.get_or_create(
        code="QZTS", defaults={"name": "泉州台商投资区社会治理中心", "level": "district"}
    )
    clerk, _ = User.objects.get_or_create(username="bench_clerk", defaults={"first_name": "小红", "last_name": "林"})
    clerk.groups.add(Group.objects.get_or_create(name="window_clerk")[0])
    Profile.objects.update_or_create(user=clerk, defaults={"center": district, "phone": "13905950000"})
    _instance, token = AuthToken.objects.create(clerk)
    return district, clerk, token


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
    return {
        "channel": "walk_in",
        "category": category_id,
        "title": f"工地拖欠工资 {n}",
        "description": "十二名工人反映上浦村工地拖欠三个月工资，请求协调。",
        "parties": [{"name": "王建国", "id_number": _id_number(person, region),
                     "phone": f"138{person * 7 % 100_000_000:08d}", "address": "洛阳镇上浦村",
                     "on_difference": "keep"}],
    }


# --- (a) the floor, (b) registration over HTTP ----------------------------------------------------


RAW_COLUMNS = ("district_id, center_id, code, year, sequence, channel, category_id, title, description, address, "
               "urgency, risk_level, complexity, status, handling_mode, operating_mode, is_group, group_size, "
               "first_receiver_id, registered_at, expected_answer_at, due_at, external_ref, external_source, "
               "settlement, updated_at")


def _raw_inserter(url: str, table_name: str, worker: int, seconds: float, ids: tuple[int, int, int],
                  counts: Any) -> None:
    """One process: single-row INSERTs of a case-shaped row, each its own transaction, for `seconds`."""
    import psycopg2

    district, category, clerk = ids
    connection = psycopg2.connect(url)
    connection.autocommit = True
    cursor = connection.cursor()
    sql = (f"INSERT INTO {table_name} ({RAW_COLUMNS}) VALUES (%s, %s, %s, 2019, %s, 'walk_in', %s, %s, %s, "  # noqa: S608
           "'洛阳镇上浦村', 'normal', 'low', 'ordinary', 'registered', '', 'normal', false, 1, %s, now(), "
           "now() + interval '9 days', now() + interval '9 days', '', '', '', now())")
    n, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sequence = worker * 10_000_000 + n
        cursor.execute(sql, [district, district, f"RAW-{sequence}", sequence, category, f"工地拖欠工资 {n}",
                             "十二名工人反映上浦村工地拖欠三个月工资，请求协调。", clerk])
        n += 1
    counts[worker] = n
    connection.close()


def bench_raw_floor(*, processes: int = 4, seconds: float = 10.0) -> float:
    """Raw psycopg2 INSERTs per second into a copy of the matter table (same columns and indexes)."""
    from django.db import connection

    from intake.models import Category

    district, clerk, _token = _bench_people()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_case")
        cursor.execute("CREATE TABLE bench_raw_case (LIKE intake_case INCLUDING ALL)")
    settings = connection.settings_dict
    url = (f"postgresql://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
           f"{settings['NAME']}")
    if settings.get("PASSWORD"):
        url = url.replace("@", f":{settings['PASSWORD']}@", 1)
    ids = (district.pk, Category.objects.get(code="JF10").pk, clerk.pk)
    with multiprocessing.Manager() as manager:
        counts = manager.dict()
        workers = [multiprocessing.Process(target=_raw_inserter, args=(url, "bench_raw_case", i, seconds, ids, counts))
                   for i in range(processes)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
        total = sum(counts.values())
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_case")
    rate = total / max(wall, seconds)
    print(f"(a) raw psycopg2: {total:,} case-shaped rows in {wall:.1f} s by {processes} processes: {rate:,.0f} rows/s")
    return rate


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(process: subprocess.Popen[bytes], port: int, name: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit(f"bench_intake: {name} did not start within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _server_env(env: dict[str, str]) -> dict[str, str]:
    """The servers' environment. One clerk's token sends every request: the per-user throttle
    (300/minute by default) is raised, not removed, so its counting still costs what it costs."""
    return {**env, "API_THROTTLE_USER": "1000000/minute"}


def _start_gunicorn(env: dict[str, str], port: int, *, encrypted: bool = True) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = _server_env(env)
    app = ["governance.wsgi:application"] if encrypted else [
        "--pythonpath", str(ROOT / "benchmarks"), "plain_pii_wsgi:application"]
    process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [str(gunicorn), *app, "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--no-control-socket"],
        cwd=ROOT, env=env,
    )
    _wait_for_port(process, port, "gunicorn")
    return process


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _connections(database: str) -> int:
    """Connections to the bench database other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                       [database])
        return cursor.fetchone()[0]


def bench_registration(env: dict[str, str], *, seconds: float, threads: int, raw_rate: float,
                       encrypted: bool = True) -> list[Row]:
    """Registration over HTTP; with `encrypted=False` the same load on a server that stores ID numbers
    and phones in clear text (`plain_pii_wsgi`), the comparison issue 24 asks for."""
    import requests
    from django.db import connection

    from intake.models import Category

    _district, _clerk, token = _bench_people()
    category_id = Category.objects.get(code="JF10").pk
    database = connection.settings_dict["NAME"]
    port = _free_port()
    process = _start_gunicorn(env, port, encrypted=encrypted)
    region = "350521" if encrypted else CLEAR_TEXT_REGION
    url = f"http://127.0.0.1:{port}/api/intake/cases/"
    latencies: list[float] = []
    failures: list[str] = []
    warm_failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(10**9))
    stop = threading.Event()
    measuring = threading.Event()
    peak_connections = 0
    warm_counter = iter(range(10**9))  # half-seconds of warm-up
    answered = [0]

    def warmed() -> int:
        return answered[0]

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        while not stop.is_set():
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
        cpu_before = _cpu_seconds(_children(process.pid))
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            time.sleep(0.5)
            peak_connections = max(peak_connections, _connections(database))
        measuring.clear()
        wall = time.perf_counter() - started
        cpu = _cpu_seconds(_children(process.pid)) - cpu_before
        stop.set()
        for worker in workers:
            worker.join()
    finally:
        _stop(process)
    for phase, failed in (("during the warm-up", warm_failures), ("measured", failures)):
        if failed:
            kinds = collections.Counter(text.split(":")[0].split(" ")[0] for text in failed)
            print(f"    {len(failed)} failed registrations {phase} ({dict(kinds)}), first: {failed[0]}")
    done = len(latencies)
    ordered = sorted(latencies) or [float("nan")]
    rate = done / wall
    p50 = statistics.median(ordered)
    p95 = ordered[max(0, int(round(0.95 * done)) - 1)]
    cpu_ms = cpu / max(done, 1) * 1000
    ratio = rate / raw_rate
    if not encrypted:
        _encrypt_clear_text_parties()
        print(f"(b') registration over HTTP, personal data in clear text (comparison): {done} registrations, "
              f"{rate:.1f}/s, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, {cpu_ms:.1f} ms of web CPU each")
        return [
            Row("registration over HTTP, ID numbers and phones NOT encrypted (comparison)",
                f"{rate:.0f} req/s = {ratio:.2%} of raw, p50 {p50 * 1000:.0f} ms, {cpu_ms:.1f} ms CPU"
                + (f", {len(failures)} failed" if failures else ""),
                "— (the encrypted figure above is the one held to the target)", None),
        ]
    print(f"(b) registration over HTTP: gunicorn 2 workers, {threads} client threads, token auth, {wall:.0f} s "
          f"after the warm-up: {done} registrations, {rate:.1f}/s, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"{cpu_ms:.1f} ms of web CPU each, {ratio:.2%} of the raw insert rate; "
          f"PostgreSQL connections of gunicorn at most {peak_connections}")
    api_queries, service_queries = count_registration_queries(category_id)
    print(f"    SQL per registration: {api_queries} statements for the whole API request "
          f"({service_queries} in case_register), transaction control aside")
    target_here = raw_rate * TARGET_FRACTION_OF_RAW
    return [
        Row("raw psycopg2 INSERT of a case-shaped row (4 processes): the floor", f"{raw_rate:,.0f} rows/s", "—", None),
        Row("registration over HTTP (gunicorn 2 workers, 4 clients, 30 s), personal data encrypted",
            f"{rate:.0f} req/s = {ratio:.2%} of raw ({rate / PEER_PER_SECOND:.1f}x the peer's 59/s)" + (f", {len(failures)} failed" if failures else ""),
            f">= {TARGET_FRACTION_OF_RAW:.2%} of raw (180/s against 8,935 raw; {target_here:.0f}/s in this run)",
            ratio >= TARGET_FRACTION_OF_RAW and not failures),
        Row("registration latency", f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
            "— (the peer: p95 100 ms)", None),
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


def _make_run_web(port: int) -> list[str]:
    """The web process `make run` starts: the Procfile's `web:` line, on `port`."""
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    argv = web.split(":", 1)[1].replace("$PORT", str(port)).split()
    argv[0] = str(Path(sys.executable).parent / argv[0])  # the virtualenv's gunicorn, as honcho finds it
    return argv


def bench_make_run_connections(env: dict[str, str], *, requests_count: int = 1000, clients: int = 16) -> Row:
    """`make run`'s web process on PostgreSQL: the connections it holds during and after a burst from
    more clients than it has threads (bounded by its threads, nothing leaked)."""
    import requests
    from django.db import connection

    _district, _clerk, token = _bench_people()
    database = connection.settings_dict["NAME"]
    port = _free_port()
    argv = _make_run_web(port)
    threads = int(argv[argv.index("--threads") + 1]) * int(argv[argv.index("--workers") + 1])
    process = subprocess.Popen(  # noqa: S603 - our own Procfile's command
        argv, cwd=ROOT, env={**_server_env(env), "DEBUG": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(process, port, "make run's web process")
        before = _connections(database)
        counter = iter(range(requests_count))
        lock = threading.Lock()
        statuses: list[int] = []

        def client() -> None:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                # A new HTTP connection each time, as browsers open several.
                try:
                    response = requests.get(f"http://127.0.0.1:{port}/api/intake/cases/?page_size=1",
                                            headers={"Authorization": f"Token {token}"}, timeout=60)
                except requests.RequestException:
                    statuses.append(0)
                    continue
                statuses.append(response.status_code)

        workers = [threading.Thread(target=client) for _ in range(clients)]
        for worker in workers:
            worker.start()
        peak = 0
        while any(worker.is_alive() for worker in workers):
            peak = max(peak, _connections(database) - before)
            time.sleep(0.2)
        for worker in workers:
            worker.join()
        time.sleep(1)
        left = _connections(database) - before
    finally:
        _stop(process)
    ok = sum(1 for status in statuses if status == 200)
    if ok < requests_count:
        print(f"    answers other than 200 (0: no answer): {dict(collections.Counter(s for s in statuses if s != 200))}")
    print(f"(c) make run's web process ({' '.join(argv[1:])}) on PostgreSQL: {ok}/{requests_count} requests "
          f"answered 200 from {clients} clients; at most {peak} database connections during the burst, "
          f"{left} still open a second later (kept by its {threads} threads for reuse)")
    return Row(f"`make run` web process: connections during and after {requests_count:,} requests from {clients} "
               f"clients", f"at most {peak} during, {left} after",
               f"at most {threads} (its threads) during and after, every request answered",
               max(peak, left) <= threads and ok == requests_count)


def count_registration_queries(category_id: int) -> tuple[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from governance.models import Center
    from intake.models import Category
    from intake.services import PartyInput, case_register

    _district, clerk, token = _bench_people()
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
        case_register(actor=clerk, center=center, channel="walk_in", category=category, title=data["title"],
                      description=data["description"], parties=[PartyInput(**data["parties"][0])],
                      now=timezone.now())
    service = [q for q in service_ctx.captured_queries if not q["sql"].upper().startswith(skip)]
    api = [q for q in api_ctx.captured_queries if not q["sql"].upper().startswith(skip)]
    return len(api), len(service)


# --- (b) the list with a million matters ----------------------------------------------------------


TRGM_INDEXES = [("intake_case_title_trgm", "title"), ("intake_case_description_trgm", "description")]


def ensure_million(*, total: int) -> None:
    from django.db import connection, transaction

    from intake.models import Case, Category

    district, clerk, _token = _bench_people()
    present = Case.objects.filter(year=BULK_YEAR, district=district).count()
    if present >= total:
        _restore_search_indexes()
        print(f"(b) {present:,} bulk matters already present (year {BULK_YEAR}), reused")
        return
    leaf_ids = list(Category.objects.filter(parent__isnull=False, active=True).values_list("pk", flat=True))
    started = time.perf_counter()
    titles = "ARRAY[" + ",".join(f"'{t}'" for t in BULK_TITLES) + "]"
    statuses = "ARRAY['registered','pending_dispatch','in_progress','reported','verified','revisited','closed']"
    channels = "ARRAY['walk_in','phone','upper_assignment','platform','grid_report','online']"
    with transaction.atomic(), connection.cursor() as cursor:
        pool = 10_000
        insert_parties(cursor, names="当事人", phone_prefix="138", address="洛阳镇", count=pool)
        cursor.execute("SELECT min(id), max(id) FROM (SELECT id FROM intake_party ORDER BY id DESC LIMIT %s) p",
                       [pool])
        party_min, _party_max = cursor.fetchone()
        for name, _column in TRGM_INDEXES:  # rebuilt once after the load: much faster than row by row
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute(
            f"""
            INSERT INTO intake_case (district_id, center_id, code, year, sequence, channel, category_id, title,
                description, address, urgency, risk_level, complexity, status, handling_mode, operating_mode,
                is_group, group_size, first_receiver_id, registered_at, expected_answer_at, due_at,
                external_ref, external_source, settlement, updated_at)
            SELECT %(district)s, %(district)s, %(code)s || '-' || %(year)s || '-' || lpad(n::text, 7, '0'),
                %(year)s, n, ({channels})[1 + n %% 6], (%(leaves)s::bigint[])[1 + n %% %(leaf_count)s],
                ({titles})[1 + n %% 10] || ' ' || n, '第' || n || '号事项：' || ({titles})[1 + (n / 7) %% 10],
                '洛阳镇', 'normal', 'low', 'ordinary', ({statuses})[1 + n %% 7], '', 'normal', false, 1,
                %(clerk)s, ts, ts + interval '9 days', ts + interval '9 days', '', '', '', ts
            FROM (SELECT n, timestamptz '2020-01-01 08:00+08' + (n * interval '150 seconds') AS ts
                  FROM generate_series(1, %(total)s) AS n) s
            """,  # noqa: S608 - constants of this script only
            {"district": district.pk, "code": district.code, "year": BULK_YEAR, "leaves": leaf_ids,
             "leaf_count": len(leaf_ids), "clerk": clerk.pk, "total": total},
        )
        cursor.execute(
            "INSERT INTO intake_caseparty (case_id, party_id, role, is_spokesman) "
            "SELECT id, %s + (sequence %% %s), 'applicant', true FROM intake_case WHERE year = %s",
            [party_min, pool, BULK_YEAR],
        )
    # After the commit: deferred foreign-key checks must have run before an index can be built.
    _restore_search_indexes()
    print(f"(b) loaded {total:,} matters (+ applicants) in {time.perf_counter() - started:.0f} s")


def _restore_search_indexes() -> None:
    """The trigram indexes of migration 0004, rebuilt if a load was interrupted; then fresh statistics."""
    from django.db import connection

    with connection.cursor() as cursor:
        for name, column in TRGM_INDEXES:
            cursor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON intake_case USING gin '
                           f'((UPPER("{column}"::text)) gin_trgm_ops)')
        for table in ("intake_case", "intake_caseparty", "intake_party"):
            cursor.execute(f"ANALYZE {table}")


RAW_WHERE = {
    "first page": ("district_id = %s", lambda d, _c: [d]),
    "search": ("district_id = %s AND status = 'in_progress' AND category_id = ANY(%s) AND "
               "search_pairs @@ '噪音'::tsquery", lambda d, c: [d, c]),
}


def _raw_page_and_count(which: str, district_id: int, category_ids: list[int]) -> float:
    """The same page and capped count in hand-written SQL on the bare psycopg2 connection: best of 5."""
    from django.db import connection

    where, params = RAW_WHERE[which]
    values = params(district_id, category_ids)
    count_sql = f"SELECT count(*) FROM (SELECT 1 FROM intake_case WHERE {where} LIMIT 10001) s"  # noqa: S608
    page_sql = (f"SELECT id, code, title, status, category_id, registered_at, due_at FROM intake_case "  # noqa: S608
                f"WHERE {where} ORDER BY registered_at DESC, id DESC LIMIT 50")
    connection.ensure_connection()
    raw = connection.connection.cursor()

    def run() -> None:
        raw.execute(count_sql, values)
        raw.fetchall()
        raw.execute(page_sql, values)
        raw.fetchall()

    best, _statements, _ = best_of(run)
    return best


def bench_list() -> list[Row]:
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from intake.models import Case, Category

    district, clerk, token = _bench_people()
    total = Case.objects.count()
    print(f"(d) the list with {total:,} matters in the database")
    labour = Category.objects.get(code="JF")
    labour_ids = list(Category.objects.filter(parent=labour).values_list("pk", flat=True)) + [labour.pk]
    host = allowed_host()
    html = Client(HTTP_HOST=host)
    html.force_login(clerk)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST=host)
    storage = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
               "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    search = {"q": "噪音", "category": str(labour.pk), "status": "in_progress"}
    cases = [
        ("first page", {}),
        ("deep page (page 200, rows 9,951-10,000)", {"page": "200"}),
        ("search q=噪音 + category 矛盾纠纷 + status", search),
        ("search q=宅基地纠纷 (first page)", {"q": "宅基地纠纷"}),
        ("search q=噪音 (a frequent two-character word)", {"q": "噪音"}),
        ("search q=鳄鱼 (a word in no matter)", {"q": "鳄鱼"}),
    ]
    figures: dict[tuple[str, str], tuple[float, int]] = {}
    for kind, client, path in (("HTML", html, "/intake/cases/"), ("API", api, "/api/intake/cases/")):
        print(f"    {kind} list {path}:")
        for label, params in cases:
            def call(c: Any = client, p: dict[str, str] = params, u: str = path) -> Any:
                response = c.get(u, p)
                assert response.status_code == 200, (u, p, response.status_code)
                return response

            with override_settings(STORAGES=storage):
                best, statements, _ = best_of(call)
            figures[(kind, label)] = (best, statements)
            print(f"      {label:<48} {statements:>2} queries  {ms(best):>8} (best of 5)")
    raw_first = _raw_page_and_count("first page", district.pk, labour_ids)
    raw_search = _raw_page_and_count("search", district.pk, labour_ids)
    print(f"    the same page + capped count in raw SQL: first page {ms(raw_first)}, search {ms(raw_search)}")
    with CaptureQueriesContext(connection) as ctx:
        api.get("/api/intake/cases/", search)
    plans = [
        plan_check(f"list search, {'count' if 'COUNT(' in sql.upper() else 'page'}", sql, [], table="intake_case")
        for sql in (q["sql"] for q in ctx.captured_queries)
        if sql.startswith("SELECT") and 'FROM "intake_case"' in sql
    ]
    rows = []
    for kind in ("API", "HTML"):
        for label, raw, name in ((cases[0][0], raw_first, "first page"), (cases[2][0], raw_search, "噪音 + category + status")):
            best, statements = figures[(kind, label)]
            ratio = best / raw
            target = name != "first page"  # the target is the combined search; the first page is shown
            rows.append(Row(f"list at {total / 1e6:.1f}M, {name} ({kind})",
                            f"{ms(best)}, {statements} queries; raw {ms(raw)}: {ratio:.1f}x",
                            "<= 10x raw" if target else "— (raw: two index-only scans)",
                            ratio <= 10 if target else None))
    for kind in ("API", "HTML"):
        counts = {figures[(kind, label)][1] for label, params in cases if "category" not in params}
        with_category = figures[(kind, cases[2][0])][1]
        constant = len(counts) <= 2 and with_category <= max(counts) + 1  # a word in no matter skips the rows' joins
        rows.append(Row(f"list queries whatever the filter and page ({kind})",
                        f"{min(counts)}-{max(counts)}, {with_category} with a category", "constant", constant))
    return rows + plans


def prepare() -> None:
    """The data this benchmark reads, loaded once (`run_all.py` loads every module's before measuring)."""
    setup_django()
    ensure_million(total=1_000_000)


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
        raw_rate = bench_raw_floor()
        rows += bench_registration(env, seconds=args.seconds, threads=args.threads, raw_rate=raw_rate)
        rows += bench_registration(env, seconds=args.seconds, threads=args.threads, raw_rate=raw_rate,
                                   encrypted=False)
        rows.append(bench_make_run_connections(env))
    if not args.skip_list:
        ensure_million(total=args.matters)
        rows += bench_list()
    return rows


if __name__ == "__main__":
    print(table(main()))
