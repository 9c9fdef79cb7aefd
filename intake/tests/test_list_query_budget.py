"""The matters list's combined search (words + category + status), pinned in queries whatever the rows:
the API page and the HTML page, as `make bench` measures them at a million matters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from governance.tests.factories import GridFactory
from intake.tests.factories import CaseFactory, PartyFactory, category

# Token with user, profile and center; roles; category ids; capped count; the page's ids; its rows;
# applicants.
API_SEARCH_QUERIES = 7
# Session, user, roles, profile, category ids, capped count, the page's ids, its rows, applicants; the
# shell (unread notifications, mode); the filter form's choices (categories twice, towns); the rows'
# clocks.
HTML_SEARCH_QUERIES = 15
LAST: list = []


def _search():
    return {"q": "噪音", "category": str(category("JF").pk), "status": "in_progress"}


def _matters(n, dispatcher):
    for i in range(n):
        CaseFactory(title=f"夜市噪音扰民 {i}", category=category("JF10"), status="in_progress",
                    first_receiver=dispatcher, applicant=PartyFactory(), grid=GridFactory(in_town=True))


@pytest.mark.django_db
def test_the_combined_search_over_the_api_takes_a_fixed_number_of_queries(dispatcher):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(dispatcher)[1]}")

    search = _search()

    def count(expected_rows):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/intake/cases/", search)
        assert response.status_code == 200 and len(response.json()["results"]) == expected_rows
        LAST[:] = ctx.captured_queries
        return len(ctx)

    _matters(2, dispatcher)
    few = count(2)
    _matters(30, dispatcher)
    assert few == count(32) == API_SEARCH_QUERIES, "\n".join(q["sql"][:150] for q in LAST)


@pytest.mark.django_db
def test_the_combined_search_page_takes_a_fixed_number_of_queries(client, dispatcher):
    client.force_login(dispatcher)

    search = _search()

    def count(expected_rows):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("intake:case_list"), search)
        assert response.status_code == 200 and len(response.context["page"].rows) == expected_rows
        LAST[:] = ctx.captured_queries
        return len(ctx)

    _matters(2, dispatcher)
    few = count(2)
    _matters(30, dispatcher)
    assert few == count(32) == HTML_SEARCH_QUERIES, "\n".join(q["sql"][:150] for q in LAST)
