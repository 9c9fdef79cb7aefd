"""督办 as a dispatch mode (issue 22 item 5): the leader is chosen at dispatch and on a later 督办, is
notified, and reads the matters he supervises (page and API)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch import services as svc
from dispatch.models import Assignment, Notification
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError
from intake.choices import CaseStatus, HandlingMode

pytestmark = pytest.mark.django_db

NOW = at(2025, 11, 3, 10, 0)  # a Monday


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        yield World()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def supervised_dispatch(world, case, leader):
    (assignment,) = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.SUPERVISED,
                                      lead_department=world.police, supervising_leader=leader,
                                      progress_every_working_days=2, now=NOW)
    return assignment


def test_the_board_form_offers_the_leaders_and_a_supervised_dispatch_without_one_is_refused_in_chinese(world, client):
    case = world.case()
    client.force_login(world.director)
    page = client.get(reverse("dispatch:board")).content.decode()
    select = page.split('name="supervising_leader"', 1)[1].split("</select>", 1)[0]
    leader_in_charge = world.zgj.leader_in_charge
    assert f'<option value="{world.commander.pk}">' in select and f'<option value="{leader_in_charge.pk}">' in select
    assert f'<option value="{world.zgj.liaison.pk}">' not in select  # a liaison supervises nobody
    url = reverse("dispatch:work-case-dispatch", args=[case.pk])
    refused = client.post(url, {"mode": "supervised", "lead_department": world.police.pk}, follow=True)
    assert "督办须指定督办领导" in refused.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_DISPATCH
    not_a_leader = client.post(url, {"mode": "supervised", "lead_department": world.police.pk,
                                     "supervising_leader": world.zgj.liaison.pk}, follow=True)
    assert "所选督办领导不可选" in not_a_leader.content.decode()
    done = client.post(url, {"mode": "supervised", "lead_department": world.police.pk,
                             "supervising_leader": leader_in_charge.pk}, follow=True)
    assert "已派单" in done.content.decode()
    assignment = Assignment.objects.get(case=case)
    assert assignment.supervising_leader == leader_in_charge and assignment.mode == HandlingMode.SUPERVISED
    created = case.events.get(type="assignment.created")
    assert created.data["supervising_leader"] == leader_in_charge.pk
    assert Notification.objects.filter(recipient=leader_in_charge, kind="assignment.supervising").count() == 1


def test_a_leader_only_for_the_supervised_mode(world):
    with pytest.raises(ApplicationError) as error:
        svc.case_dispatch(actor=world.director, case=world.case(), mode=HandlingMode.TRANSFER,
                          lead_department=world.police, supervising_leader=world.commander, now=NOW)
    assert error.value.code == "leader_not_allowed"


def test_the_leader_in_charge_reads_what_he_supervises_and_nothing_else(world, client):
    leader = world.zgj.leader_in_charge  # in charge of 资规建交局; supervises a 公安分局 matter
    supervised = supervised_dispatch(world, world.case(title="督办的一件"), leader)
    (other,) = svc.case_dispatch(actor=world.director, case=world.case(title="别的"), mode=HandlingMode.TRANSFER,
                                 lead_department=world.police, now=NOW)
    client.force_login(leader)
    home = client.get(reverse("home")).content.decode()
    assert reverse("dispatch:work-supervised") in home
    page = client.get(reverse("dispatch:work-supervised")).content.decode()
    assert supervised.case.code in page and other.case.code not in page
    assert client.get(reverse("dispatch:work-assignment", args=[supervised.pk])).status_code == 200
    assert client.get(reverse("dispatch:work-case", args=[supervised.case_id])).status_code == 200
    assert client.get(reverse("dispatch:work-assignment", args=[other.pk])).status_code == 404
    client.force_login(world.police.liaison)
    assert client.get(reverse("dispatch:work-supervised")).status_code == 403


def test_a_later_supervise_names_the_chosen_leader_not_the_clicker(world, client):
    (assignment,) = svc.case_dispatch(actor=world.director, case=world.case(), mode=HandlingMode.TRANSFER,
                                      lead_department=world.police, now=NOW)
    url = reverse("dispatch:work-assignment-action", args=[assignment.pk, "supervise"])
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.director)
        page = client.get(reverse("dispatch:work-assignment", args=[assignment.pk])).content.decode()
        assert 'data-testid="supervise-form"' in page and 'name="leader"' in page
        refused = client.post(url, {"every_working_days": "2"}, follow=True).content.decode()
        assert "请选择督办领导" in refused
        assignment.refresh_from_db()
        assert assignment.supervising_leader is None
        client.post(url, {"every_working_days": "3", "leader": world.deputy.pk, "note": "请副指挥长督办"})
        assignment.refresh_from_db()
        assert assignment.supervising_leader == world.deputy and assignment.progress_every_working_days == 3
        event = assignment.case.events.filter(type="assignment.supervised").get()
        assert event.actor == world.director
        assert (event.data["leader"], event.data["from_leader"]) == (world.deputy.pk, None)
        assert Notification.objects.filter(recipient=world.deputy, kind="assignment.supervising").exists()
        # the commander leaving the choice empty supervises it himself
        client.force_login(world.commander)
        client.post(url, {"every_working_days": "2"})
        assignment.refresh_from_db()
        assert assignment.supervising_leader == world.commander
        last = assignment.case.events.filter(type="assignment.supervised").order_by("-pk").first()
        assert (last.data["leader"], last.data["from_leader"]) == (world.commander.pk, world.deputy.pk)


def test_the_api_dispatches_supervised_and_lists_what_a_leader_supervises(world):
    case = world.case()
    url = reverse("dispatch-api:case-dispatch", args=[case.pk])
    missing = api(world.director).post(url, {"mode": "supervised", "lead_department": world.police.pk}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "leader_required"
    assert missing.json()["error"]["field"] == "supervising_leader"
    leaders = api(world.director).get(reverse("dispatch-api:supervising-leaders")).json()
    ids = {row["id"] for row in (leaders["results"] if isinstance(leaders, dict) else leaders)}
    assert {world.commander.pk, world.deputy.pk, world.zgj.leader_in_charge.pk} <= ids
    assert world.zgj.liaison.pk not in ids
    made = api(world.director).post(url, {"mode": "supervised", "lead_department": world.police.pk,
                                          "supervising_leader": world.commander.pk}, format="json")
    assert made.status_code == 201, made.content
    mine = api(world.commander).get(reverse("dispatch-api:assignments-supervised")).json()
    rows = mine["results"] if isinstance(mine, dict) else mine
    assert [row["case_code"] for row in rows] == [case.code]
    assert api(world.police.liaison).get(reverse("dispatch-api:assignments-supervised")).status_code == 403
    pk = made.json()[0]["id"]
    refused = api(world.director).post(reverse("dispatch-api:supervise", args=[pk]), {"every_working_days": 2},
                                       format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "leader_required"
