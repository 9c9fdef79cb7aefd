"""Intake benchmark (not a test): registration over HTTP, and the matters list with a million rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench .venv/bin/python benchmarks/bench_intake.py

(a) N registrations (default 400) through `POST /api/intake/cases/` against gunicorn with 2 workers,
    4 client threads, token auth: throughput, p50/p95 latency; SQL statements of one registration
    counted in-process (the whole API request, and `case_register` alone).
(b) 1,000,000 matters bulk-loaded with `INSERT ... SELECT generate_series` (kept for the next run),
    then the HTML list (/intake/cases/) and the API list (/api/intake/cases/): queries and time of
    the first page, a deep page and a filtered search.

PostgreSQL only: the figures mean nothing on SQLite, so the script refuses it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BULK_YEAR = 2020  # the loaded matters live in their own year, so real codes never collide with them
BULK_TITLES = ["工地拖欠工资", "夜市噪音扰民", "邻里宅基地纠纷", "物业收费争议", "消费退款投诉",
               "道路积水求助", "婚姻家庭矛盾", "土地征收补偿", "医疗费用争议", "环境污染举报"]


def _env() -> dict[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench_intake: set DATABASE_URL to a PostgreSQL database (e.g. "
                 "postgres://postgres@127.0.0.1:5432/gov_bench); SQLite figures would mean nothing, refusing.")
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "bench-only-secret-key")
    env.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    env["DEBUG"] = "0"
    env["DJANGO_SETTINGS_MODULE"] = "governance.settings"
    return env


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- fixtures in the bench database -----------------------------------------------------------------


def _bench_people() -> tuple[Any, Any, str]:
    """The district center, a window clerk with a token (created once, reused)."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from governance.models import Center, Profile

    district, _ = Center.objects.get_or_create(
        code="QZTS", defaults={"name": "泉州台商投资区社会治理中心", "level": "district"}
    )
    clerk, _ = User.objects.get_or_create(username="bench_clerk", defaults={"first_name": "小红", "last_name": "林"})
    clerk.groups.add(Group.objects.get_or_create(name="window_clerk")[0])
    Profile.objects.update_or_create(user=clerk, defaults={"center": district, "phone": "13905950000"})
    token, _ = Token.objects.get_or_create(user=clerk)
    return district, clerk, token.key


def _id_number(n: int) -> str:
    from stdnum.cn import ric

    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)
    body = f"350521{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _registration(n: int, category_id: int) -> dict[str, Any]:
    return {
        "channel": "walk_in",
        "category": category_id,
        "title": f"工地拖欠工资 {n}",
        "description": "十二名工人反映上浦村工地拖欠三个月工资，请求协调。",
        "parties": [{"name": "王建国", "id_number": _id_number(random.randint(0, 10**9)),
                     "phone": f"138{random.randint(0, 99_999_999):08d}", "address": "洛阳镇上浦村"}],
    }


# --- (a) registration over HTTP -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [str(gunicorn), "governance.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit("bench_intake: gunicorn did not start within 30 s")


def bench_registration(env: dict[str, str], *, count: int, threads: int) -> None:
    import requests

    from intake.models import Category

    _district, _clerk, token = _bench_people()
    category_id = Category.objects.get(code="JF10").pk
    port = _free_port()
    process = _start_gunicorn(env, port)
    url = f"http://127.0.0.1:{port}/api/intake/cases/"
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(count))

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            started = time.perf_counter()
            response = session.post(url, json=_registration(n, category_id), timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                if response.status_code == 201:
                    latencies.append(elapsed)
                else:
                    failures.append(f"{response.status_code} {response.text[:200]}")

    try:
        # Warm both workers (imports, connections) before the clock starts.
        warm = requests.Session()
        warm.headers["Authorization"] = f"Token {token}"
        for n in range(4):
            warm.post(url, json=_registration(n, category_id), timeout=30).raise_for_status()
        workers = [threading.Thread(target=client) for _ in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=10)
    if failures:
        print(f"  {len(failures)} failed registrations, first: {failures[0]}")
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)] if ordered else float("nan")
    print(f"(a) registration over HTTP: gunicorn 2 workers, {threads} client threads, token auth, "
          f"{len(latencies)} registrations")
    print(f"    throughput {len(latencies) / wall:.1f} registrations/s ({wall:.1f} s)")
    print(f"    latency p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    api_queries, service_queries = count_registration_queries(category_id)
    print(f"    SQL per registration: {service_queries} in case_register (transaction control aside), "
          f"{api_queries} for the whole API request (token, roles, center, category lookup, and the "
          f"re-read matter with parties, links, attachments and timeline for the 201 body)")


def count_registration_queries(category_id: int) -> tuple[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from governance.models import Center
    from intake.models import Category
    from intake.services import PartyInput, case_register

    _district, clerk, token = _bench_people()
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
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
        cursor.execute(
            "INSERT INTO intake_party (kind, name, id_number, credit_code, phone, address, created_at) "
            "SELECT 'person', '当事人' || n, '', '', '138' || lpad(n::text, 8, '0'), '洛阳镇', now() "
            "FROM generate_series(1, %s) AS n",
            [pool],
        )
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


def _measure(label: str, call: Callable[[], Any], runs: int = 3) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = call()
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (label, response.status_code, response.content[:300])
        queries = len(ctx)
    print(f"    {label:<52} {queries:>2} queries  {min(times) * 1000:7.0f} ms (best of {runs}), "
          f"first run {times[0] * 1000:.0f} ms")


def bench_list() -> None:
    from django.test import Client, override_settings

    from intake.models import Case, Category

    _district, clerk, token = _bench_people()
    print(f"    matters in the database: {Case.objects.count():,}")
    labour = Category.objects.get(code="JF").pk
    html = Client()
    html.force_login(clerk)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    storage = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
               "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    cases = [
        ("first page", {}),
        ("deep page (page 200, rows 9,951-10,000)", {"page": "200"}),
        ("search q=噪音 + category 矛盾纠纷 + status", {"q": "噪音", "category": str(labour), "status": "in_progress"}),
        ("search q=宅基地纠纷 (first page)", {"q": "宅基地纠纷"}),
        ("search q=噪音 (a frequent two-character word)", {"q": "噪音"}),
        ("search q=鳄鱼 (a word in no matter)", {"q": "鳄鱼"}),
    ]
    with override_settings(STORAGES=storage):
        print("    HTML list /intake/cases/ (session, signed-in clerk):")
        for label, params in cases:
            _measure(label, lambda p=params: html.get("/intake/cases/", p))
    print("    API list /api/intake/cases/ (token):")
    for label, params in cases:
        _measure(label, lambda p=params: api.get("/api/intake/cases/", p))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registrations", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--matters", type=int, default=1_000_000)
    parser.add_argument("--skip-registration", action="store_true")
    parser.add_argument("--skip-list", action="store_true")
    args = parser.parse_args()
    env = _env()
    _setup_django(env)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench_intake: the database is not PostgreSQL; refusing.")
    call_command("migrate", verbosity=0)
    print(f"PostgreSQL {connection.pg_version // 10000}, database {connection.settings_dict['NAME']}")
    if not args.skip_registration:
        bench_registration(env, count=args.registrations, threads=args.threads)
    if not args.skip_list:
        ensure_million(total=args.matters)
        bench_list()


if __name__ == "__main__":
    main()
