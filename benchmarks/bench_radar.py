"""Risk radar benchmark (not a test): one radar run over 1,000,000 matters on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench .venv/bin/python benchmarks/bench_radar.py

Loads the demo district (`seed_demo`). When the district already holds N matters (default
1,000,000) — the way to load them is `./manage seed_scale --matters 1000000` (a realistic year:
assignments, overdue ones, revisits, reopened matters) — they are used as they are. Otherwise,
once, N matters spread over the last two years across every unit grid, town and leaf category of
the demo, each with an applicant from a pool of 400,000 people, plus 200,000 assignments of which
some went overdue — with `INSERT ... SELECT generate_series` (marked
`external_source='bench_radar'`, reused by the next run). Planted on top: a 噪音 surge in one
community, one repeat applicant, one group matter, a department whose overdue count climbs, and a
key person of the grid's ledger who comes as an applicant.

Then: the radar's first run (raises), the same run again (refreshes, raises nothing), best of 3 —
time and SQL statements — the slowest statements of the last run, the raw PostgreSQL floor (the
same statements sent as plain SQL, no ORM and no Python in between), and the plan of the weekly
overdue counts (the `assignment_overdue_at` index).

PostgreSQL only: the figures mean nothing on SQLite, so the script refuses it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Row, insert_parties, plan_check, setup_django, table  # noqa: E402

MARK = "bench_radar"
# The anomalies `plant` puts among the million: the first run raises one signal of each, nothing else.
PLANTED = {"surge", "repeat_applicant", "group", "department_overdue", "key_person"}


def _setup() -> None:
    """Django on PostgreSQL, migrated (common.setup_django refuses SQLite), with the demo district."""
    setup_django()
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


def ensure_matters(*, total: int, now: dt.datetime) -> None:
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from governance.models import Center, Grid
    from intake.models import Case, Category

    district = Center.objects.get(code="QZTS")
    present = Case.objects.filter(external_source=MARK).count()
    if present >= total:
        print(f"{present:,} bench matters already present, reused")
        return
    in_district = Case.objects.filter(district=district).count()
    if in_district >= total:
        print(f"{in_district:,} matters already in the district (seed_scale), used as they are")
        return
    units = list(Grid.objects.filter(level="unit").values_list("pk", "town_id"))
    leaves = list(Category.objects.filter(parent__isnull=False, active=True).values_list("pk", flat=True))
    clerk_id = User.objects.get(username="clerk").pk
    started = time.perf_counter()
    pool = 400_000
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'intake_case' "
                       "AND indexdef ILIKE '%%gin%%'")
        gin = cursor.fetchall()
        for name, _definition in gin:  # rebuilt once after the load: much faster than row by row
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        insert_parties(cursor, names="研判当事人", phone_prefix="139", address="东园镇", count=pool)
        cursor.execute("SELECT min(id) FROM (SELECT id FROM intake_party ORDER BY id DESC LIMIT %s) p", [pool])
        party_min = cursor.fetchone()[0]
        span = 730 * 86400 / total  # seconds between two matters: two years of them
        cursor.execute(
            """
            INSERT INTO intake_case (district_id, center_id, code, year, sequence, channel, category_id, title,
                description, address, grid_id, town_id, urgency, risk_level, complexity, status, handling_mode,
                operating_mode, is_group, group_size, first_receiver_id, registered_at, expected_answer_at,
                due_at, external_ref, external_source, settlement, updated_at)
            SELECT %(district)s, %(district)s, 'QZTS-BR-' || lpad(n::text, 8, '0'),
                extract(year FROM ts)::int, 20000000 + n, 'walk_in',
                (%(leaves)s::bigint[])[1 + (n * 31) %% %(leaf_count)s], '研判基准事项 ' || n, '基准数据',
                '', (%(grids)s::bigint[])[1 + (n * 7919) %% %(grid_count)s],
                (%(towns)s::bigint[])[1 + (n * 7919) %% %(grid_count)s], 'normal', 'low', 'ordinary', 'closed',
                '', 'normal', false, 1, %(clerk)s, ts, ts + interval '9 days', ts + interval '9 days', '',
                %(mark)s, '', ts
            FROM (SELECT n, %(now)s::timestamptz - (n * %(span)s * interval '1 second') AS ts
                  FROM generate_series(1::bigint, %(total)s) AS n) s
            """,
            {"district": district.pk, "leaves": leaves, "leaf_count": len(leaves),
             "grids": [g for g, _ in units], "towns": [t for _, t in units], "grid_count": len(units),
             "clerk": clerk_id, "mark": MARK, "now": now - dt.timedelta(hours=2), "span": span, "total": total},
        )
        cursor.execute(
            "INSERT INTO intake_caseparty (case_id, party_id, role, is_spokesman) "
            "SELECT id, %s + ((sequence - 20000000) %% %s), 'applicant', true FROM intake_case "
            "WHERE external_source = %s", [party_min, pool, MARK])
    with connection.cursor() as cursor:  # after the commit: deferred FK checks ran, indexes can be built
        for _name, definition in gin:
            cursor.execute(definition)
    print(f"loaded {total:,} matters and their applicants in {time.perf_counter() - started:.0f} s")


def ensure_assignments(*, total: int) -> None:
    """One assignment per fifth matter; one in ten of them went overdue at its deadline."""
    from django.db import connection, transaction

    from dispatch.models import Assignment
    from governance.models import Center, Department

    district = Center.objects.get(code="QZTS")
    if Assignment.objects.filter(case__external_source=MARK).exists() or \
            Assignment.objects.filter(center=district).count() >= total // 10:
        return  # ours from a previous run, or seed_scale's
    departments = list(Department.objects.filter(center=district).values_list("pk", flat=True))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dispatch_assignment (case_id, center_id, department_id, mode, role, status,
                status_before_decline, instructions, part, report, assigned_at, ack_due_at, due_at,
                original_due_at, operating_mode, policy_snapshot, acknowledged_late, reported_late, redo_count, extension_count,
                spent_working_minutes, overdue_at)
            SELECT c.id, c.district_id, (%(departments)s::bigint[])[1 + c.id %% %(dept_count)s], 'transfer', 'sole',
                'completed', '', '', '', '', c.registered_at, c.registered_at + interval '2 hours',
                c.registered_at + interval '9 days', c.registered_at + interval '9 days', 'normal', '{}'::jsonb,
                false, false, 0, 0, 0,
                CASE WHEN c.id %% 10 = 0 THEN c.registered_at + interval '9 days' END
            FROM intake_case c WHERE c.external_source = %(mark)s AND c.sequence %% 5 = 0
            """,
            {"departments": departments, "dept_count": len(departments), "mark": MARK},
        )
    with connection.cursor() as cursor:
        for table in ("intake_case", "intake_caseparty", "intake_party", "dispatch_assignment", "intake_caseevent"):
            cursor.execute(f"ANALYZE {table}")
    print(f"loaded {total // 5:,} assignments in {time.perf_counter() - started:.0f} s")


