"""Open311 GeoReport v2: services, POST/GET requests in JSON and XML, idempotent push, a holiday eve's push,
the grid code. Keys and keyless reads are in test_open311_keys.py, bad input in test_open311_bad_input.py."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client

from governance.tests.concurrency import at_once
from governance.tests.factories import GridFactory
from intake.choices import CaseStatus, Channel, EventSource
from intake.models import Case, CaseEvent
from intake.open311.services import platform_key_create
from intake.tests.factories import CaseFactory, category
from intake.tests.open311 import BASE, PUSHED_AT, SH, push_form, xml_root

# --- services -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_services_json_lists_leaf_categories_with_spec_fields(client):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = response.json()
    by_code = {s["service_code"]: s for s in services}
    noise = by_code[category("RX03").code]
    assert set(noise) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert noise["metadata"] is True and noise["type"] == "realtime"
    assert "JF" not in by_code  # a top level with children is a group, not a service
    assert by_code["JF10"]["service_name"] == "劳动争议"
    assert by_code["JF10"]["group"] == category("JF").name


@pytest.mark.django_db
def test_services_xml_root_and_items(client):
    root = xml_root(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    first = root.find("service")
    assert first is not None and first.findtext("service_code") and first.findtext("metadata") == "true"


@pytest.mark.django_db
def test_service_definition_declares_external_ref_attribute(client):
    data = client.get(f"{BASE}/services/RX03.json").json()
    assert data["service_code"] == "RX03"
    codes = {a["code"]: a for a in data["attributes"]}
    assert codes["external_ref"]["required"] is True and codes["external_ref"]["datatype"] == "string"
    assert [v["key"] for v in codes["urgency"]["values"]] == ["normal", "urgent", "critical"]
    root = xml_root(client.get(f"{BASE}/services/RX03.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "external_ref" and attribute.findtext("variable") == "true"
    assert root.find("attributes/attribute[code='urgency']/values/value/key").text == "normal"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_a_404_in_the_spec_format(client, fmt):
    response = client.get(f"{BASE}/services/NOPE.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        body = response.json()
        assert body[0]["code"] == 404 and "NOPE" in body[0]["description"]
    else:
        root = xml_root(response)
        assert root.tag == "errors" and root.findtext("error/code") == "404"


# --- POST then GET: round trips -------------------------------------------------------------------


@pytest.mark.django_db
def test_json_round_trip_post_then_get_by_id(client, platform, clock):
    key, raw = platform
    response = push_form(client, raw)
    assert response.status_code == 201, response.content
    created = response.json()
    assert list(created[0]) == ["service_request_id", "service_notice", "account_id"]
    assert created[0]["account_id"] is None
    request_id = created[0]["service_request_id"]
    case = Case.objects.get(code=request_id)
    assert case.channel == Channel.PLATFORM
    assert case.first_receiver == key.receiver
    assert case.external_ref == "GD20250930-0001" and case.external_source == "qz12345"
    assert {e.source for e in case.events.all()} == {EventSource.API}

    got = client.get(f"{BASE}/requests/{request_id}.json", {"api_key": raw})
    assert got.status_code == 200
    [item] = got.json()
    assert list(item) == ["service_request_id", "status", "status_notes", "service_name", "service_code",
                          "description", "agency_responsible", "service_notice", "requested_datetime",
                          "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                          "long", "media_url"]
    assert item["service_request_id"] == request_id
    assert item["status"] == "open" and item["status_notes"] == "待调度"
    assert item["service_code"] == "RX03" and item["description"] == "洛阳镇夜市每晚噪音扰民到凌晨两点。"
    assert item["requested_datetime"] == "2025-09-30T16:50:00+08:00"
    assert item["lat"] == pytest.approx(24.956123) and item["long"] == pytest.approx(118.690456)
    assert item["address"] == "洛阳镇夜市"


@pytest.mark.django_db
def test_xml_round_trip_post_then_get_and_list(client, platform, clock):
    _key, raw = platform
    response = push_form(client, raw, fmt="xml")
    assert response.status_code == 201
    root = xml_root(response)
    assert root.tag == "service_requests"
    request_id = root.findtext("request/service_request_id")
    assert root.find("request/account_id") is not None and root.findtext("request/account_id") in (None, "")
    assert "预计" in root.findtext("request/service_notice")

    detail = xml_root(client.get(f"{BASE}/requests/{request_id}.xml", {"api_key": raw}))
    assert detail.tag == "service_requests"
    assert detail.findtext("request/status") == "open"
    assert detail.findtext("request/expected_datetime") == "2025-10-16T23:59:59+08:00"

    listing = xml_root(client.get(f"{BASE}/requests.xml", {"api_key": raw}))
    assert [r.findtext("service_request_id") for r in listing.findall("request")] == [request_id]


@pytest.mark.django_db
def test_post_accepts_json_and_xml_bodies(client, platform, clock):
    _key, raw = platform
    body = {"api_key": raw, "service_code": "RX03", "address_string": "洛阳镇", "description": "夜市噪音",
            "attribute": {"external_ref": "J-1"}}
    response = client.post(f"{BASE}/requests.json", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    xml_body = (f"<service_request><api_key>{raw}</api_key><service_code>RX03</service_code>"
                "<address_string>洛阳镇</address_string><description>夜市噪音 &lt;b&gt;</description>"
                "<attribute><external_ref>X-1</external_ref></attribute></service_request>").encode()
    response = client.post(f"{BASE}/requests.xml", xml_body, content_type="text/xml")
    assert response.status_code == 201, response.content
    assert Case.objects.get(external_ref="X-1").description == "夜市噪音 <b>"


@pytest.mark.django_db
def test_get_requests_filters(client, platform, clock):
    key, raw = platform
    first = push_form(client, raw).json()[0]["service_request_id"]
    clock["now"] = PUSHED_AT + dt.timedelta(days=2)
    second = push_form(client, raw, service_code="JF10", **{"attribute[external_ref]": "GD-2"}).json()[0][
        "service_request_id"]
    Case.objects.filter(code=second).update(status=CaseStatus.CLOSED)
    other_platform_case = CaseFactory(external_source="other", external_ref="GD-3", registered_at=PUSHED_AT)

    def ids(**params):
        response = client.get(f"{BASE}/requests.json", {"api_key": raw, **params})
        assert response.status_code == 200, response.content
        return [item["service_request_id"] for item in response.json()]

    assert ids() == [second, first]
    assert other_platform_case.code not in ids()  # a platform sees only its own pushes
    assert ids(service_request_id=f"{first},{second}") == [second, first]
    assert ids(service_request_id=first, status="closed") == [first]  # ids win over other filters
    assert ids(service_code="RX03") == [first]
    assert ids(service_code="RX03,JF10") == [second, first]
    assert ids(status="open") == [first]
    assert ids(status="closed") == [second]
    assert ids(status="open,closed") == [second, first]
    assert ids(start_date="2025-10-01T00:00:00+08:00") == [second]
    assert ids(end_date="2025-10-01T00:00:00+08:00") == [first]
    assert ids(start_date="2025-09-30T08:00:00Z", end_date="2025-09-30T09:00:00Z") == [first]
    closed = client.get(f"{BASE}/requests/{second}.json", {"api_key": raw}).json()[0]
    assert closed["status"] == "closed" and closed["status_notes"].startswith("已办结")
    clock["now"] = PUSHED_AT + dt.timedelta(days=120)
    assert ids() == []  # default span: the last 90 days


@pytest.mark.django_db
def test_tokens_give_back_the_service_request_id(client, platform, clock):
    _key, raw = platform
    request_id = push_form(client, raw).json()[0]["service_request_id"]
    response = client.get(f"{BASE}/tokens/GD20250930-0001.json", {"api_key": raw})
    assert response.json() == [{"service_request_id": request_id, "token": "GD20250930-0001"}]
    root = xml_root(client.get(f"{BASE}/tokens/GD20250930-0001.xml", {"api_key": raw}))
    assert root.findtext("request/service_request_id") == request_id
    assert client.get(f"{BASE}/tokens/unknown.json", {"api_key": raw}).status_code == 404


# --- idempotent push ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retried_push_returns_the_same_matter(client, platform, clock):
    _key, raw = platform
    first = push_form(client, raw)
    clock["now"] = PUSHED_AT + dt.timedelta(seconds=30)
    again = push_form(client, raw, description="重试：洛阳镇夜市噪音")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 2  # registered, sent to dispatch
    again_xml = xml_root(push_form(client, raw, fmt="xml"))
    assert again_xml.findtext("request/service_request_id") == first.json()[0]["service_request_id"]


@pytest.mark.django_db
def test_same_work_order_number_from_another_platform_is_another_matter(client, platform, center, clock):
    _key, raw = platform
    _other, other_raw = platform_key_create(name="网上信访", center=center)
    assert push_form(client, raw).status_code == 201
    assert push_form(client, other_raw).status_code == 201
    assert Case.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retry_creates_one_matter(center):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and a real unique index race)")
    category("RX03")  # earlier transactional tests flush the seeded tree; restore it
    _key, raw = platform_key_create(name="并发测试平台", center=center)
    def push(_n: int) -> tuple[int, str]:
        response = push_form(Client(), raw)
        return response.status_code, response.json()[0]["service_request_id"]

    results = at_once(push, 4)
    assert sorted(code for code, _ in results) == [200, 200, 200, 201]
    assert len({request_id for _, request_id in results}) == 1
    assert Case.objects.filter(external_ref="GD20250930-0001").count() == 1


# --- story 4: a 12345 push on a holiday eve -------------------------------------------------------


@pytest.mark.django_db
def test_story_4_hotline_push_on_holiday_eve(client, platform, clock):
    """2025-09-30 16:50: pushed; retried after a timeout; due at the end of 2025-10-16."""
    _key, raw = platform
    response = push_form(client, raw, service_code="RX03", **{"attribute[urgency]": "normal"})
    assert response.status_code == 201
    request_id = response.json()[0]["service_request_id"]
    assert "2025-10-16" in response.json()[0]["service_notice"]
    clock["now"] = PUSHED_AT + dt.timedelta(minutes=1)
    retry = push_form(client, raw)
    assert retry.status_code == 200 and retry.json()[0]["service_request_id"] == request_id
    [item] = client.get(f"{BASE}/requests/{request_id}.json", {"api_key": raw}).json()
    assert item["requested_datetime"] == "2025-09-30T16:50:00+08:00"
    assert item["expected_datetime"] == "2025-10-16T23:59:59+08:00"
    case = Case.objects.get()
    assert case.expected_answer_at == dt.datetime(2025, 10, 16, 23, 59, 59, tzinfo=SH)
    # A platform's matter goes straight to the dispatch board (nobody at a window holds it).
    assert [e.type for e in case.events.order_by("occurred_at", "id")] == ["case.registered", "case.sent_to_dispatch"]
    assert case.status == "pending_dispatch"


@pytest.mark.django_db
def test_grid_code_attribute_places_the_matter(client, platform, clock):
    _key, raw = platform
    grid = GridFactory(in_town=True)
    request_id = push_form(client, raw, **{"attribute[grid_code]": grid.code}).json()[0]["service_request_id"]
    case = Case.objects.get(code=request_id)
    assert case.grid == grid and case.town == grid.town
