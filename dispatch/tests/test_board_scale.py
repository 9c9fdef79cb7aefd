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
from dispatch.models import RoutingHistory, RoutingRule
from dispatch.selectors import work as work_selectors
from dispatch.selectors.work import dispatch_board, routing_suggestions
from dispatch.services.routing import routing_history_rebuild
from dispatch.tests.factories_work import World
from intake.choices import HandlingMode

pytestmark = pytest.mark.django_db

# Session, user, roles, profile; the board's reads (waiting matters, live assignments, summonses and
# their departments and the call-ups' messages, extensions, declined, the four capped counts in one statement, departments,
# routing rules, routing history, the leaders a 督办 may name, returns asked after the window, the 不参评 requests awaiting a commander, the waiting matters' clocks); the page shell (unread notifications, mode, center, who is on
# duty: commanders, roster, shifts), the wartime episode in force (its leader and standby while it lasts) —
# whatever the number of rows.
BOARD_QUERIES = 26


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


def test_the_board_rows_escape_every_text_and_preselect_the_suggestion(world, client):
    RoutingRule.objects.create(center=world.center, category=world.category, department=world.labour, role="lead")
    RoutingRule.objects.create(center=world.center, category=world.category, department=world.zgj, role="co")
    case = world.case(title="<b>堵路</b>", external_ref="GD<1>", external_source="qz12345",
                      due_at=timezone.now() - dt.timedelta(hours=1))
    (assignment,) = svc.case_dispatch(actor=world.director, case=world.case(title="一" * 30 + "<i>"),
                                      mode=HandlingMode.TRANSFER, lead_department=world.police)
    client.force_login(world.director)
    html = client.get(reverse("dispatch:board")).content.decode()
    row = html[html.index(f'<tr data-case="{case.pk}"'):]
    row = row[: row.index("</tr>")]
    assert "<b>" not in row and "&lt;b&gt;堵路&lt;/b&gt;" in row and "GD&lt;1&gt;" in row
    assert 'class="table-danger"' in row and 'class="overdue"' in row
    assert f'action="{reverse("dispatch:work-case-dispatch", args=[case.pk])}"' in row
    assert f'href="{reverse("dispatch:work-case", args=[case.pk])}"' in row
    lead_select = row[row.index('name="lead_department"'):row.index('name="co_departments"')]
    co_select = row[row.index('name="co_departments"'):row.index('name="instructions"')]
    assert f'<option value="{world.labour.pk}" selected>' in lead_select and lead_select.count(" selected") == 1
    assert f'<option value="{world.zgj.pk}" selected>' in co_select and co_select.count(" selected") == 1
    assert '<option value="joint" selected>' in row  # a co-department suggested: joint handling
    assert 'name="csrfmiddlewaretoken"' in row
    # The live assignment: its page, the title cut at 24 characters, nothing unescaped.
    assert f'href="{reverse("dispatch:work-assignment", args=[assignment.pk])}"' in html
    assert "一" * 23 + "…" in html and "<i>" not in html


def test_a_reader_sees_the_rows_without_dispatch_forms(world, client):
    world.case(title="待调度的一件")
    client.force_login(world.commander)  # may watch the board, not dispatch
    html = client.get(reverse("dispatch:board")).content.decode()
    assert "待调度的一件" in html and 'data-testid="dispatch-form"' not in html


def test_the_counts_stop_at_the_cap(world, monkeypatch):
    monkeypatch.setattr(work_selectors, "PENDING_COUNT_CAP", 2)
    for _ in range(3):
        world.case()
    for _ in range(3):
        svc.case_dispatch(actor=world.director, case=world.case(), mode=HandlingMode.TRANSFER,
                          lead_department=world.police)
    counts = dispatch_board(center=world.center).counts
    assert counts["pending"] == 2 and counts["pending_label"] == "2+"
    assert counts["open"] == 2 and counts["open_label"] == "2+"
    assert counts["unacknowledged_label"] == "2+" and counts["overdue"] == 0 and counts["overdue_label"] == "0"
