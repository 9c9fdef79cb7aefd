"""The dispatch REST API: who is on duty, roster month, overrides, mode, notifications; permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from dispatch.choices import ShiftKind
from dispatch.models import DutyShift, Mode, Notification
from dispatch.tests.factories import CommandAssignmentFactory, DutyRosterFactory, NotificationFactory
from governance.roles import Role
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def roster(rotation, today):
    return DutyRosterFactory(center=rotation.center, departments=rotation.departments, start_date=today)


def as_user(api, center, *roles):
    user = UserFactory(roles=list(roles), profile={"center": center})
    api.force_authenticate(user)
    return user


def test_anonymous_requests_are_refused(api):
    for url in [
        "/api/dispatch/on-duty/",
        "/api/dispatch/roster/",
        "/api/dispatch/mode/",
        "/api/dispatch/notifications/",
    ]:
        response = api.get(url)
        assert response.status_code in (401, 403)
        assert "error" in response.json()


def test_on_duty_now(api, rotation, roster):
    commander = CommandAssignmentFactory(center=rotation.center).user
    as_user(api, rotation.center, Role.WINDOW_CLERK)
    body = api.get("/api/dispatch/on-duty/").json()
    assert body["duty"]["department"]["name"] == rotation.departments[0].name
    assert body["duty"]["director"]["id"] == rotation.teams[0].main_director.pk
    assert body["duty"]["deputy_director"]["id"] == rotation.teams[0].deputy_director.pk
    assert body["duty"]["role"] == "main"
    assert [person["id"] for person in body["commanders"]] == [commander.pk]


def test_roster_month_lists_days_and_gaps(api, rotation):
    DutyRosterFactory(
        center=rotation.center, departments=rotation.departments, start_date=dt.date(2025, 10, 10)
    )
    as_user(api, rotation.center, Role.DUTY_DIRECTOR)
    body = api.get("/api/dispatch/roster/?month=2025-10").json()
    assert body["month"] == "2025-10" and len(body["days"]) == 31
    assert body["days"][0]["gap"] == "no_roster"
    assert body["days"][9]["department"]["name"] == rotation.departments[0].name
    assert body["days"][0]["day_name"] == "国庆节"


def test_roster_month_rejects_a_bad_month(api, center):
    as_user(api, center, Role.DUTY_DIRECTOR)
    response = api.get("/api/dispatch/roster/?month=2025-13")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_month"


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.DEPARTMENT_HANDLER])
def test_roster_is_closed_to_other_roles(api, center, role):
    as_user(api, center, role)
    assert api.get("/api/dispatch/roster/").status_code == 403
    response = api.post(
        "/api/dispatch/roster/shifts/",
        {"date": "2030-01-01", "kind": "replacement", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_create_override_and_swap(api, rotation, roster, today):
    as_user(api, rotation.center, Role.DEPUTY_COMMANDER)
    stand_in = UserFactory()
    response = api.post(
        "/api/dispatch/roster/shifts/",
        {
            "date": today.isoformat(),
            "kind": ShiftKind.REPLACEMENT,
            "person": stand_in.pk,
            "reason": "临时替班",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()[0]["person"]["id"] == stand_in.pk
    tomorrow, after = today + dt.timedelta(days=1), today + dt.timedelta(days=2)
    response = api.post(
        "/api/dispatch/roster/shifts/",
        {
            "date": tomorrow.isoformat(),
            "kind": ShiftKind.SWAP,
            "swap_date": after.isoformat(),
            "reason": "调换",
        },
        format="json",
    )
    assert response.status_code == 201
    assert [row["department"]["id"] for row in response.json()] == [
        rotation.departments[2].pk,
        rotation.departments[1].pk,
    ]
    assert DutyShift.objects.filter(cancelled_at__isnull=True).count() == 3


def test_dispatcher_cannot_create_an_override(api, rotation, roster, today):
    as_user(api, rotation.center, Role.DISPATCHER)
    response = api.post(
        "/api/dispatch/roster/shifts/",
        {
            "date": today.isoformat(),
            "kind": ShiftKind.MAIN_UNAVAILABLE,
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not DutyShift.objects.exists()


def test_business_errors_have_the_structured_body(api, rotation, roster):
    as_user(api, rotation.center, Role.ADMINISTRATOR)
    response = api.post(
        "/api/dispatch/roster/shifts/",
        {
            "date": "2020-01-01",
            "kind": ShiftKind.MAIN_UNAVAILABLE,
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "date_in_past",
        "message": "已过去的日期不能再调班。",
        "field": "date",
    }


def test_mode_declare_current_history_end(api, center):
    as_user(api, center, Role.COMMANDER)
    assert api.get("/api/dispatch/mode/").json()["kind"] == "normal"
    response = api.post("/api/dispatch/mode/wartime/", {"level": 3, "reason": "防汛"}, format="json")
    assert response.status_code == 201
    assert response.json()["summons_report_in_minutes"] == 15
    again = api.post("/api/dispatch/mode/wartime/", {"level": 3, "reason": "防汛"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_wartime"
    current = api.get("/api/dispatch/mode/").json()
    assert (current["kind"], current["level"], current["level_label"]) == ("wartime", 3, "三级响应")
    assert api.post("/api/dispatch/mode/normal/", {"reason": "解除"}, format="json").status_code == 201
    history = api.get("/api/dispatch/mode/history/").json()["results"]
    assert [row["kind"] for row in history] == ["normal", "wartime"]


@pytest.mark.parametrize("role", [Role.DUTY_DIRECTOR, Role.ADMINISTRATOR, Role.LEADER, Role.DISPATCHER])
def test_only_commanders_switch_modes_through_the_api(api, center, role):
    as_user(api, center, role)
    assert (
        api.post("/api/dispatch/mode/wartime/", {"level": 1, "reason": "x"}, format="json").status_code == 403
    )
    assert api.post("/api/dispatch/mode/normal/", {"reason": "x"}, format="json").status_code == 403
    assert not Mode.objects.exists()


def test_mode_history_is_closed_to_grid_workers(api, center):
    as_user(api, center, Role.GRID_WORKER)
    assert api.get("/api/dispatch/mode/history/").status_code == 403
    assert api.get("/api/dispatch/mode/").status_code == 200  # everyone may know the current mode


def test_my_notifications_and_mark_read(api, center):
    user = as_user(api, center, Role.DEPARTMENT_LIAISON)
    mine = [NotificationFactory(recipient=user) for _ in range(2)]
    foreign = NotificationFactory()
    NotificationFactory(recipient=user, channel="sms")
    body = api.get("/api/dispatch/notifications/").json()
    assert body["count"] == 2 and {row["id"] for row in body["results"]} == {row.pk for row in mine}
    response = api.post(f"/api/dispatch/notifications/{mine[0].pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert api.get("/api/dispatch/notifications/?unread=1").json()["count"] == 1
    assert api.post(f"/api/dispatch/notifications/{foreign.pk}/read/").status_code == 404
    assert api.post("/api/dispatch/notifications/read-all/").json() == {"marked": 1}
    assert Notification.objects.filter(recipient=user, channel="in_app", read_at__isnull=True).count() == 0
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_endpoints_are_in_the_openapi_schema(api, center):
    as_user(api, center, Role.ADMINISTRATOR)
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"] if response["Content-Type"].startswith("application/json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(response.content)["paths"]
    for path in [
        "/api/dispatch/on-duty/",
        "/api/dispatch/roster/",
        "/api/dispatch/roster/shifts/",
        "/api/dispatch/mode/",
        "/api/dispatch/mode/wartime/",
        "/api/dispatch/mode/normal/",
        "/api/dispatch/mode/history/",
        "/api/dispatch/notifications/",
        "/api/dispatch/notifications/{notification_id}/read/",
        "/api/dispatch/notifications/read-all/",
    ]:
        assert path in paths, path
