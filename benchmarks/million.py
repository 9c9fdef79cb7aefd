"""The million matters the list and the board are measured on (loaded once by INSERT … SELECT generate_series, in a year of their own), their bench people, and the list's benchmark against raw SQL."""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DESCRIPTION_MAX,
    Row,
    allowed_host,
    best_of,
    complaint_text,
    description_lengths,
    insert_parties,
    length_summary,
    ms,
    plan_check,
)

BULK_YEAR = 2020  # the loaded matters live in their own year, so real codes never collide with them


# The matters' texts (issue 25): each matter takes one of BULK_PASSAGES complaints (its title, and
# its description cut to a length drawn from common.description_lengths: median 150 characters, a
# tail to 2,000), both picked by a hash of its number in SQL, so the load stays one INSERT ... SELECT.
BULK_SEED, BULK_PASSAGES, BULK_LENGTHS = 2020, 500, 4000
BULK_TEXT_SQL = {  # of the matter numbered {n}
    "title": "(%(titles)s::text[])[1 + (hashint4extended({n}, 1) & 2147483647) %% %(passage_count)s]",
    "description": "left((%(passages)s::text[])[1 + (hashint4extended({n}, 1) & 2147483647) %% %(passage_count)s], "
                   "(%(lengths)s::int[])[1 + (hashint4extended({n}, 2) & 2147483647) %% %(length_count)s] - 1) "
                   "|| '。'",
}


def bulk_texts() -> dict[str, Any]:
    """The parameters of BULK_TEXT_SQL: the complaints (titles, descriptions of 2,000 characters to
    cut) and the lengths to cut them to; their distribution printed."""
    rng = random.Random(BULK_SEED)
    complaints = [complaint_text(rng, DESCRIPTION_MAX) for _ in range(BULK_PASSAGES)]
    lengths = description_lengths(BULK_LENGTHS, seed=BULK_SEED)
    print(f"    bulk texts: {BULK_PASSAGES} complaints, cut to lengths drawn from "
          f"{length_summary(lengths, 'lengths')}")
    return {"titles": [title for title, _ in complaints], "passages": [text for _, text in complaints],
            "passage_count": BULK_PASSAGES, "lengths": lengths, "length_count": BULK_LENGTHS}


def bench_people() -> tuple[Any, Any, str]:
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


# The search indexes (migrations 0004 and 0011): dropped for a bulk load and built once after it,
# much faster than row by row.
SEARCH_INDEXES = {
    **{f"intake_case_{column}_trgm": f'ON intake_case USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
       for column in ("title", "description")},
    "intake_case_search_pairs_gin": "ON intake_case USING gin (search_pairs)",
}


def _drop_search_indexes(cursor: Any) -> None:
    for name in SEARCH_INDEXES:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")


def ensure_million(*, total: int) -> None:
    from django.db import connection, transaction

    from intake.models import Case, Category

    district, clerk, _token = bench_people()
    present = Case.objects.filter(year=BULK_YEAR, district=district).count()
    if present >= total:
        _lengthen_short_texts(district.pk)
        _restore_search_indexes()
        print(f"(b) {present:,} bulk matters already present (year {BULK_YEAR}), reused")
        return
    leaf_ids = list(Category.objects.filter(parent__isnull=False, active=True).values_list("pk", flat=True))
    started = time.perf_counter()
    statuses = "ARRAY['registered','pending_dispatch','in_progress','reported','verified','revisited','closed']"
    channels = "ARRAY['walk_in','phone','upper_assignment','platform','grid_report','online']"
    with transaction.atomic(), connection.cursor() as cursor:
        pool = 10_000
        insert_parties(cursor, names="当事人", phone_prefix="138", address="洛阳镇", count=pool)
        cursor.execute("SELECT min(id), max(id) FROM (SELECT id FROM intake_party ORDER BY id DESC LIMIT %s) p",
                       [pool])
        party_min, _party_max = cursor.fetchone()
        _drop_search_indexes(cursor)
        cursor.execute(
            f"""
            INSERT INTO intake_case (district_id, center_id, code, year, sequence, channel, category_id, title,
                description, address, urgency, risk_level, complexity, status, handling_mode, operating_mode,
                is_group, group_size, first_receiver_id, registered_at, expected_answer_at, due_at,
                external_ref, external_source, settlement, updated_at)
            SELECT %(district)s, %(district)s, %(code)s || '-' || %(year)s || '-' || lpad(n::text, 7, '0'),
                %(year)s, n, ({channels})[1 + n %% 6], (%(leaves)s::bigint[])[1 + n %% %(leaf_count)s],
                {BULK_TEXT_SQL["title"].format(n="n")}, {BULK_TEXT_SQL["description"].format(n="n")},
                '洛阳镇', 'normal', 'low', 'ordinary', ({statuses})[1 + n %% 7], '', 'normal', false, 1,
                %(clerk)s, ts, ts + interval '9 days', ts + interval '9 days', '', '', '', ts
            FROM (SELECT n, timestamptz '2020-01-01 08:00+08' + (n * interval '150 seconds') AS ts
                  FROM generate_series(1, %(total)s) AS n) s
            """,  # noqa: S608 - constants of this script only
            {"district": district.pk, "code": district.code, "year": BULK_YEAR, "leaves": leaf_ids,
             "leaf_count": len(leaf_ids), "clerk": clerk.pk, "total": total, **bulk_texts()},
        )
        cursor.execute(
            "INSERT INTO intake_caseparty (case_id, party_id, role, is_spokesman) "
            "SELECT id, %s + (sequence %% %s), 'applicant', true FROM intake_case WHERE year = %s",
            [party_min, pool, BULK_YEAR],
        )
    # After the commit: deferred foreign-key checks must have run before an index can be built.
    _restore_search_indexes()
    print(f"(b) loaded {total:,} matters (+ applicants) in {time.perf_counter() - started:.0f} s")


def _lengthen_short_texts(district_id: int) -> None:
    """Bulk matters loaded before issue 25 carry texts of 10-25 characters ('第n号事项：…'): give them
    the texts a load makes now (once; the search indexes rebuilt after, as after a load)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT description LIKE '第%%号事项：%%' FROM intake_case WHERE district_id = %s AND year = %s "
                       "AND sequence = 1", [district_id, BULK_YEAR])
        row = cursor.fetchone()
    if not row or not row[0]:
        return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _drop_search_indexes(cursor)
        cursor.execute(
            f"UPDATE intake_case SET title = {BULK_TEXT_SQL['title'].format(n='sequence')}, "  # noqa: S608
            f"description = {BULK_TEXT_SQL['description'].format(n='sequence')} "
            "WHERE district_id = %(district)s AND year = %(year)s",
            {"district": district_id, "year": BULK_YEAR, **bulk_texts()})
        updated = cursor.rowcount
    print(f"(b) {updated:,} bulk matters of an earlier run given texts of real length "
          f"in {time.perf_counter() - started:.0f} s")


def _restore_search_indexes() -> None:
    """The search indexes, built after a load (or rebuilt if one was interrupted); then fresh statistics."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")  # a GIN build sorts in memory: 4x fewer passes
        for name, definition in SEARCH_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")
        cursor.execute("RESET maintenance_work_mem")
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

    district, clerk, token = bench_people()
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
        ("search q=鳄鱼出没 (four characters in no matter: the trigram indexes)", {"q": "鳄鱼出没"}),
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
