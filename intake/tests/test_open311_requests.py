"""Open311 GeoReport v2: services, POST/GET requests in JSON and XML, errors, keys, idempotent push."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from governance.tests.concurrency import at_once
from governance.tests.factories import GridFactory
from intake.choices import CaseStatus, Channel, EventSource
from intake.models import Case, CaseEvent, Party, PlatformKey
from intake.open311 import views as open311_views
from intake.open311.services import platform_key_create, platform_key_revoke
from intake.tests.factories import CaseFactory, category

SH = ZoneInfo("Asia/Shanghai")
PUSHED_AT = dt.datetime(2025, 9, 30, 16, 50, tzinfo=SH)
BASE = "/open311/v2"


@pytest.fixture
def clock(monkeypatch):
    """The seam the Open311 views read the time from."""
    state = {"now": PUSHED_AT}
    monkeypatch.setattr(open311_views, "clock", lambda: state["now"])
    return state


@pytest.fixture
def platform(center):
    key, raw = platform_key_create(name="泉州市12345热线", center=center, source="qz12345")
    return key, raw


def form_post(client: Client, path: str, data: dict[str, str]):
    from urllib.parse import urlencode

    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def push_form(client: Client, api_key: str, fmt: str = "json", **extra: str | None):
    data = {
        "api_key": api_key,
        "service_code": "RX03",
        "lat": "24.956123",
        "long": "118.690456",
        "address_string": "洛阳镇夜市",
        "description": "洛阳镇夜市每晚噪音扰民到凌晨两点。",
        "first_name": "建国",
        "last_name": "王",
        "phone": "13805950001",
        "attribute[external_ref]": "GD20250930-0001",
    }
    data.update(extra)
    return form_post(client, f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def xml_root(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def nothing_saved():
    return Case.objects.count() == 0 and CaseEvent.objects.count() == 0 and Party.objects.count() == 0


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


# --- keys -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_missing_or_revoked_key_is_403_and_nothing_saved(client, platform, fmt, clock):
    key, raw = platform
    for api_key in ["", "o311_wrong"]:
        response = push_form(client, api_key, fmt=fmt)
        assert response.status_code == 403
    platform_key_revoke(name=key.name)
    response = push_form(client, raw, fmt=fmt)
    assert response.status_code == 403
    if fmt == "json":
        assert response.json()[0]["code"] == 403
    else:
        assert xml_root(response).findtext("error/code") == "403"
    assert client.get(f"{BASE}/requests.{fmt}", {"api_key": raw}).status_code == 403
    assert client.get(f"{BASE}/requests.{fmt}", {"api_key": "o311_wrong"}).status_code == 403
    assert client.get(f"{BASE}/requests.{fmt}").status_code == 200  # keyless: public fields (issue 8)
    assert nothing_saved()


@pytest.mark.django_db
def test_key_is_stored_as_a_hash(platform):
    key, raw = platform
    key.refresh_from_db()
    assert raw not in key.key_hash and key.key_hash != raw and raw.startswith(key.prefix)
    assert key.receiver.has_usable_password() is False
    assert key.receiver.profile.center == key.center


@pytest.mark.django_db
def test_open311_key_command_prints_key_and_revokes(center, capsys, client, clock):
    call_command("open311_key", "网上信访平台", "--center", center.code)
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("o311_")
    assert push_form(client, raw).status_code == 201
    call_command("open311_key", "--revoke", "网上信访平台")
    assert PlatformKey.objects.get().revoked_at is not None
    assert push_form(client, raw, **{"attribute[external_ref]": "new"}).status_code == 403


# --- bad input: spec errors, nothing saved --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"service_code": "NOPE"}, "service_code"),
        ({"service_code": "JF"}, "service_code"),  # a group, not a service
        ({"service_code": None}, "service_code"),
        ({"lat": "north"}, "lat"),
        ({"lat": "95"}, "lat"),
        ({"long": "nan"}, "long"),
        ({"long": None}, "long"),
        ({"lat": None, "long": None, "address_string": None}, "location"),
        ({"description": None}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "长" * 5001}, "description"),
        ({"attribute[external_ref]": None}, "external_ref"),
        ({"attribute[external_ref]": "x" * 65}, "external_ref"),
        ({"attribute[urgency]": "asap"}, "urgency"),
        ({"attribute[grid_code]": "999"}, "grid_code"),
        ({"attribute[title]": "题" * 201}, "title"),
        ({"phone": "12345"}, "phone"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ],
)
def test_malformed_push_is_a_400_with_spec_body(client, platform, changes, needle, clock):
    _key, raw = platform
    response = push_form(client, raw, **changes)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body[0]["code"] == 400 and needle in " ".join(e["description"] for e in body)
    assert nothing_saved()


@pytest.mark.django_db
def test_malformed_push_in_xml_format(client, platform, clock):
    _key, raw = platform
    root = xml_root(push_form(client, raw, fmt="xml", description=None))
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert "description" in root.findtext("error/description")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a", "b"]', "application/json"),
        ('{"api_key": {"nested": 1}}', "application/json"),
        ("<service_request><api_key>", "text/xml"),
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "application/xml"),
    ],
)
def test_malformed_json_or_xml_body_is_a_400(client, platform, body, content_type):
    response = client.post(f"{BASE}/requests.json", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"start_date": "yesterday"}, {"end_date": "2025-13-01T00:00:00+08:00"}, {"status": "pending"},
     {"start_date": "2025-10-02", "end_date": "2025-10-01"}],
)
def test_bad_filters_are_400(client, platform, params):
    _key, raw = platform
    response = client.get(f"{BASE}/requests.xml", {"api_key": raw, **params})
    assert response.status_code == 400
    assert xml_root(response).findtext("error/code") == "400"


@pytest.mark.django_db
def test_unknown_request_id_is_404_and_method_not_allowed_is_405(client, platform):
    _key, raw = platform
    assert client.get(f"{BASE}/requests/QZTS-2025-999999.json", {"api_key": raw}).status_code == 404
    response = client.delete(f"{BASE}/requests.json")
    assert response.status_code == 405 and response.json()[0]["code"] == 405


@pytest.mark.django_db
def test_html_in_text_is_stored_as_text_and_escaped_in_xml(client, platform, clock):
    _key, raw = platform
    evil = '<script>alert("x")</script> & ]]>'
    request_id = push_form(client, raw, description=evil).json()[0]["service_request_id"]
    response = client.get(f"{BASE}/requests/{request_id}.xml", {"api_key": raw})
    assert b"<script>" not in response.content
    assert xml_root(response).findtext("request/description") == evil
    assert Case.objects.get().description == evil


@pytest.mark.django_db
def test_grid_code_attribute_places_the_matter(client, platform, clock):
    _key, raw = platform
    grid = GridFactory(in_town=True)
    request_id = push_form(client, raw, **{"attribute[grid_code]": grid.code}).json()[0]["service_request_id"]
    case = Case.objects.get(code=request_id)
    assert case.grid == grid and case.town == grid.town


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_keyless_gets_answer_public_fields_only(client, platform, fmt, clock):
    """Issue 8 item 8: a GeoReport client reads back the status of what it filed without a key; the
    description, address and coordinates (personal data) only with the filing platform's key."""
    _key, raw = platform
    created = push_form(client, raw, lat="24.9", long="118.6", address_string="东园镇上浦村12号")
    code = created.json()[0]["service_request_id"]
    public = client.get(f"{BASE}/requests/{code}.{fmt}")
    listed = client.get(f"{BASE}/requests.{fmt}")
    full = client.get(f"{BASE}/requests/{code}.json", {"api_key": raw}).json()[0]
    assert public.status_code == listed.status_code == 200
    for response in (public, listed):
        text = response.content.decode()
        assert code in text and "东园镇上浦村12号" not in text and "24.9" not in text
        assert full["description"] not in text
    if fmt == "json":
        record = public.json()[0]
        assert set(record) == {"service_request_id", "status", "status_notes", "service_name", "service_code",
                               "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                               "expected_datetime"}
        assert record["status"] == "open"
    assert full["address"] == "东园镇上浦村12号" and full["lat"] == 24.9


@pytest.mark.django_db
def test_another_platforms_key_reads_the_public_status_not_a_404(client, platform, center, clock):
    """Issue 24 item 7: another platform's key got a 404 for a request whose public status a keyless
    client can read; it now reads the same public fields, and never the owner's record."""
    _key, raw = platform
    _other, other_raw = platform_key_create(name="网上信访", center=center, source="wsxf")
    request_id = push_form(client, raw).json()[0]["service_request_id"]
    keyless = client.get(f"{BASE}/requests/{request_id}.json")
    other = client.get(f"{BASE}/requests/{request_id}.json", {"api_key": other_raw})
    own = client.get(f"{BASE}/requests/{request_id}.json", {"api_key": raw})
    assert keyless.status_code == other.status_code == own.status_code == 200
    assert other.json() == keyless.json()
    assert "13805950001" not in other.content.decode() and own.json() != keyless.json()
    assert client.get(f"{BASE}/tokens/GD20250930-0001.json", {"api_key": other_raw}).status_code == 404
