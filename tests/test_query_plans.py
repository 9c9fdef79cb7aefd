"""The reads of issue 25 use the indexes made for them (PostgreSQL: EXPLAIN with sequential scans
priced out, so a plan that could not use the index shows a Seq Scan or another index), and the
filters that index conditions repeat stay equal to them."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch.choices import (
    BOARD_LIVE_STATUSES,
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentStatus,
    DeliveryStatus,
    DispatchEventType,
    NotificationChannel,
)
from dispatch.models import Assignment
from dispatch.selectors.work import dispatch_board
from dispatch.services.gateway_limits import RecipientLimits
from dispatch.tests.factories import NotificationFactory
from dispatch.tests.factories_work import World
from grid.selectors import station_recent
from grid.tests import conftest as grid_fixtures
from grid.tree_selectors import grid_tree
from intake.models import Case, CaseEvent
from intake.models.event import ASSESSED_ASSIGNMENT_EVENT_TYPES, ESCALATION_EVENT_TYPE
from review.selectors import assessment, assessment_figures, assessment_rows

pytestmark = pytest.mark.django_db

# The grid tests' small territory (district > town > village > unit grid, a center at each level).
territory, today = grid_fixtures.territory, grid_fixtures.today


def _condition_values(model, name: str) -> list[str]:
    [index] = [index for index in model._meta.indexes if index.name == name]
    return sorted(index.condition.children[0][1])


def test_the_index_conditions_are_the_filters_of_the_reads():
    assert sorted(assessment_rows.EVENT_TYPES.values()) == list(ASSESSED_ASSIGNMENT_EVENT_TYPES)
    assert _condition_values(CaseEvent, "caseevent_assessed_since") == list(ASSESSED_ASSIGNMENT_EVENT_TYPES)
    assert ESCALATION_EVENT_TYPE == DispatchEventType.CASE_ESCALATED
    assert set(BOARD_LIVE_STATUSES) == OPEN_ASSIGNMENT_STATUSES | {AssignmentStatus.REPORTED}
    assert _condition_values(Assignment, "assignment_board_due") == list(BOARD_LIVE_STATUSES)


def _plans(call, *, sorts: bool = True) -> list[tuple[str, str]]:  # noqa: ANN001
    """Every SELECT `call` makes, with its plan when sequential scans (and, with `sorts=False`,
    sorts) cost too much to choose: a test's few fresh rows let the planner take any index and sort
    them, so the plan asked is whether an index serves the query in its order, as at scale."""
    with CaptureQueriesContext(connection) as ctx:
        call()
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SET LOCAL enable_sort = {'on' if sorts else 'off'}")
        for query in ctx.captured_queries:
            if query["sql"].startswith("SELECT"):
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_sort = on")
    return plans


def _only_index(table: str, keep: str) -> None:
    """Drop, inside the test's transaction (rolled back after it), every index of `table` but `keep`
    and the primary key's (a unique constraint no foreign key relies on goes with its index): with a
    test's few rows the planner takes any index whose leading column matches, at equal cost, so the
    question asked is whether `keep` serves the read, as it must when the table is large."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype = 'u' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
            [table])
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND i.relname <> %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table, keep])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the plans are PostgreSQL's")


@pytest.fixture
def world():
    return World()


def test_the_board_reads_its_live_assignments_in_the_order_of_the_partial_index(postgresql, world):
    _only_index("dispatch_assignment", "assignment_board_due")
    board = _plans(lambda: dispatch_board(center=world.center), sorts=False)
    [(_sql, plan)] = [(sql, plan) for sql, plan in board if 'FROM "dispatch_assignment"' in sql
                      and "LIMIT 200" in sql and "IN ('acknowledged'" in sql]
    assert "assignment_board_due" in plan and "Sort" not in plan, plan
    [(_sql, counts)] = [(sql, plan) for sql, plan in board if "count(*)" in sql]
    assert "assignment_board_due" in counts and "Seq Scan on dispatch_assignment" not in counts, counts


@pytest.mark.parametrize(("index", "open_only"), [("assignment_department_live", True),
                                                  ("assignment_department_due", False)])
def test_a_departments_inbox_and_list_read_their_page_in_the_order_of_their_index(postgresql, world, index,
                                                                                   open_only):
    """Issue 25: with a page's LIMIT the planner walked the plain `due_at` index (now dropped) past every
    other department's assignment."""
    from dispatch.selectors.work import assignments_for_department_user

    _only_index("dispatch_assignment", index)
    plans = _plans(lambda: list(assignments_for_department_user(user=world.labour.liaison, open_only=open_only)
                                .values_list("pk", flat=True)[:50]), sorts=False)
    [plan] = [plan for sql, plan in plans if 'FROM "dispatch_assignment"' in sql and "LIMIT 50" in sql]
    assert index in plan and "Sort" not in plan, plan


def test_a_departments_list_counts_its_matters_on_the_assignments_index_alone(postgresql, world):
    """Counting the matters (a semi-join) probed each one's row: 80 ms at 2M for a liaison's list."""
    from dispatch.selectors.work import department_case_count

    _only_index("dispatch_assignment", "assignment_department_due")
    plans = _plans(lambda: department_case_count(world.labour.liaison, cap=10_001))
    [(sql, plan)] = [(sql, plan) for sql, plan in plans if "COUNT(" in sql]
    assert "assignment_department_due" in plan and "intake_case" not in sql, plan


