"""The intake REST API's actions on a matter (settle, send to dispatch, link) and its parties (lookup,
the audited full ID)."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from governance.tests.factories import UserFactory
from intake.choices import CaseStatus
from intake.models import CaseLink, SensitiveView
from intake.tests.api_client import API, ID_NUMBER
from intake.tests.factories import CaseFactory, PartyFactory

# --- actions --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_settle_on_spot(api, clerk):
    case = CaseFactory(first_receiver=clerk)
    response = api.post(f"{API}/cases/{case.code}/settle/", {"result": "当场调解，双方签字"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == CaseStatus.SETTLED_ON_SPOT
    assert response.json()["settlement"] == "当场调解，双方签字"
    again = api.post(f"{API}/cases/{case.code}/settle/", {"result": "再次"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    assert api.post(f"{API}/cases/{case.code}/settle/", {"result": ""}, format="json").status_code in (400, 409)


@pytest.mark.django_db
def test_settle_needs_result(api, clerk):
    case = CaseFactory(first_receiver=clerk)
    response = api.post(f"{API}/cases/{case.pk}/settle/", {"result": ""}, format="json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "result"


@pytest.mark.django_db
def test_send_to_dispatch_only_by_first_receiver_or_dispatch(api, clerk, center):
    mine = CaseFactory(first_receiver=clerk)
    response = api.post(f"{API}/cases/{mine.code}/send-to-dispatch/", {"note": "需联办"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == CaseStatus.PENDING_DISPATCH
    someone_elses = CaseFactory()
    response = api.post(f"{API}/cases/{someone_elses.code}/send-to-dispatch/", {}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


@pytest.mark.django_db
def test_link_to_earlier_matter(api, clerk):
    earlier, case = CaseFactory(first_receiver=clerk), CaseFactory(first_receiver=clerk)
    response = api.post(f"{API}/cases/{case.code}/links/", {"other": earlier.code, "note": "重复访"}, format="json")
    assert response.status_code == 201 and response.json()["to_case"] == earlier.pk
    duplicate = api.post(f"{API}/cases/{case.code}/links/", {"other": earlier.pk}, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["error"]["code"] == "duplicate"
    itself = api.post(f"{API}/cases/{case.code}/links/", {"other": case.code}, format="json")
    assert itself.status_code == 400
    missing = api.post(f"{API}/cases/{case.code}/links/", {"other": "QZTS-1999-000001"}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "other"
    assert CaseLink.objects.count() == 1


# --- parties --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_party_lookup_shows_repeat_visits_masked(api, clerk):
    party = PartyFactory(id_number=ID_NUMBER, phone="13805950001")
    earlier = CaseFactory(first_receiver=clerk, applicant=party)
    body = api.get(API + "/parties/lookup/", {"id_number": ID_NUMBER}).json()
    assert [c["code"] for c in body["earlier_cases"]] == [earlier.code]
    assert body["party"]["id_number"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert ID_NUMBER not in json.dumps(body)
    by_phone = api.get(API + "/parties/lookup/", {"phone": "138 0595 0001"}).json()
    assert [c["code"] for c in by_phone["earlier_cases"]] == [earlier.code]
    assert api.get(API + "/parties/lookup/", {"phone": "13900000000"}).json() == {"party": None,
                                                                                  "earlier_cases": []}
    assert api.get(API + "/parties/lookup/").status_code == 400


@pytest.mark.django_db
def test_full_id_view_is_audited_and_limited_to_allowed_roles(api, clerk, center):
    party = PartyFactory(id_number=ID_NUMBER)
    case = CaseFactory(first_receiver=clerk, applicant=party)
    response = api.post(f"{API}/parties/{party.pk}/full-id/", {"case": case.code}, format="json")
    assert response.status_code == 200 and response.json() == {"id_number": ID_NUMBER}
    view = SensitiveView.objects.get()
    assert view.actor == clerk and view.party == party and view.case == case
    assert "party.id_viewed" in [e.type for e in case.events.all()]

    leader = UserFactory(username="leader", roles=["leader"], center=center)
    client = APIClient()
    client.force_authenticate(leader)
    assert client.get(f"{API}/cases/{case.code}/").status_code == 200  # may see the matter, masked
    denied = client.post(f"{API}/parties/{party.pk}/full-id/", {"case": case.code}, format="json")
    assert denied.status_code == 403 and SensitiveView.objects.count() == 1
    stranger = PartyFactory()
    assert api.post(f"{API}/parties/{stranger.pk}/full-id/", {"case": case.code}, format="json").status_code == 404
