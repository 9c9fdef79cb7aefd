"""The whole registration request over the API, counted; its 201 answer is what a read gives."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from governance.tests.factories import GridFactory
from intake.tests.factories import CaseFactory, PartyFactory, category, valid_id_number
from intake.tests.test_queries import statements

API = "/api/intake"


@pytest.fixture
def api(clerk):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(clerk)[1]}")
    return client


def payload(order: int, **changes):
    data = {
        "channel": "walk_in",
        "category": category("JF10").pk,
        "title": "工地拖欠工资",
        "description": "十二名工人反映上浦村工地拖欠三个月工资。",
        "parties": [{"name": "王建国", "id_number": valid_id_number(order=order), "phone": "13805950001",
                     "address": "洛阳镇上浦村"}],
    }
    data.update(changes)
    return data


@pytest.mark.django_db(transaction=True)
def test_registration_request_takes_9_statements(api):
    """Token with user, profile and center; roles; party lookup; sequence (its own transaction);
    party insert; matter; matter-party; event; the steps of the 移送 clock. Mode (and its limits), calendar and category
    come from the cache; the answer is built from the rows written (no read-back)."""
    assert api.post(API + "/cases/", payload(1), format="json").status_code == 201  # fills the cache
    data = payload(2)
    with CaptureQueriesContext(connection) as ctx:
        response = api.post(API + "/cases/", data, format="json")
    assert response.status_code == 201, response.json()
    sql = statements(ctx)
    assert len(sql) == 9, "\n".join(sql)
    assert not [q for q in sql if q.startswith("SELECT") and "intake_case" in q.split(" WHERE ")[0]], sql


@pytest.mark.django_db
def test_answer_of_a_registration_is_what_a_read_gives(api, clerk):
    earlier = CaseFactory(first_receiver=clerk)
    data = payload(3, link_to=json.dumps([earlier.pk]), grid=GridFactory(in_town=True).pk, address="上浦村",
                   latitude="24.9", longitude="118.6", is_group="true", group_size="12")
    data["parties"] = json.dumps(data["parties"])
    data["attachments"] = [SimpleUploadedFile("协议.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")]
    response = api.post(API + "/cases/", data, format="multipart")
    assert response.status_code == 201, response.json()
    written = response.json()
    read = api.get(f"{API}/cases/{written['id']}/").json()
    assert written == read
    assert written["links"] and written["attachments"] and written["timeline"]


# The list: a pinned number of queries whatever the rows, the page and the filters.
# API: token (with profile and center), roles, capped count, the page's ids, its rows, applicants; +1
# for a category (its ids are read first). HTML adds the session, the user, the page shell and the
# rows' clocks.
API_LIST_QUERIES = 6
HTML_LIST_QUERIES = 14


def _list_queries(client, path, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, params).status_code == 200
    return len(ctx)


@pytest.mark.django_db(transaction=True)  # committed, as in production: reference data from the cache
@pytest.mark.parametrize("rows", [3, 40])
def test_list_queries_are_pinned(api, clerk, client, rows):
    for _ in range(rows):
        CaseFactory(first_receiver=clerk, applicant=PartyFactory(), grid=GridFactory(in_town=True), status="in_progress",
                    title="夜市噪音扰民", category=category("JF10"))
    client.force_login(clerk)
    search = {"q": "噪音", "category": category("JF").pk, "status": "in_progress"}
    for params, extra in (({}, 0), ({"page": "2", "page_size": "2"}, 0), (search, 1)):
        _list_queries(api, API + "/cases/", params)  # warm the caches
        assert _list_queries(api, API + "/cases/", params) == API_LIST_QUERIES + extra, params
        _list_queries(client, "/intake/cases/", params)
        assert _list_queries(client, "/intake/cases/", params) == HTML_LIST_QUERIES + extra, params
