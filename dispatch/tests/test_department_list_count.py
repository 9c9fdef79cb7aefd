"""The matter list of someone who sees only departments' matters counts them on the assignments alone
(`dispatch.selectors.work.department_case_count`, intake's `department_case_count` hook): the same
number as the list's rows, each matter once (a matter a department was assigned twice, or that a leader
in charge both supervises and has in his departments), only without filters; the list's page ids and
rows come in two reads."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch import services as svc
from dispatch.tests.factories_work import World, at
from intake.choices import HandlingMode
from intake.selectors import CaseFilters, case_list, cases_visible_to

pytestmark = pytest.mark.django_db

NOW = at(2025, 11, 3, 9, 0)


def _dispatch(world, *, lead, co=(), leader=None):
    mode = HandlingMode.SUPERVISED if leader else (HandlingMode.JOINT if co else HandlingMode.TRANSFER)
    return svc.case_dispatch(actor=world.director, case=world.case(), mode=mode, lead_department=lead,
                             co_departments=list(co), supervising_leader=leader,
                             progress_every_working_days=2 if leader else None, now=NOW)


@pytest.fixture
def world():
    world = World()
    _dispatch(world, lead=world.labour)
    _dispatch(world, lead=world.labour, co=[world.zgj])
    _dispatch(world, lead=world.police)
    leader = world.zgj.leader_in_charge
    _dispatch(world, lead=world.police, leader=leader)  # supervised by zgj's leader in charge, not zgj's
    _dispatch(world, lead=world.zgj, leader=leader)  # both: his department's and supervised by him
    return world


def _counted(user, filters=None):
    user._role_codes = None  # as in a fresh request
    with CaptureQueriesContext(connection) as ctx:
        page = case_list(actor=user, filters=filters or CaseFilters())
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    return page, counts


@pytest.mark.parametrize(("who", "expected"), [("labour", 2), ("zgj", 2), ("zgj_leader", 3)])
def test_the_count_is_the_number_of_matters_read_on_the_assignments(world, who, expected):
    user = {"labour": world.labour.liaison, "zgj": world.zgj.liaison,
            "zgj_leader": world.zgj.leader_in_charge}[who]
    page, counts = _counted(user)
    assert page.count == len(page.rows) == cases_visible_to(user=user).count() == expected
    assert len({row.pk for row in page.rows}) == expected
    assert len(counts) == 1 and '"intake_case"' not in counts[0] and '"dispatch_assignment"' in counts[0]


def test_a_filter_or_a_center_reader_counts_the_list_s_own_rows(world):
    liaison = world.labour.liaison
    page, counts = _counted(liaison, CaseFilters(q="欠薪"))
    assert page.count == len(page.rows) and '"intake_case"' in counts[0]
    page, counts = _counted(world.director)
    assert page.count == 5 and '"intake_case"' in counts[0]


def test_the_api_and_the_page_show_the_same_count(world, client):
    liaison = world.zgj.leader_in_charge
    api = APIClient()
    api.force_authenticate(liaison)
    answer = api.get("/api/intake/cases/").json()
    assert (answer["count"], answer["count_capped"], len(answer["results"])) == (3, False, 3)
    client.force_login(liaison)
    page = client.get(reverse("intake:case_list")).content.decode()
    assert '<span data-testid="count">3</span>' in page
