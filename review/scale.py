"""A realistic history of matters for benchmarks and demos (`seed_scale`, and the demo's past months).

Rows are generated in Python from a seeded random source and written in bulk: PostgreSQL's COPY (with
the secondary indexes of the big tables dropped during a large load and rebuilt after it, and
foreign-key triggers off for the load, as pg_restore does), or `executemany` elsewhere.

Each matter: a channel (never a grid report: those need a worker's on-site check), a leaf category, a unit grid (and its town), a registration time over the
period; 18% settled on the spot at the window, the rest dispatched to one department (12% jointly,
with a co-department), acknowledged on time or late (or not yet), reported on time or after the
deadline (or not yet), some returned for rework, declined and overruled, extended; a revisit with
both answers once reported ("not resolved" reopens the matter: a redo and a second revisit); closed
a day after the revisit. Summons with report-in times, most on time, some late.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from dispatch.models import Assignment, ExtensionRequest, Revisit, Summons, SummonsDepartment
from governance.choices import GridLevel
from governance.models import Center, Department, Grid
from governance.roles import Role
from intake.chain import timeline_seal_unsealed
from intake.models import Case, CaseEvent, Category
from review.scale_postgres import (
    EV_CLOSED,
    EV_DECLINE_REFUSED,
    EV_DECLINED,
    EV_DISPATCHED,
    EV_REGISTERED,
    EV_REOPENED,
    EV_REPORTED_BACK,
    EV_REWORK,
    EV_SETTLED,
    TITLES,
    load_in_postgres,
)

# No grid reports: a closed grid report needs an on-site verification by a worker who covered its
# grid that day (grid.services.closing), which generated rows cannot honestly claim; grid reports come
# through the grid's services only (the demo's: grid/demo.py).
CHANNELS = (("walk_in", 0.30), ("phone", 0.55), ("platform", 0.92), ("online", 0.97), ("upper_assignment", 1.0))
HOUR = 3600
DAY = 86400
SEQUENCE_BASE = 5_000_000  # generated matters' numbers, far above real registrations
BIG_LOAD = 50_000  # from this many matters on PostgreSQL, secondary indexes are dropped and rebuilt
TABLES = ("intake_case", "dispatch_assignment", "intake_caseevent", "dispatch_revisit", "dispatch_extensionrequest")

CASE_COLUMNS = ("id", "district_id", "center_id", "code", "year", "sequence", "channel", "category_id", "title",
                "description", "address", "grid_id", "town_id", "urgency", "risk_level", "complexity", "status",
                "handling_mode", "operating_mode", "is_group", "group_size", "first_receiver_id", "registered_at",
                "expected_answer_at", "due_at", "external_ref", "external_source", "settlement", "resolved",
                "closed_at", "updated_at")
ASSIGNMENT_COLUMNS = ("id", "case_id", "center_id", "department_id", "mode", "role", "lead_id", "status",
                      "status_before_decline", "instructions", "part", "assigned_at", "ack_due_at", "due_at",
                      "original_due_at", "operating_mode", "policy_snapshot", "acknowledged_at", "acknowledged_late",
                      "reported_at", "report", "reported_late", "overdue_at", "redo_count", "extension_count",
                      "spent_working_minutes", "closed_at")
EVENT_COLUMNS = ("id", "case_id", "type", "source", "from_status", "to_status", "data", "occurred_at", "actor_id")
REVISIT_COLUMNS = ("id", "case_id", "revisited_by_id", "resolved", "satisfaction", "notes", "revisited_at")
EXTENSION_COLUMNS = ("id", "assignment_id", "reason", "requested_due_at", "requested_by_id", "requested_at", "status",
                     "decided_by_id", "decided_at", "decision_note", "old_due_at", "new_due_at", "needs_commander")


class ScaleError(Exception):
    """The district is not ready for generated history (run seed_demo first)."""


@dataclass
class World:
    district: Center
    department_ids: list[int]
    category_ids: list[int]
    grids: list[tuple[int, int | None]]
    clerk_id: int
    director_id: int


def world_for(district: Center) -> World:
    departments = list(Department.objects.filter(center=district, active=True).values_list("pk", flat=True))
    categories = list(Category.objects.filter(parent__isnull=False, active=True).values_list("pk", flat=True))
    grids = list(Grid.objects.filter(level=GridLevel.UNIT, active=True).values_list("pk", "town_id"))
    staff = district.staff.order_by("pk")
    people = list(staff.values_list("user_id", flat=True))
    if len(departments) < 2 or not categories or not grids or not people:
        raise ScaleError("辖区缺少部门、事项类别、单元网格或工作人员：请先运行 python manage.py seed_demo。")

    def first_with(role: str) -> int:
        return staff.filter(user__groups__name=role).values_list("user_id", flat=True).first() or people[0]

    return World(district=district, department_ids=departments, category_ids=categories, grids=grids,
                 clerk_id=first_with(Role.WINDOW_CLERK), director_id=first_with(Role.DUTY_DIRECTOR))


@dataclass
class Batch:
    cases: list[tuple] = field(default_factory=list)
    assignments: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    revisits: list[tuple] = field(default_factory=list)
    extensions: list[tuple] = field(default_factory=list)


class _Clock:
    """Epoch seconds to 'YYYY-MM-DD HH:MM:SS' (UTC), cached by the minute."""

    def __init__(self) -> None:
        self._cache: dict[int, str] = {}

    def __call__(self, epoch: float | None) -> str | None:
        if epoch is None:
            return None
        minute = int(epoch) // 60
        text = self._cache.get(minute)
        if text is None:
            text = dt.datetime.fromtimestamp(minute * 60, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
            self._cache[minute] = text
        return text


class _Ids:
    def __init__(self, tables: dict[str, int]) -> None:
        self.next = dict(tables)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _next_ids() -> dict[str, int]:
    models = {"intake_case": Case, "dispatch_assignment": Assignment, "intake_caseevent": CaseEvent,
              "dispatch_revisit": Revisit, "dispatch_extensionrequest": ExtensionRequest}
    result = {}
    for table, model in models.items():
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result[table] = last + 1
    return result


def generate(*, world: World, matters: int, start: dt.datetime, end: dt.datetime, now: dt.datetime, seed: int,
             batch_size: int, ids: dict[str, int], code_prefix: str, sequence_base: int = 0) -> Iterator[Batch]:
    """Batches of rows for `matters` matters registered between `start` and `end`, as seen at `now`."""
    rnd = random.Random(seed).random
    clock = _Clock()
    id_of = _Ids(ids)
    t0, span, now_s = start.timestamp(), (end - start).total_seconds(), now.timestamp()
    step = span / max(matters, 1)
    district = world.district.pk
    departments, categories, grids = world.department_ids, world.category_ids, world.grids
    n_dep, n_cat, n_grid = len(departments), len(categories), len(grids)
    clerk, director = world.clerk_id, world.director_id
    batch = Batch()
    for n in range(matters):
        ts = t0 + (n + rnd()) * step
        r = rnd()
        channel = next(name for name, upto in CHANNELS if r < upto)
        case_id = id_of.take("intake_case")
        grid_id, town_id = grids[int(rnd() * n_grid)]
        title = TITLES[n % len(TITLES)]
        registered = clock(ts)
        year = int(registered[:4])
        events = batch.events
        events.append((id_of.take("intake_caseevent"), case_id, EV_REGISTERED, "web", "", "registered",
                       f'{{"channel": "{channel}"}}', registered, clerk))
        kind = rnd()
        if kind < 0.18:  # settled on the spot at the window, revisited the next day, closed
            revisit_at = ts + DAY
            closed_at = revisit_at + HOUR if revisit_at + HOUR < now_s else None
            status = "closed" if closed_at else ("revisited" if revisit_at < now_s else "settled_on_spot")
            events.append((id_of.take("intake_caseevent"), case_id, EV_SETTLED, "web", "registered",
                           "settled_on_spot", "{}", clock(ts + 600), clerk))
            if revisit_at < now_s:
                batch.revisits.append((id_of.take("dispatch_revisit"), case_id, clerk, "yes",
                                       "satisfied" if rnd() < 0.8 else "basic", "", clock(revisit_at)))
            if closed_at:
                events.append((id_of.take("intake_caseevent"), case_id, EV_CLOSED, "web", "revisited", "closed",
                               "{}", clock(closed_at), clerk))
            batch.cases.append((case_id, district, district, f"{code_prefix}{year}-{n + 1:07d}", year,
                                sequence_base + n, channel, categories[int(rnd() * n_cat)], f"{title}（{n + 1}）",
                                f"{title}：当事人到窗口反映，当场调解。", "", grid_id, town_id, "normal", "low",
                                "ordinary", status, "self", "normal", False, 1, clerk, registered, None, None, "", "",
                                "当场调解成功", True if closed_at else None, clock(closed_at), registered))
            if len(batch.cases) >= batch_size:
                yield batch
                batch = Batch()
            continue
        joint = kind < 0.30
        department = departments[int(rnd() * n_dep)]
        assigned = ts + (0.5 + 2.5 * rnd()) * HOUR
        ack_due = assigned + 2 * HOUR
        due = assigned + 10 * DAY
        r = rnd()
        ack_late = r < 0.09
        ack_at = assigned + (2 * HOUR + rnd() * 6 * HOUR if ack_late else rnd() * 100 * 60)
        if ack_at > now_s:
            ack_at = None
        late = rnd() < 0.12
        done = assigned + (10 * DAY + rnd() * 6 * DAY if late else DAY + rnd() * 8 * DAY)
        special = rnd()
        rework, declined, extension = special < 0.05, 0.05 <= special < 0.08, 0.08 <= special < 0.12
        answered, satisfied = rnd(), rnd()
        resolved = "yes" if answered < 0.86 else ("partly" if answered < 0.94 else "no")
        satisfaction = "satisfied" if satisfied < 0.75 else ("basic" if satisfied < 0.93 else "not_satisfied")
        reported_at = done if ack_at is not None and done < now_s else None
        revisit_at = reported_at + DAY if reported_at is not None and reported_at + DAY < now_s else None
        second = revisit_at + 3 * DAY if revisit_at is not None and resolved == "no" else None
        if second is not None and second >= now_s:
            second = None
        last_revisit = second or revisit_at
        closed_at = last_revisit + HOUR if last_revisit is not None and (resolved != "no" or second) else None
        if closed_at is not None and closed_at >= now_s:
            closed_at = None
        if closed_at:
            status = "closed"
        elif revisit_at is not None and (resolved != "no" or second):
            status = "revisited"
        elif reported_at is not None and not (resolved == "no" and revisit_at is not None):
            status = "reported"
        else:
            status = "in_progress"
        a_status = ("completed" if closed_at else "reported") if status in ("closed", "revisited", "reported") \
            else ("acknowledged" if ack_at is not None else "assigned")
        a_id = id_of.take("dispatch_assignment")
        mode = "joint" if joint else "transfer"
        role = "lead" if joint else "sole"
        overdue_at = due if (reported_at is None or reported_at > due) and due < now_s else None
        a_row = [a_id, case_id, district, department, mode, role, None, a_status, "", "", "", clock(assigned),
                 clock(ack_due), clock(due), clock(due), "normal", "{}", clock(ack_at), ack_late and ack_at is not None,
                 clock(reported_at), "已办理并答复当事人。" if reported_at else "", late and reported_at is not None,
                 clock(overdue_at), int(rework) + int(resolved == "no" and revisit_at is not None), int(extension), 0,
                 clock(closed_at)]
        batch.assignments.append(tuple(a_row))
        if joint:
            co_department = departments[(departments.index(department) + 1 + int(rnd() * (n_dep - 1))) % n_dep]
            batch.assignments.append((id_of.take("dispatch_assignment"), case_id, district, co_department, mode, "co",
                                      a_id, a_status, "", "", "", clock(assigned), clock(ack_due), clock(due),
                                      clock(due), "normal", "{}", clock(ack_at), False, clock(reported_at),
                                      "协办意见已提交。" if reported_at else "", False, None, 0, 0, 0,
                                      clock(closed_at)))
        data = f'{{"assignment": {a_id}, "department": {department}}}'
        events.append((id_of.take("intake_caseevent"), case_id, EV_DISPATCHED, "web", "pending_dispatch",
                       "in_progress", data, clock(assigned), director))
        if declined and ack_at is not None:
            events.append((id_of.take("intake_caseevent"), case_id, EV_DECLINED, "web", "", "",
                           data, clock(ack_at + 600), None))
            events.append((id_of.take("intake_caseevent"), case_id, EV_DECLINE_REFUSED, "web", "", "",
                           data, clock(ack_at + 1800), director))
        if extension and ack_at is not None:
            approved = rnd() < 0.7
            batch.extensions.append((id_of.take("dispatch_extensionrequest"), a_id, "需补充材料、现场复核",
                                     clock(due + 5 * DAY), clerk, clock(assigned + 3 * DAY),
                                     "approved" if approved else "refused", director, clock(assigned + 3 * DAY + HOUR),
                                     "", clock(due), clock(due + 5 * DAY) if approved else None, False))
        if reported_at is not None:
            if rework:
                events.append((id_of.take("intake_caseevent"), case_id, EV_REWORK, "web",
                               "reported", "in_progress", data, clock(reported_at - HOUR), director))
            events.append((id_of.take("intake_caseevent"), case_id, EV_REPORTED_BACK, "web", "in_progress",
                           "reported", data, clock(reported_at), None))
        if revisit_at is not None:
            batch.revisits.append((id_of.take("dispatch_revisit"), case_id, clerk, resolved, satisfaction, "",
                                   clock(revisit_at)))
            if resolved == "no":
                events.append((id_of.take("intake_caseevent"), case_id, EV_REOPENED, "web", "revisited",
                               "in_progress", f'{{"assignment": {a_id}}}', clock(revisit_at + 60), clerk))
        if second is not None:
            batch.revisits.append((id_of.take("dispatch_revisit"), case_id, clerk, "yes", "basic", "",
                                   clock(second)))
        if closed_at is not None:
            events.append((id_of.take("intake_caseevent"), case_id, EV_CLOSED, "web", "revisited", "closed",
                           '{"resolved": "yes"}', clock(closed_at), clerk))
        batch.cases.append((case_id, district, district, f"{code_prefix}{year}-{n + 1:07d}", year, sequence_base + n,
                            channel, categories[int(rnd() * n_cat)], f"{title}（{n + 1}）",
                            f"{title}：当事人反映情况，请相关部门核实处理。", "", grid_id, town_id, "normal",
                            "high" if rnd() < 0.03 else "low", "ordinary", status, mode, "normal", False, 1, clerk,
                            registered, clock(due), clock(due), "", "", "已办理" if closed_at else "",
                            True if closed_at else None, clock(closed_at), registered))
        if len(batch.cases) >= batch_size:
            yield batch
            batch = Batch()
    if batch.cases:
        yield batch


def summonses(*, world: World, start: dt.datetime, end: dt.datetime, now: dt.datetime, count: int,
              seed: int) -> int:
    """`count` approved summonses over the period, 2–3 departments each; most report in on time."""
    rnd = random.Random(seed + 1).random
    span = (end - start).total_seconds()
    rows, people = [], []
    for _i in range(count):
        at = start + dt.timedelta(seconds=rnd() * span)
        if at > now:
            continue
        due = at + dt.timedelta(minutes=23)
        summons = Summons(center=world.district, reason="重大矛盾纠纷现场处置", status="approved",
                          requested_by_id=world.director_id, requested_at=at, decided_by_id=world.director_id,
                          decided_at=at + dt.timedelta(minutes=3), report_in_minutes=20, report_in_due_at=due,
                          closed_at=at + dt.timedelta(hours=3))
        rows.append(summons)
        chosen = random.Random(int(at.timestamp())).sample(world.department_ids, k=min(3, len(world.department_ids)))
        people.append([(department, rnd()) for department in chosen])
    Summons.objects.bulk_create(rows, batch_size=1000)
    departments = []
    for summons, chosen in zip(rows, people, strict=True):
        for department, r in chosen:
            late = int(r * 40) if r < 0.15 else 0
            reported = summons.report_in_due_at + dt.timedelta(minutes=late) - dt.timedelta(
                minutes=0 if late else 8)
            departments.append(SummonsDepartment(summons=summons, department_id=department,
                                                 acknowledged_at=summons.decided_at, reported_in_at=reported,
                                                 minutes_late=late))
    SummonsDepartment.objects.bulk_create(departments, batch_size=2000)
    return len(rows)


# --- writing ---------------------------------------------------------------------------------------
def _copy(cursor: object, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        write("\t".join("\\N" if v is None else ("t" if v is True else "f" if v is False else str(v)) for v in row))
        write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)  # type: ignore[attr-defined]


def _insert(cursor: object, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - this module's constants
    cursor.executemany(sql, rows)  # type: ignore[attr-defined]


def write_batch(cursor: object, batch: Batch, *, postgres: bool) -> None:
    put = _copy if postgres else _insert
    put(cursor, "intake_case", CASE_COLUMNS, batch.cases)
    put(cursor, "dispatch_assignment", ASSIGNMENT_COLUMNS, batch.assignments)
    put(cursor, "intake_caseevent", EVENT_COLUMNS, batch.events)
    put(cursor, "dispatch_revisit", REVISIT_COLUMNS, batch.revisits)
    put(cursor, "dispatch_extensionrequest", EXTENSION_COLUMNS, batch.extensions)


def _secondary_indexes(cursor: object) -> list[tuple[str, str]]:
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND i.schemaname = 'public' "
        "AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'", [list(TABLES)])
    return list(cursor.fetchall())  # type: ignore[attr-defined]


@dataclass
class LoadResult:
    matters: int
    rows: int
    summonses: int
    seconds_loading: float
    seconds_indexing: float
    seconds_sealing: float = 0.0


def replica_role_set(cursor: Any) -> bool:
    """Skip the foreign-key triggers for a bulk load (`session_replication_role = replica`) where the
    database user may (a superuser); otherwise leave them: Django's foreign keys are deferred to the
    commit, so the load stays correct, only its final check costs time. A center's database user is
    usually not a superuser (`seed_demo` used to fail there)."""
    cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    if not cursor.fetchone()[0]:
        return False
    cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def load(*, world: World, matters: int, start: dt.datetime, end: dt.datetime, now: dt.datetime, seed: int = 42,
         batch_size: int = 20_000, progress: Callable[[int], None] | None = None,
         code_prefix: str | None = None) -> LoadResult:
    """Generate and write the history in one transaction."""
    postgres = connection.vendor == "postgresql"
    prefix = code_prefix or f"{world.district.code}-S{seed}-"
    if Case.objects.filter(code__startswith=prefix).exists():
        raise ScaleError(f"编号前缀 {prefix} 的生成数据已存在：换一个 --seed，或先清空数据库。")
    started = time.perf_counter()
    rows = 0
    indexing = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        dropped: list[tuple[str, str]] = []
        if postgres:
            replica = replica_role_set(cursor)
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
            for table in TABLES:
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            if matters >= BIG_LOAD:
                dropped = _secondary_indexes(cursor)
                for name, _definition in dropped:
                    cursor.execute(f'DROP INDEX "{name}"')
        ids = _next_ids()
        last = (Case.objects.filter(district=world.district, sequence__gte=SEQUENCE_BASE)
                .order_by("-sequence").values_list("sequence", flat=True).first())
        sequence_base = (last + 1) if last else SEQUENCE_BASE
        if postgres:
            rows = load_in_postgres(cursor, world=world, matters=matters, start=start, end=end, now=now, seed=seed,
                                     chunk=batch_size, ids=ids, prefix=prefix, sequence_base=sequence_base,
                                     progress=progress)
        else:
            for batch in generate(world=world, matters=matters, start=start, end=end, now=now, seed=seed,
                                  batch_size=batch_size, ids=ids, code_prefix=prefix, sequence_base=sequence_base):
                write_batch(cursor, batch, postgres=False)
                rows += (len(batch.cases) + len(batch.assignments) + len(batch.events) + len(batch.revisits)
                         + len(batch.extensions))
                if progress:
                    progress(len(batch.cases))
        loaded = time.perf_counter()
        count = summonses(world=world, start=start, end=end, now=now, count=max(1, matters // 2000), seed=seed)
        if postgres:
            if replica:
                cursor.execute("SET LOCAL session_replication_role = origin")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in dropped:
                cursor.execute(definition)
            for table in TABLES:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - constants
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")
        indexing = time.perf_counter() - loaded
        # The timeline's rows were written with SQL: seal them into their matters' hash chains.
        sealing_started = time.perf_counter()
        timeline_seal_unsealed(connection, from_case_id=ids["intake_case"], batch=5000)
        sealing = time.perf_counter() - sealing_started
    if postgres:
        # Fresh statistics; and, where no transaction surrounds the load (the command), the
        # visibility map too, as autovacuum would set it later: until then the counts that read an
        # index alone (the dashboard's, the list's) must visit every row they count.
        analyze = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"{analyze} {table}")
    return LoadResult(matters=matters, rows=rows, summonses=count, seconds_loading=loaded - started,
                      seconds_indexing=indexing, seconds_sealing=sealing)
