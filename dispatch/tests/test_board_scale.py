"""The dispatch board at scale: suggestion statistics from the daily summary, a pinned number of
queries, and the waiting queue in the order the index serves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import services as svc
from dispatch.models import RoutingHistory
from dispatch.selectors.work import dispatch_board, routing_suggestions
from dispatch.services.routing import routing_history_rebuild
from dispatch.tests.factories_work import World
from intake.choices import HandlingMode

pytestmark = pytest.mark.django_db

# Session, user, roles, profile; the board's reads (waiting matters, live assignments, summonses and
# their departments, extensions, declined, counts, waiting count, routing rules, departments,
# routing history, the board's departments); the page shell (unread notifications, mode, center,
# who is on duty: commanders, roster, shifts) — whatever the number of rows.
BOARD_QUERIES = 22


@pytest.fixture
def world():
    return World()


def _history(world, case):
    return [(dept.short_code, n) for dept, n in routing_suggestions(
        center=world.center, cases=[case], now=timezone.now())[case.pk].history]


def test_lead_assignments_are_counted_per_day_and_co_departments_are_not(world):
    for lead in (world.labour, world.labour, world.police):
        svc.case_dispatch(actor=world.director, case=world.case(), mode=HandlingMode.JOINT, lead_department=lead,
                          co_departments=[world.zgj])
    waiting = world.case()
    assert _history(world, waiting) == [("LDBZ", 2), ("GA", 1)]
    assert sum(RoutingHistory.objects.values_list("assignments", flat=True)) == 3


def test_a_rebuild_gives_the_same_statistics_as_the_upserts(world):
    for lead in (world.labour, world.police, world.police):
        svc.case_dispatch(actor=world.director, case=world.case(), mode=HandlingMode.TRANSFER, lead_department=lead)
    kept = sorted(RoutingHistory.objects.values_list("category_id", "department_id", "day", "assignments"))
    assert routing_history_rebuild() == len(kept)
    assert sorted(RoutingHistory.objects.values_list("category_id", "department_id", "day", "assignments")) == kept


def test_history_counts_the_last_90_days_only(world):
    today = timezone.localdate()
    RoutingHistory.objects.create(center=world.center, category=world.category, department=world.zgj,
                                  day=today - dt.timedelta(days=89), assignments=4)
    RoutingHistory.objects.create(center=world.center, category=world.category, department=world.police,
                                  day=today - dt.timedelta(days=90), assignments=9)
    assert _history(world, world.case()) == [("ZGJ", 4)]


def _summons(world):
    summons = svc.summons_request(actor=world.director, center=world.center, reason="堵路",
                                  departments=[world.police, world.zgj])
    svc.summons_approve(actor=world.commander, summons=summons)


@pytest.mark.django_db(transaction=True)  # committed, as in production: the calendar comes from the cache
def test_board_reads_a_fixed_number_of_queries(world, client):
    client.force_login(world.director)
    world.case()
    _summons(world)
    client.get(reverse("dispatch:board"))  # fills the cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("dispatch:board")).status_code == 200
    for _ in range(12):
        svc.case_dispatch(actor=world.director, case=world.case(), mode=HandlingMode.TRANSFER,
                          lead_department=world.police)
        world.case(urgency="urgent")
    _summons(world)
    client.get(reverse("dispatch:board"))
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("dispatch:board")).status_code == 200
    assert len(few) == len(many) == BOARD_QUERIES, "\n".join(q["sql"][:120] for q in many.captured_queries)


def test_the_queue_is_most_urgent_then_riskiest_then_oldest(world):
    now = timezone.now()
    old_normal = world.case(title="a", registered_at=now - dt.timedelta(days=2))
    new_normal = world.case(title="b", registered_at=now - dt.timedelta(days=1))
    risky = world.case(title="c", risk_level="major", registered_at=now)
    urgent = world.case(title="d", urgency="urgent", registered_at=now)
    critical = world.case(title="e", urgency="critical", registered_at=now)
    board = dispatch_board(center=world.center, now=now)
    assert [case.pk for case in board.pending] == [critical.pk, urgent.pk, risky.pk, old_normal.pk, new_normal.pk]
    assert board.counts["pending"] == 5