def test_a_pages_clocks_are_read_by_their_matters_ids(postgresql):
    """Led by the type, the index gave PostgreSQL the five clock types to read, every step of them
    filtered by matter (114,000 rows at 2M for a list page's 20 matters)."""
    from dispatch.selectors.clocks import case_clocks

    _only_index("dispatch_deadlinestep", "deadline_step_subject")
    [(_sql, plan)] = _plans(lambda: case_clocks(case_ids=[1, 2, 3]))
    condition = plan.split("Index Cond:", 1)[1].split("\n", 1)[0]
    assert "deadline_step_subject" in plan and "subject_id" in condition, plan


def test_the_station_queue_reads_no_matter_it_does_not_show(postgresql, territory):
    plans = _plans(lambda: station_recent(center=territory.village))
    assert len(plans) == 2
    assert not any("Seq Scan on intake_case " in plan for _sql, plan in plans), plans
    assert "caseevent_escalated_from" in plans[0][1], plans[0][1]


def test_the_tree_counts_the_districts_open_matters_from_the_index(postgresql, territory):
    _only_index("intake_case", "case_district_open_grid")
    cache.clear()  # the open counts are kept a minute: counted here, not read from the cache
    plans = _plans(lambda: grid_tree(district_id=territory.district.pk), sorts=False)
    [counts] = [plan for sql, plan in plans if 'FROM "intake_case"' in sql]
    assert "using case_district_open_grid" in counts, counts  # index-only once the table is vacuumed


def test_the_assessment_joins_the_assignment_events_as_a_set(postgresql, world):
    _only_index("dispatch_assignment", "assignment_center_month")
    day = timezone.localdate()
    month = assessment_figures.Month(day.year, day.month)
    plans = _plans(lambda: list(assessment_rows.grouped(assessment_rows.events(world.center, month), "department_id",
                                                    assessment_rows.event_filters()).items()))
    [(sql, plan)] = plans
    assert "SubPlan" not in plan and "assignment_center_month" in plan, plan
    # A handful of rows here, so the planner loops over them; as a set (a hash join, as at scale),
    # the events are those since the month began, from the partial index (the only one left: at this
    # size the index on the type alone costs the same).
    _only_index("intake_caseevent", "caseevent_assessed_since")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("EXPLAIN " + sql)
        joined = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_nestloop = on")
    assert "caseevent_assessed_since" in joined and "SubPlan" not in joined, joined


# --- what the reads return (every database) ----------------------------------------------------
def test_the_station_lists_what_it_escalated_and_what_it_settled_in_two_queries(
        client, territory, django_assert_max_num_queries):
    from grid.tests.test_station import _report

    t = territory
    escalated, settled, waiting = _report(t, "a"), _report(t, "b"), _report(t, "c")
    client.force_login(t.station)
    client.post(reverse("grid:station-escalate", args=[escalated.pk]), {"reason": "需工程处置"})
    client.post(reverse("grid:station-settle", args=[settled.pk]), {"result": "已更换灯泡"})
    with django_assert_max_num_queries(2):
        recent = station_recent(center=t.village)
    assert {case.pk for case in recent} == {escalated.pk, settled.pk}
    assert waiting.pk not in {case.pk for case in recent}
    assert station_recent(center=t.town) == []  # the town escalated nothing and settled nothing
    assert recent == sorted(recent, key=lambda case: (case.updated_at, case.pk), reverse=True)
    assert station_recent(center=t.village, limit=1) == recent[:1]


def test_the_tree_counts_only_the_districts_matters(territory):
    from governance.choices import CenterLevel
    from governance.tests.factories import CenterFactory
    from grid.tests.test_services import report

    t = territory
    report(t)
    other = CenterFactory(code="QZY", level=CenterLevel.DISTRICT)
    Case.objects.filter(grid=t.unit).update(district=other)
    [root] = grid_tree(district_id=t.district.pk)
    assert root.open_cases == 0
    [root] = grid_tree(district_id=other.pk)
    assert root.open_cases == 1
    [root] = grid_tree(district_id=None)  # a superuser of no district: every district
    assert root.open_cases == 1


def test_the_months_counts_are_hashed_and_compiled_by_no_jit(postgresql, world):
    """The per-center counts of the month's matters are plain counts (no DISTINCT to sort by center),
    and the assessment's and the report's reads run with JIT off (`governance.dbplan`)."""
    from review.selectors.report import report_content

    day = timezone.localdate()
    month = assessment_figures.Month(day.year, day.month)
    for call in (lambda: assessment.assessment_compute(center=world.center, month=month),
                 lambda: report_content(center=world.center, month=month)):
        with CaptureQueriesContext(connection) as ctx:
            call()
        assert ctx.captured_queries[0]["sql"] == "SET LOCAL jit = off"
    with CaptureQueriesContext(connection) as ctx:
        assessment._towns(world.center, month)
    [towns] = [q["sql"] for q in ctx.captured_queries if 'SELECT "intake_case"."center_id" AS "center_id"' in q["sql"]]
    assert "COUNT(DISTINCT" not in towns, towns


def test_the_gateway_limits_read_a_persons_recent_sends_from_the_index(postgresql):
    _only_index("dispatch_notification", "notification_recent_sends")
    row = NotificationFactory(channel=NotificationChannel.WECOM, status=DeliveryStatus.PENDING)
    [(_sql, plan)] = _plans(lambda: RecipientLimits.read([row], now=timezone.now()))
    assert "notification_recent_sends" in plan and "sent_at >=" in plan, plan
