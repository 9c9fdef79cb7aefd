"""Whatever is created from something is made once: one pending summons per matter, one letter per
radar signal, and an API write retried with the same Idempotency-Key answers the first answer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch.models import Summons
from dispatch.tests.factories_work import World
from governance.models import ApiRequest
from governance.tests.concurrency import at_once
from governance.tests.factories import UserFactory


@pytest.fixture
def world(db):
    return World()


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)  # a session, as a browser or a signed-in script has
    return client


def _summon(world, case, client=None, **headers):
    client = client or _client(world.director)
    return client.post(reverse("dispatch-api:summons-create"),
                       {"reason": "堵路", "case": case.pk, "departments": [world.police.pk]}, format="json", **headers)


def test_a_matter_has_one_pending_summons(world):
    case = world.case()
    first = _summon(world, case)
    assert first.status_code == 201
    again = _summon(world, case)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert f"召集 {first.json()['id']}" in again.json()["error"]["message"]
    assert Summons.objects.filter(case=case).count() == 1
    # once decided, a new request for the same matter is allowed
    _client(world.commander).post(reverse("dispatch-api:summons-refuse", args=[first.json()["id"]]), {"note": "不必"})
    assert _summon(world, case).status_code == 201


def test_a_retried_api_write_with_the_same_key_answers_the_first_answer(world):
    case, other = world.case(), world.case()
    first = _summon(world, case, HTTP_IDEMPOTENCY_KEY="retry-1")
    again = _summon(world, case, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Summons.objects.filter(case=case).count() == 1
    # the same key for another request is refused; another caller's same key is its own
    reused = _summon(world, other, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    another_director = UserFactory(roles=["duty_director"], profile={"center": world.center})
    assert _summon(world, other, client=_client(another_director), HTTP_IDEMPOTENCY_KEY="retry-1").status_code == 201
    # a bad key is a clear 400
    bad = _summon(world, other, HTTP_IDEMPOTENCY_KEY="x" * 65)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_idempotency_key"


def test_a_refused_first_answer_is_replayed_too_but_a_crash_is_forgotten(world, monkeypatch):
    case = world.case()
    refused = _client(world.police.liaison).post(
        reverse("dispatch-api:summons-create"), {"reason": "x", "case": case.pk, "departments": [world.police.pk]},
        format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert refused.status_code in {403, 404}
    assert ApiRequest.objects.get().status_code == refused.status_code

    from dispatch import services

    def boom(**kwargs):
        raise RuntimeError("database went away")

    client = _client(world.director)
    client.raise_request_exception = False
    with monkeypatch.context() as patch:
        patch.setattr(services, "summons_request", boom)
        crashed = _summon(world, case, client=client, HTTP_IDEMPOTENCY_KEY="k3")
    assert crashed.status_code == 500
    assert _summon(world, case, HTTP_IDEMPOTENCY_KEY="k3").status_code == 201  # the retry ran


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_identical_requests_at_once_make_one_summons():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real concurrent connections")
    world = World()
    case = world.case()
    statuses = at_once(lambda _n: _summon(world, case, HTTP_IDEMPOTENCY_KEY="same").status_code, 20)
    assert statuses == [201] * 20
    assert Summons.objects.filter(case=case).count() == 1
    # twenty tabs without a key: one made, the others told why
    other = world.case()
    statuses = at_once(lambda _n: _summon(world, other).status_code, 20)
    assert sorted(statuses) == [201] + [409] * 19
