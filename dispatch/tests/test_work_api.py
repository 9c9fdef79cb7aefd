"""The REST API: every action, permissions, the error format, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.choices import AssignmentStatus, SummonsStatus
from dispatch.models import Assignment
from dispatch.selectors.attendance import attendance_code
from dispatch.tests.factories_work import World
from intake.choices import CaseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user, name, pk=None, data=None, **kwargs):
    url = reverse(f"dispatch-api:{name}", args=[pk] if pk is not None else [])
    return api(user).post(url, data or {}, **kwargs)


def test_joint_matter_through_the_api(world):
    case = world.case()
    response = post(world.director, "case-dispatch", case.pk, {
        "mode": "joint", "lead_department": world.labour.pk, "co_departments": [world.zgj.pk],
        "parts": {str(world.zgj.pk): "核查许可"}}, format="json")
    assert response.status_code == 201, response.content
    lead_id, co_id = (row["id"] for row in response.json())
    assert post(world.labour.liaison, "acknowledge", lead_id).json()["status"] == "acknowledged"
    assert post(world.zgj.liaison, "acknowledge", co_id).status_code == 200
    early = post(world.labour.liaison, "report-back", lead_id, {"text": "汇总"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "co_parts_pending"
    assert post(world.zgj.liaison, "progress", co_id, {"text": "现场查看"}).status_code == 200
    assert post(world.zgj.liaison, "report-back", co_id, {"text": "许可齐全"}).status_code == 200
    assert post(world.handler, "report-back", lead_id, {"text": "已付60%"}).status_code == 200
    assert post(world.dispatcher, "rework", lead_id, {"reason": "补充计划"}).json()["redo_count"] == 1
    assert post(world.handler, "report-back", lead_id, {"text": "已补充"}).status_code == 200
    assert post(world.grid_worker, "case-verify", case.pk, {"passed": True}).json()["status"] == "verified"
    revisit = post(world.dispatcher, "case-revisit", case.pk, {"resolved": "partly", "satisfaction": "basic"})
    assert revisit.json()["status"] == "revisited"
    closed = post(world.dispatcher, "case-close", case.pk)
    assert closed.json()["status"] == "closed"
    assert set(case.events.values_list("source", flat=True)) == {"api"}


def test_department_scoping_and_error_format(world):
    case = world.case()
    (row,) = post(world.director, "case-dispatch", case.pk,
                  {"mode": "transfer", "lead_department": world.police.pk}, format="json").json()
    other = post(world.labour.liaison, "acknowledge", row["id"])
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    listing = api(world.labour.liaison).get(reverse("dispatch-api:assignments")).json()
    assert listing["count"] == 0
    mine = api(world.police.liaison).get(reverse("dispatch-api:assignments")).json()
    assert [r["id"] for r in mine["results"]] == [row["id"]]
    assert api(world.police.liaison).get(reverse("dispatch-api:assignment", args=[row["id"]])).status_code == 200
    denied = post(world.police.liaison, "remind", row["id"])
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    not_dispatcher = post(world.commander, "case-dispatch", world.case().pk,
                          {"mode": "transfer", "lead_department": world.police.pk}, format="json")
    assert not_dispatcher.status_code == 403
    bad = post(world.director, "case-dispatch", world.case().pk, {"mode": "self", "lead_department": 1},
               format="json")
    assert bad.status_code == 400 and "mode" in bad.json()["error"]["fields"]


def test_center_actions_through_the_api(world):
    case = world.case()
    (row,) = post(world.director, "case-dispatch", case.pk,
                  {"mode": "transfer", "lead_department": world.police.pk}, format="json").json()
    pk = row["id"]
    assert post(world.dispatcher, "remind", pk, {"note": "请加快"}).status_code == 200
    supervised = post(world.director, "supervise", pk, {"leader": world.commander.pk,
                                                                  "every_working_days": 2})
    assert supervised.json()["progress_every_working_days"] == 2
    assert post(world.police.liaison, "acknowledge", pk).status_code == 200
    due = (Assignment.objects.get(pk=pk).due_at + dt.timedelta(days=3)).isoformat()
    extension = post(world.police.liaison, "extension", pk, {"reason": "待鉴定", "requested_due_at": due})
    assert extension.status_code == 200
    assert post(world.police.liaison, "extension-decide", extension.json()["id"],
                {"approve": True}).status_code == 404
    decided = post(world.director, "extension-decide", extension.json()["id"], {"approve": True})
    assert decided.json()["status"] == "approved"
    assert post(world.police.liaison, "decline", pk, {"reason": "非我局"}).json()["status"] == "declined"
    ruled = post(world.director, "rule-decline", pk, {"accept": False})
    assert ruled.json()["status"] == "acknowledged"
    moved = post(world.director, "reassign", pk, {"department": world.labour.pk, "reason": "属劳动"})
    assert moved.json()["department"] == world.labour.pk
    assert Assignment.objects.get(pk=pk).status == AssignmentStatus.WITHDRAWN
    assert post(world.dispatcher, "case-explanation", case.pk, {"notes": "需鉴定"}).status_code == 200

    from governance.tests.factories import CenterFactory

    town = CenterFactory(code="350521100", name="洛阳镇综治中心", level="town", parent=world.center)
    moved = post(world.director, "case-move", case.pk, {"to_center": town.pk, "reason": "属地"})
    assert moved.json()["status"] == CaseStatus.PENDING_DISPATCH and moved.json()["center"] == town.pk


def test_decline_accepted_through_the_api(world):
    case = world.case()
    (row,) = post(world.director, "case-dispatch", case.pk,
                  {"mode": "transfer", "lead_department": world.police.pk}, format="json").json()
    post(world.police.liaison, "decline", row["id"], {"reason": "非我局"})
    ruled = post(world.director, "rule-decline", row["id"], {"accept": True, "department": world.labour.pk})
    assert ruled.json()["department"] == world.labour.pk


def test_summons_through_the_api(world):
    case = world.case()
    created = post(world.director, "summons-create", None,
                   {"reason": "堵路", "case": case.pk, "departments": [world.police.pk, world.zgj.pk]}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert post(world.director, "summons-approve", pk).status_code == 403
    approved = post(world.deputy, "summons-approve", pk).json()
    assert approved["status"] == SummonsStatus.APPROVED and approved["report_in_minutes"] == 20
    assert 1190 <= approved["remaining_seconds"] <= 1200
    rows = {r["department"]: r["id"] for r in approved["departments"]}
    assert post(world.police.liaison, "summons-acknowledge", rows[world.police.pk]).status_code == 200
    assert post(world.police.liaison, "summons-report-in", rows[world.zgj.pk]).status_code == 404
    code = attendance_code(center=world.center, at=timezone.now())
    assert post(world.police.liaison, "summons-report-in", rows[world.police.pk], {"code": code}).json()["minutes_late"] == 0
    assert post(world.dispatcher, "summons-report-in", rows[world.zgj.pk],
                {"person": world.zgj.liaison.pk}).status_code == 200
    assert api(world.police.liaison).get(reverse("dispatch-api:summons", args=[pk])).status_code == 200
    assert api(world.labour.liaison).get(reverse("dispatch-api:summons", args=[pk])).status_code == 404
    assert post(world.commander, "summons-close", pk).json()["status"] == "closed"
    other = post(world.director, "summons-create", None, {"reason": "x", "departments": [world.police.pk]},
                 format="json").json()
    assert post(world.commander, "summons-refuse", other["id"], {"note": "不必"}).json()["status"] == "refused"


def test_every_action_is_in_the_openapi_schema(world, client):
    client.force_login(world.director)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    paths = [p for p in schema["paths"] if p.startswith("/api/dispatch/")]
    for suffix in ("dispatch/", "verify/", "revisit/", "close/", "explanation-call/", "move/", "acknowledge/",
                   "progress/", "report-back/", "extension/", "decline/", "rule-decline/", "rework/", "remind/",
                   "supervise/", "reassign/", "decide/", "approve/", "refuse/", "report-in/"):
        assert any(p.endswith(suffix) for p in paths), suffix
    dispatch_path = next(p for p in paths if p.endswith("/dispatch/"))
    body = schema["paths"][dispatch_path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/DispatchIn")


def test_dispatch_without_a_department_is_refused_with_a_clear_message(world):
    """Issue 21 (10): 派单 without a choice is refused, saying what is missing."""
    case = world.case()
    response = post(world.director, "case-dispatch", case.pk, {"mode": "transfer"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "请选择承办（牵头）部门" in str(error)
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_DISPATCH


def test_the_centers_list_holds_its_live_assignments_by_deadline_and_a_departments_all_of_them(world):
    """Center staff: the center's live assignments (as on the board), nearest deadline first; department
    people: all of their department's, finished ones included."""
    rows = [post(world.director, "case-dispatch", world.case().pk,
                 {"mode": "transfer", "lead_department": world.police.pk}, format="json").json()[0] for _ in range(3)]
    Assignment.objects.filter(pk=rows[0]["id"]).update(status=AssignmentStatus.COMPLETED)
    Assignment.objects.filter(pk=rows[2]["id"]).update(due_at=timezone.now())
    center = api(world.director).get(reverse("dispatch-api:assignments")).json()
    assert [r["id"] for r in center["results"]] == [rows[2]["id"], rows[1]["id"]]
    department = api(world.police.liaison).get(reverse("dispatch-api:assignments")).json()
    assert {r["id"] for r in department["results"]} == {r["id"] for r in rows}


def test_a_list_counts_up_to_the_cap_and_says_when_there_are_more(world, monkeypatch):
    """The API's lists count as the matter list does: past COUNT_CAP, `count` stops at COUNT_CAP + 1 and
    `count_capped` says there are more (a center's live assignments were counted in full on every page)."""
    from governance import counting

    for _ in range(3):
        post(world.director, "case-dispatch", world.case().pk,
             {"mode": "transfer", "lead_department": world.police.pk}, format="json")
    listing = api(world.police.liaison).get(reverse("dispatch-api:assignments")).json()
    assert (listing["count"], listing["count_capped"], len(listing["results"])) == (3, False, 3)
    monkeypatch.setattr(counting, "COUNT_CAP", 2)
    listing = api(world.police.liaison).get(reverse("dispatch-api:assignments")).json()
    assert (listing["count"], listing["count_capped"], len(listing["results"])) == (3, True, 3)