def plant(*, now: dt.datetime) -> dict[str, Any]:
    """The anomalies the radar must find among the million (idempotent: planted once)."""
    from django.contrib.auth.models import User

    from dispatch.models import Assignment
    from governance.models import Center, Department, Grid
    from grid.models import KeyPerson, KeyPersonGroup
    from intake.models import Case, CaseParty, Category, Party

    district = Center.objects.get(code="QZTS")
    if Case.objects.filter(external_source=f"{MARK}_planted").exists():
        return {}
    clerk = User.objects.get(username="clerk")
    village = Grid.objects.get(name="阳光社区", level="village")
    units = list(village.children.filter(level="unit"))
    noise, _ = Category.objects.get_or_create(code="RX31", defaults={"name": "噪音",
                                                                     "parent": Category.objects.get(code="RX")})
    seq = [30000000]

    def matter(at: dt.datetime, **kwargs: Any) -> Case:
        seq[0] += 1
        fields = {"category": noise, "grid": units[seq[0] % len(units)], "town": village.town,
                  "title": "夜市噪音扰民", "description": "植入", **kwargs}
        return Case.objects.create(district=district, center=district, code=f"QZTS-BP-{seq[0]}", year=at.year,
                                   sequence=seq[0], channel="walk_in", first_receiver=clerk, registered_at=at,
                                   external_source=f"{MARK}_planted", **fields)

    for k in range(1, 9):
        matter(now - dt.timedelta(weeks=k, hours=3))
    for i in range(9):
        matter(now - dt.timedelta(hours=3 + 13 * i))
    person = Party.objects.create(name="反复来访人", phone="13700000001", id_number="")
    for d in (1, 8, 15, 22):
        CaseParty.objects.create(case=matter(now - dt.timedelta(days=d, hours=1), category=Category.objects.get(
            code="JF02"), title="邻里纠纷反复来访"), party=person, role="applicant")
    matter(now - dt.timedelta(days=1), category=Category.objects.get(code="JF10"), is_group=True, group_size=40,
           title="四十名工人讨薪")
    watched = KeyPerson.objects.create(grid=units[0], group=KeyPersonGroup.objects.order_by("pk").first(),
                                       name="台账人员（基准）", id_number="350521199001011234", risk_level="high")
    came = Party.objects.create(name="台账人员（基准）", phone="13700000002", id_number=watched.id_number)
    CaseParty.objects.create(case=matter(now - dt.timedelta(days=4), category=Category.objects.get(code="JF02"),
                                         title="宅基地纠纷"),
                             party=came, role="applicant")
    department = Department.objects.get(center=district, short_code="ZGJ")
    for weeks_ago, count in ((2, 30), (1, 45), (0, 60)):
        for i in range(count):
            at = now - dt.timedelta(weeks=weeks_ago, hours=3 + i)
            case = matter(at - dt.timedelta(days=10), category=Category.objects.get(code="JF03"),
                          title="超期事项", grid=None, town=None)
            Assignment.objects.create(case=case, center=district, department=department, mode="transfer",
                                      assigned_at=at - dt.timedelta(days=9), ack_due_at=at, due_at=at,
                                      original_due_at=at, overdue_at=at, policy_snapshot={})
    return {}


