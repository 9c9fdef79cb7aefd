"""The intake REST API's matter list: filters, pagination and its queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.tests.factories import GridFactory
from intake.choices import CaseStatus, Channel
from intake.tests.api_client import API, ID_NUMBER, token_client
from intake.tests.factories import CaseFactory, PartyFactory, category

# --- list: filters and pagination -----------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 18, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_list_filters(clerk, dispatcher):
    """On a fixed day: the date filters count days back from today (the token made on that day too:
    the fixture's, made before the clock is frozen, expired in time when the real date was more than
    the token's 30 days before it)."""
    api = token_client(clerk)
    now = timezone.now()
    grid = GridFactory(in_town=True)
    labour = CaseFactory(first_receiver=clerk, title="上浦村工地欠薪", grid=grid, town=grid.town,
                         applicant=PartyFactory(id_number=ID_NUMBER))
    noise = CaseFactory(first_receiver=dispatcher, category=category("RX03"), channel=Channel.PLATFORM,
                        title="夜市噪音", description="噪音扰民", status=CaseStatus.PENDING_DISPATCH,
                        registered_at=now - dt.timedelta(days=10), due_at=now + dt.timedelta(days=5))
    late = CaseFactory(first_receiver=clerk, overdue=True, title="迟办", registered_at=now - dt.timedelta(days=30))
    closed_late = CaseFactory(first_receiver=clerk, overdue=True, closed=True, registered_at=now - dt.timedelta(days=40))

    def codes(**params):
        response = api.get(API + "/cases/", params)
        assert response.status_code == 200, response.json()
        return [row["code"] for row in response.json()["results"]]

    assert codes() == [labour.code, noise.code, late.code, closed_late.code]
    assert codes(status="pending_dispatch") == [noise.code]
    assert codes(channel="platform") == [noise.code]
    assert codes(category=category("RX").pk) == [noise.code]  # a top level includes its children
    assert codes(category=category("JF10").pk) == [labour.code, late.code, closed_late.code]
    assert codes(town=grid.town_id) == [labour.code]
    assert codes(grid=grid.pk) == [labour.code]
    today = timezone.localdate()
    assert codes(date_from=str(today - dt.timedelta(days=11)), date_to=str(today - dt.timedelta(days=9))) == [
        noise.code]
    assert codes(overdue="true") == [late.code]
    assert codes(first_receiver=dispatcher.pk) == [noise.code]
    assert codes(q="噪音") == [noise.code]
    assert codes(q=labour.code) == [labour.code]
    row = api.get(API + "/cases/", {"q": "欠薪"}).json()["results"][0]
    assert row["applicant"]["id_number"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert api.get(API + "/cases/", {"overdue": "true"}).json()["results"][0]["overdue"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"status": "nope"}, {"date_from": "2025-02-30"}, {"category": "abc"}, {"page_size": "1000"},
     {"date_from": "2025-10-02", "date_to": "2025-10-01"}, {"page": "0"}],
)
def test_list_bad_filters_are_400(api, params):
    response = api.get(API + "/cases/", params)
    assert response.status_code == 400 and "fields" in response.json()["error"]


@pytest.mark.django_db
def test_list_pagination(api, clerk):
    for _ in range(5):
        CaseFactory(first_receiver=clerk)
    first = api.get(API + "/cases/", {"page_size": 2}).json()
    assert first["count"] == 5 and first["num_pages"] == 3 and len(first["results"]) == 2
    assert first["previous"] is None and "page=2" in first["next"]
    last = api.get(first["next"].replace("page=2", "page=3")).json()
    assert len(last["results"]) == 1 and last["next"] is None


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(api, clerk):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(API + "/cases/").status_code == 200
        return len(ctx)

    for _ in range(3):
        CaseFactory(first_receiver=clerk, applicant=PartyFactory())
    few = count_queries()
    for _ in range(30):
        CaseFactory(first_receiver=clerk, applicant=PartyFactory(), grid=GridFactory(in_town=True))
    assert count_queries() == few
