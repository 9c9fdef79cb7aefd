"""Open311 GeoReport v2: bad input answers the spec's errors and saves nothing; HTML is stored as text."""

from __future__ import annotations

import pytest

from intake.models import Case
from intake.tests.open311 import BASE, nothing_saved, push_form, xml_root

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