def measure(*, now: dt.datetime, runs: int) -> list[Row]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from command.models import RiskSignal
    from command.services.radar import radar_run
    from governance.models import Center
    from intake.models import Case

    district = Center.objects.get(code="QZTS")
    RiskSignal.objects.filter(center=district).delete()
    print(f"matters in the district: {Case.objects.filter(district=district).count():,}")
    connection.queries_log.clear()  # the log keeps 9,000 statements: a full one would miscount
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = radar_run(center=district, now=now)
        first = time.perf_counter() - started
    print(f"first run (raises): {first * 1000:.0f} ms, {len(ctx.captured_queries)} queries, "
          f"raised {len(result.raised)}: " + "; ".join(s.title for s in result.raised[:40])
          + ("; …" if len(result.raised) > 40 else ""))
    first_queries = len(ctx.captured_queries)
    first_kinds = sorted(signal.kind for signal in result.raised)
    times, queries, raised_again = [], 0, 0
    for _ in range(runs):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            again = radar_run(center=district, now=now)
            times.append(time.perf_counter() - started)
        queries = len(ctx.captured_queries)
        raised_again += len(again.raised)
    print(f"same data again (refreshes, raises nothing): best of {runs} {min(times) * 1000:.0f} ms, {queries} queries")
    print("slowest statements of the last run:")
    for query in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:4]:
        print(f"  {float(query['time']) * 1000:6.0f} ms  {query['sql'][:110]}")
    floor = raw_floor([query["sql"] for query in ctx.captured_queries])
    print(f"raw PostgreSQL floor (the same {queries} statements as plain SQL): {floor * 1000:.0f} ms")
    matters = f"{Case.objects.filter(district=district).count():,} matters"
    others = sorted(set(first_kinds) - PLANTED)
    return [
        Row(f"radar: first run over {matters} (raises the {len(PLANTED)} planted signals)",
            f"{first * 1000:.0f} ms, {first_queries} queries, raised " + (", ".join(
                f"{kind} {first_kinds.count(kind)}" for kind in sorted(set(first_kinds))) or "nothing"),
            "each planted kind raised: " + ", ".join(sorted(PLANTED)) + " (and whatever the data itself holds: "
            + (", ".join(others) or "nothing") + ")", set(first_kinds) >= PLANTED),
        Row(f"radar: the same data again, best of {runs}", f"{min(times) * 1000:.0f} ms, {queries} queries, "
            f"raised {raised_again}", "raises nothing (refreshes)", raised_again == 0),
        Row("raw PostgreSQL: the same statements as plain SQL (the floor)", f"{floor * 1000:.0f} ms", "—", None),
        overdue_plan(district=district, now=now),
    ]


def raw_floor(statements: list[str]) -> float:
    """The statements of a run sent again as plain SQL through one cursor, in a transaction rolled
    back (the run writes: its record, refreshed signals): what PostgreSQL alone needs."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        for sql in statements:
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def overdue_plan(*, district: Any, now: dt.datetime) -> Row:
    """The plan of the weekly overdue counts per department (the radar's slowest detector on a
    scan): a range of `overdue_at` read from the partial index `assignment_overdue_at`."""
    from django.db.models import Count, Q

    from dispatch.models import Assignment

    start = now - dt.timedelta(weeks=3)
    weeks = {f"w{k}": Count("pk", filter=Q(overdue_at__gt=now - dt.timedelta(weeks=k + 1),
                                             overdue_at__lte=now - dt.timedelta(weeks=k))) for k in range(3)}
    rows = (Assignment.objects.filter(department__center=district, overdue_at__gt=start, overdue_at__lte=now)
            .values("department_id").annotate(**weeks))
    sql, params = rows.query.sql_with_params()
    return plan_check("department overdue per week", sql, params, table="dispatch_assignment",
                      wanted=["assignment_overdue_at"])


def prepare(scale: float = 1.0) -> None:
    """The data this benchmark reads, loaded once (`run_all.py` loads every module's before measuring);
    `scale` of it for the page budget's growth (bench_pages)."""
    _setup()
    from django.utils import timezone

    ensure_matters(total=int(1_000_000 * scale), now=timezone.now())
    ensure_assignments(total=int(1_000_000 * scale))


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--matters", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv or [])
    _setup()
    from django.utils import timezone

    now = timezone.now()
    ensure_matters(total=args.matters, now=now)
    ensure_assignments(total=args.matters)
    plant(now=now)
    return measure(now=now, runs=args.runs)


if __name__ == "__main__":
    rows = main(sys.argv[1:])
    print(table(rows))
    sys.exit(1 if any(row.passed is False for row in rows) else 0)
