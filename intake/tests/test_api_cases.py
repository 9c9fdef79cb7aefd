"""The intake REST API: authentication, permissions, registering and retrieving a matter. The list is in
test_api_cases_list.py, the actions and parties in test_api_cases_actions.py, the categories, schema and
docs in test_api_cases_schema.py."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from governance.tests.factories import UserFactory
from intake.choices import CaseStatus, Channel
from intake.models import Attachment, Case, CaseEvent, Party
from intake.tests.api_client import API, ID_NUMBER
from intake.tests.factories import CaseFactory, category

PDF = b"%PDF-1.4\n%test\n"


def payload(**changes):
    data = {
        "channel": Channel.WALK_IN,
        "category": category("JF10").pk,
        "title": "工地拖欠工资",
        "description": "十二名工人反映上浦村工地拖欠三个月工资。",
        "parties": [{"name": "王建国", "id_number": ID_NUMBER, "phone": "13805950001", "address": "洛阳镇上浦村"}],
    }
    data.update(changes)
    return data


def nothing_saved():
    return Case.objects.count() == 0 and CaseEvent.objects.count() == 0 and Party.objects.count() == 0


# --- authentication and permissions --------------------------------------------------------------


@pytest.mark.django_db
def test_without_credentials_nothing_is_returned(clerk):
    CaseFactory(first_receiver=clerk)
    client = APIClient()
    for path in ["/cases/", "/cases/1/", "/categories/", "/parties/lookup/?phone=13805950001"]:
        response = client.get(API + path)
        assert response.status_code in (401, 403)
        assert set(response.json()) == {"error"}
    response = client.post(API + "/cases/", payload(), format="json")
    assert response.status_code in (401, 403) and Case.objects.count() == 1


@pytest.mark.django_db
def test_wrong_token_is_rejected(clerk):
    CaseFactory(first_receiver=clerk)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get(API + "/cases/")
    assert response.status_code in (401, 403) and "results" not in response.json()


@pytest.mark.django_db
def test_token_and_session_auth_both_work(api, clerk):
    CaseFactory(first_receiver=clerk)
    assert api.get(API + "/cases/").json()["count"] == 1
    session = APIClient()
    session.force_login(clerk)
    assert session.get(API + "/cases/").json()["count"] == 1


@pytest.mark.django_db
def test_session_post_needs_csrf_token(clerk):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(clerk)
    response = client.post(API + "/cases/", payload(), format="json")
    assert response.status_code == 403 and nothing_saved()


@pytest.mark.django_db
def test_signed_in_user_without_role_sees_nothing(center):
    CaseFactory()
    nobody = UserFactory(username="nobody", roles=[], center=center)
    client = APIClient()
    client.force_authenticate(nobody)
    assert client.get(API + "/cases/").status_code == 403
    assert client.get(API + "/categories/").status_code == 403


@pytest.mark.django_db
def test_department_role_sees_only_what_selectors_allow(center):
    case = CaseFactory()
    handler = UserFactory(username="handler", roles=["department_handler"], center=center)
    client = APIClient()
    client.force_authenticate(handler)
    body = client.get(API + "/cases/").json()
    assert body["count"] == 0 and body["results"] == []
    assert client.get(f"{API}/cases/{case.code}/").status_code == 404
    assert client.post(API + "/cases/", payload(), format="json").status_code == 403
    assert client.get(API + "/parties/lookup/", {"phone": "13805950001"}).status_code == 403


@pytest.mark.django_db
def test_other_district_matter_is_404(api):
    other = CaseFactory(district__code="OTHER", district__name="另一区")
    assert api.get(f"{API}/cases/{other.code}/").status_code == 404
    assert api.get(f"{API}/cases/{other.pk}/").status_code == 404


# --- register and retrieve ------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_json_then_get_by_code_and_id(api, clerk, window):
    response = api.post(API + "/cases/", payload(window=window.pk), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert re.fullmatch(r"QZTS-\d{4}-\d{6}", body["code"])
    assert body["status"] == CaseStatus.REGISTERED and body["first_receiver"]["id"] == clerk.pk
    assert body["window"]["number"] == window.number
    party = body["parties"][0]["party"]
    assert party["id_number"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert party["phone"] == "138****0001"
    assert [e["type"] for e in body["timeline"]] == ["case.registered"]
    assert body["timeline"][0]["source"] == "api"
    by_code = api.get(f"{API}/cases/{body['code']}/").json()
    by_id = api.get(f"{API}/cases/{body['id']}/").json()
    assert by_code == by_id
    assert ID_NUMBER not in json.dumps(by_code)
    assert by_code["applicant"]["name"] == "王建国"


@pytest.mark.django_db
def test_register_multipart_with_attachment(api):
    data = payload()
    data["parties"] = json.dumps(data["parties"])
    data["attachments"] = [SimpleUploadedFile("协议.pdf", PDF, content_type="application/pdf")]
    response = api.post(API + "/cases/", data, format="multipart")
    assert response.status_code == 201, response.json()
    assert [a["name"] for a in response.json()["attachments"]] == ["协议.pdf"]
    assert Attachment.objects.get().content_type == "application/pdf"


@pytest.mark.django_db
def test_register_links_earlier_matter(api, clerk):
    earlier = CaseFactory(first_receiver=clerk)
    response = api.post(API + "/cases/", payload(link_to=[earlier.pk]), format="json")
    assert response.status_code == 201
    assert response.json()["links"][0]["other"]["code"] == earlier.code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"parties": [{"name": "王建国", "id_number": "350521199001011230", "phone": "13805950001"}]},
         "parties.0.id_number"),
        ({"parties": [{"name": "王建国", "phone": "12345"}]}, "parties.0.phone"),
        ({"parties": [{"kind": "organization", "name": "某公司", "credit_code": "91350100M000100Y44"}]},
         "parties.0.credit_code"),
        ({"title": ""}, "title"),
        ({"description": "长" * 5001}, "description"),
        ({"category": 999_999}, "category"),
        ({"grid": 999_999}, "grid"),
        ({"parties": []}, "parties"),
        ({"window": 999_999}, "window"),
        ({"link_to": [999_999]}, "link_to"),
    ],
)
def test_register_bad_input_is_400_and_nothing_saved(api, changes, field):
    response = api.post(API + "/cases/", payload(**changes), format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["field"] == field and error["message"]
    assert nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "劳动"}, "category"),
        ({"channel": "fax"}, "channel"),
        ({"latitude": "NaN"}, "latitude"),
        ({"parties": "not json"}, "parties"),
        ({"parties": [{"role": "boss", "name": "x"}]}, "parties"),
        ({"link_to": ["a"]}, "link_to"),
    ],
)
def test_register_shape_errors_are_400_with_fields(api, changes, field):
    response = api.post(API + "/cases/", payload(**changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert nothing_saved()


@pytest.mark.django_db
def test_register_all_errors_reported_at_once(api):
    response = api.post(API + "/cases/", payload(title="", description=""), format="json")
    errors = response.json()["error"]["extra"]["errors"]
    assert {"title", "description"} <= set(errors)


@pytest.mark.django_db
def test_malformed_json_body_is_400(api):
    response = api.post(API + "/cases/", "{broken", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"
    assert nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/pdf"), "forbidden_type"),
        (SimpleUploadedFile("fake.pdf", b"MZ\x90\x00", content_type="application/pdf"), "forbidden_type"),
    ],
)
def test_register_forbidden_attachment_is_400(api, upload, code):
    data = payload()
    data["parties"] = json.dumps(data["parties"])
    data["attachments"] = [upload]
    response = api.post(API + "/cases/", data, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert nothing_saved()


@pytest.mark.django_db
def test_register_too_large_attachment_is_400(api, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    data = payload()
    data["parties"] = json.dumps(data["parties"])
    data["attachments"] = [SimpleUploadedFile("big.pdf", PDF + b"x" * 20, content_type="application/pdf")]
    response = api.post(API + "/cases/", data, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["code"] == "too_large"
    assert nothing_saved()


@pytest.mark.django_db
def test_html_is_stored_as_text(api):
    evil = '<script>alert("x")</script>'
    body = api.post(API + "/cases/", payload(title=evil, description=evil), format="json").json()
    assert body["title"] == evil and Case.objects.get().description == evil
