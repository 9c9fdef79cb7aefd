"""The grid workers' month (seed 002 五(三)): patrols, information collected, problems found,
verifications and those on time, each checked against facts counted by hand, on October 2025's
calendar (1–8 October holidays, Saturday 11 October a make-up working day)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from governance.tests.factories import GridFactory, UserFactory
from grid.choices import PatrolStatus
from grid.tests.factories import (
    CollectedItemChangeFactory,
    GridAssignmentFactory,
    GridReportFactory,
    PatrolFactory,
)
from intake.choices import Channel
from intake.models import CaseEvent
from intake.tests.factories import CaseFactory
from review.selectors.assessment import assessment_compute, figure_items
from review.selectors.assessment_figures import WORKER_FIGURES, Month
from review.selectors.assessment_history import assessment_diff
from review.services.assessment import assessment_publish
from review.tests.october import NOW, at, build_october

OCTOBER = Month(2025, 10)


@pytest.fixture
def workers(db):
    october = build_october()
    grid = GridFactory(name="上浦村第一网格")
    w1 = UserFactory(username="w-he", first_name="雅琴", last_name="何", roles=["grid_worker"])
    w2 = UserFactory(username="w-lin", first_name="强", last_name="林", roles=["grid_worker"])
    gone = UserFactory(username="w-gone", roles=["grid_worker"])
    staff = UserFactory(username="w-staff", roles=["duty_director"])
    GridAssignmentFactory(grid=grid, worker=w1, starts_on=dt.date(2025, 9, 1))
    GridAssignmentFactory(grid=grid, worker=w2, starts_on=dt.date(2025, 10, 20))
    GridAssignmentFactory(grid=grid, worker=gone, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 9, 30))
    # patrols: three finished that started in October (the last at 23:30 on the 31st), one still
    # on patrol, one finished that started in September
    for started in (at(10, 9), at(10, 20, 14), at(10, 31, 23, 30)):
        PatrolFactory(grid=grid, worker=w1, started_at=started, finished_at=started + dt.timedelta(hours=1),
                      status=PatrolStatus.FINISHED)
    PatrolFactory(grid=grid, worker=w1, started_at=at(10, 28), status=PatrolStatus.ON_PATROL)
    PatrolFactory(grid=grid, worker=w1, started_at=at(9, 30, 16), finished_at=at(9, 30, 17),
                  status=PatrolStatus.FINISHED)
    # the ledger: a new entry and an update in October, one more in November
    CollectedItemChangeFactory(item__grid=grid, actor=w1, changed_at=at(10, 9, 10))
    CollectedItemChangeFactory(item__grid=grid, actor=w1, changed_at=at(10, 22, 10))
    CollectedItemChangeFactory(item__grid=grid, actor=w1, changed_at=at(11, 3, 10))
    # problems found: one each in October, one of w1's in September
    for worker, when in ((w1, at(10, 15)), (w2, at(10, 21)), (w1, at(9, 29))):
        case = CaseFactory(district=october.center, channel=Channel.GRID_REPORT, grid=grid, registered_at=when)
        GridReportFactory(case=case, grid=grid, reporter=worker, reported_at=when)

    def matter(handed: dt.datetime, kind: str, verified: dt.datetime, by, type_: str = "case.verified"):
        case = CaseFactory(district=october.center, grid=grid, registered_at=handed - dt.timedelta(days=3))
        CaseEvent.objects.create(case=case, type=kind, occurred_at=handed)
        return CaseEvent.objects.create(case=case, type=type_, occurred_at=verified, actor=by)

    back, settled = "assignment.reported_back", "case.settled_on_spot"
    events = {
        # A: reported back Tue 09-30 16:00, verified Thu 10-09 10:00: the working days begun in
        # between are 10-09 only (1–8 are holidays): 1, on time
        "a": matter(at(9, 30, 16), back, at(10, 9, 10), w1),
        # B: reported back Fri 10-10 15:00, verified Mon 10-13 09:00: Sat 10-11 (make-up) and Mon
        # 10-13 begun: 2, late
        "b": matter(at(10, 10, 15), back, at(10, 13, 9), w1),
        # C: settled at the village Mon 10-20 10:00, checked on site Tue 10-21 17:00: 1, on time
        "c": matter(at(10, 20, 10), settled, at(10, 21, 17), w1, "grid.site_verified"),
        # D: reported back Wed 10-22, failed by w2 Mon 10-27: 10-23, 10-24, 10-27: 3, late
        "d": matter(at(10, 22, 11), back, at(10, 27, 15), w2, "case.verification_failed"),
        # not counted: the center's own check, and w1's in November
        "staff": matter(at(10, 14), back, at(10, 15), staff),
        "november": matter(at(10, 30), back, at(11, 3), w1),
    }
    return october, w1, w2, events


def test_every_worker_figure_is_counted_from_the_records(workers):
    october, w1, w2, _events = workers
    data = assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    rows = {row["name"]: row for row in data["workers"]}
    assert set(rows) == {"何雅琴", "林强"}  # w-gone's assignment ended in September
    assert rows["何雅琴"]["figures"] == {"patrols": 3, "collected": 2, "found": 1, "verified": 3,
                                         "verified_on_time": 2}
    assert rows["何雅琴"]["verified_on_time_rate"] == 66.7
    assert rows["林强"]["figures"] == {"patrols": 0, "collected": 0, "found": 1, "verified": 1,
                                       "verified_on_time": 0}
    assert rows["林强"]["verified_on_time_rate"] == 0.0


def test_each_worker_figure_lists_the_rows_it_counts(workers):
    october, w1, w2, events = workers
    data = assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    for row in data["workers"]:
        for figure in WORKER_FIGURES:
            items = figure_items(center=october.center, month=OCTOBER, key=figure.key, worker_id=row["id"],
                                 now=NOW, limit=0)
            assert items.total == items.count == len(items.rows) == row["figures"][figure.key], figure.key
    on_time = figure_items(center=october.center, month=OCTOBER, key="verified_on_time", worker_id=w1.pk, limit=0)
    assert [e.pk for e in on_time.rows] == [events["a"].pk, events["c"].pk]
    late = figure_items(center=october.center, month=OCTOBER, key="verified", worker_id=w1.pk, limit=0).rows
    assert {e.pk: (e.working_days, e.on_time) for e in late}[events["b"].pk] == (2, False)


def test_published_worker_figures_freeze_and_a_recomputation_shows_the_change(workers):
    october, w1, _w2, _events = workers
    first = assessment_publish(actor=october.admin, center=october.center, month=OCTOBER, now=NOW)
    PatrolFactory(grid=w1.grid_assignments.get().grid, worker=w1, started_at=at(10, 30),
                  finished_at=at(10, 30, 11), status=PatrolStatus.FINISHED)  # entered late
    first.refresh_from_db()
    frozen = {row["name"]: row["figures"]["patrols"] for row in first.figures["workers"]}
    assert frozen["何雅琴"] == 3
    live = assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    assert {"unit": "何雅琴", "key": "patrols", "what": "网格巡查", "old": 3, "new": 4} in assessment_diff(
        first.figures, live)
    second = assessment_publish(actor=october.admin, center=october.center, month=OCTOBER,
                                reason="补录 10-30 巡查", now=NOW)
    assert {"unit": "何雅琴", "key": "patrols", "what": "网格巡查", "old": 3, "new": 4} in second.changes


def test_the_page_shows_the_workers_and_their_lists(client, workers):
    october, w1, _w2, _events = workers
    client.force_login(october.admin)
    page = client.get(reverse("review:assessment"), {"month": "2025-10"}).content.decode()
    assert 'data-testid="worker-figures"' in page and 'data-worker="何雅琴"' in page
    response = client.get(reverse("review:assessment-items", args=["2025-10"]),
                          {"figure": "verified_on_time", "worker": w1.pk})
    assert response.status_code == 200
    assert 'data-testid="items-total">2<' in response.content.decode()
    assert client.get(reverse("review:assessment-items", args=["2025-10"]),
                      {"figure": "verified", "worker": 999999}).status_code == 404
    assert client.get(reverse("review:assessment-items", args=["2025-10"]),
                      {"figure": "overdue", "worker": w1.pk}).status_code == 404


def test_the_worker_figures_cost_the_same_queries_with_more_workers_and_records(workers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    october, w1, _w2, _events = workers
    with CaptureQueriesContext(connection) as small:
        assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    grid = w1.grid_assignments.get().grid
    for n in range(4):
        worker = UserFactory(username=f"w-more-{n}", roles=["grid_worker"])
        GridAssignmentFactory(grid=grid, worker=worker, starts_on=dt.date(2025, 10, 1))
        for day in (9, 10, 13):
            PatrolFactory(grid=grid, worker=worker, started_at=at(10, day), finished_at=at(10, day, 11),
                          status=PatrolStatus.FINISHED)
            CollectedItemChangeFactory(item__grid=grid, actor=worker, changed_at=at(10, day, 12))
            case = CaseFactory(district=october.center, grid=grid, registered_at=at(10, day, 8))
            CaseEvent.objects.create(case=case, type="assignment.reported_back", occurred_at=at(10, day, 9))
            CaseEvent.objects.create(case=case, type="case.verified", occurred_at=at(10, day, 16), actor=worker)
    with CaptureQueriesContext(connection) as large:
        data = assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    assert len(data["workers"]) == 6
    assert len(large.captured_queries) == len(small.captured_queries)
