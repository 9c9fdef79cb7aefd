"""Open311 GeoReport v2: platform keys (wrong, revoked, hashed, the management command) and what a client
reads without the filing platform's key."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from intake.models import PlatformKey
from intake.open311.services import platform_key_create, platform_key_revoke
from intake.tests.open311 import BASE, nothing_saved, push_form, xml_root

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
