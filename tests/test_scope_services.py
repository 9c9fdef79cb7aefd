"""Where a user acts (issue 20 item 1): every service that acts on a matter for a center refuses a
matter held at another center (`not_your_center`), the administrator does not settle or send to
dispatch, and what hangs off a matter (assignments, attachments, patrols, key persons, dashboards)
follows the same territory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone
from knox.models import AuthToken

from dispatch.services import (
    assignment_acknowledge,
    assignment_reassign,
    assignment_remind,
    assignment_request_extension,
    assignment_return_for_rework,
    assignment_supervise,
    case_close,
    case_dispatch,
    case_move_center,
    case_verify,
    extension_decide,
    summons_approve,
    summons_close,
    summons_request,
)
from governance.errors import PermissionDeniedError
from governance.models import Center, Department, Grid
from grid.models import KeyPerson, Patrol
from intake.choices import Channel, HandlingMode
from intake.models import Attachment, Case
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch, case_settle_on_spot
from intake.tests.factories import category
from intake.tests.files import PDF, upload

pytestmark = pytest.mark.django_db

YUTIAN_UNIT = "350521106207001"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _zhangban_matter(title: str = "玉田村欠薪", *, send: bool = True, attachments: tuple = ()) -> Case:
    """A matter of 张坂镇's 玉田村 registered at the district window (held at the district center)."""
    case = case_register(actor=_user("clerk"), center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF10"), title=title, description="欠薪",
        grid=Grid.objects.get(code=YUTIAN_UNIT), attachments=attachments,
        parties=[PartyInput(name="王建国", phone="13905958888")]))
    return case_send_to_dispatch(actor=_user("clerk"), case=case) if send else case


@pytest.fixture
def demo(db, demo_seeded) -> None:
    return None


def _refused(call, code: str = "not_your_center") -> str:
    with pytest.raises(PermissionDeniedError) as refusal:
        call()
    assert refusal.value.code == code, refusal.value.message
    return refusal.value.message


def test_every_center_action_on_another_centers_matter_is_refused_in_chinese(demo):
    """`town_ly` (洛阳镇, duty director) and `station_sp` (上浦村, dispatcher) against a 张坂镇 matter
    held at the district center: dispatch, rework, reassign, supervise, remind, extension, summons,
    move, verify, close, settle, send to dispatch; the district's director does the same things."""
    director, town, station = _user("director"), _user("town_ly"), _user("station_sp")
    labour = Department.objects.get(short_code="LDWQ")
    unsent = _zhangban_matter("玉田村邻里纠纷", send=False)
    case = _zhangban_matter()
    message = _refused(lambda: case_dispatch(actor=town, case=case, mode=HandlingMode.TRANSFER,
                                             lead_department=labour))
    assert "泉州台商投资区社会治理中心" in message and "洛阳镇综治中心" in message
    [assignment] = case_dispatch(actor=director, case=case, mode=HandlingMode.TRANSFER, lead_department=labour)
    assignment_acknowledge(actor=_user("liaison"), assignment=assignment)
    extension = assignment_request_extension(actor=_user("liaison"), assignment=assignment, reason="需补充材料",
                                             requested_due_at=assignment.due_at + dt.timedelta(days=3))
    summons = summons_request(actor=director, center=case.center, departments=[labour], reason="欠薪群体", case=case)
    summons_approve(actor=_user("deputy"), summons=summons)
    other = Department.objects.get(short_code="ZGJ")
    for actor in (town, station):
        _refused(lambda actor=actor: assignment_return_for_rework(actor=actor, assignment=assignment, reason="不清楚"))
        _refused(lambda actor=actor: assignment_reassign(actor=actor, assignment=assignment, department=other,
                                                         reason="改派"))
        _refused(lambda actor=actor: assignment_supervise(actor=actor, assignment=assignment, leader=director,
                                                          every_working_days=2))
        _refused(lambda actor=actor: assignment_remind(actor=actor, assignment=assignment))
        _refused(lambda actor=actor: case_move_center(actor=actor, case=case, to_center=Center.objects.get(
            code="350521106"), reason="下交"))
        _refused(lambda actor=actor: case_verify(actor=actor, case=case, passed=True))
        _refused(lambda actor=actor: case_close(actor=actor, case=case))
        _refused(lambda actor=actor: case_settle_on_spot(actor=actor, case=unsent, result="已调解"))
        _refused(lambda actor=actor: case_send_to_dispatch(actor=actor, case=unsent))
        _refused(lambda actor=actor: summons_request(actor=actor, center=case.center, departments=[labour],
                                                     reason="再召集", case=None))
    _refused(lambda: extension_decide(actor=town, extension=extension, approve=True))
    _refused(lambda: summons_close(actor=town, summons=summons))
    # the district center's people act as before
    extension_decide(actor=director, extension=extension, approve=True)
    assignment_remind(actor=director, assignment=assignment)
    summons_close(actor=director, summons=summons)
    case_send_to_dispatch(actor=director, case=unsent)


def test_the_administrator_neither_settles_nor_sends_to_dispatch(client, demo):
    admin = _user("admin")
    case = _zhangban_matter(send=False)
    _refused(lambda: case_settle_on_spot(actor=admin, case=case, result="已调解"), "administrator_does_not_act")
    _refused(lambda: case_send_to_dispatch(actor=admin, case=case), "administrator_does_not_act")
    _instance, token = AuthToken.objects.create(admin)
    response = client.post(f"/api/intake/cases/{case.code}/settle/", {"result": "已调解"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 403 and response.json()["error"]["code"] == "administrator_does_not_act"
    case.refresh_from_db()
    assert case.status == "registered"


def test_a_leader_in_charge_opens_his_departments_assignment_page_and_no_other(client, demo):
    director = _user("director")
    ours = case_dispatch(actor=director, case=_zhangban_matter("违建"), mode=HandlingMode.TRANSFER,
                         lead_department=Department.objects.get(short_code="ZGJ"))[0]
    theirs = case_dispatch(actor=director, case=_zhangban_matter("欠薪"), mode=HandlingMode.TRANSFER,
                           lead_department=Department.objects.get(short_code="LDWQ"))[0]
    client.force_login(_user("lead_zgj"))
    assert client.get(f"/dispatch/work/assignments/{ours.pk}/").status_code == 200
    assert client.get(f"/dispatch/work/cases/{ours.case_id}/").status_code == 200
    assert client.get(f"/dispatch/work/assignments/{theirs.pk}/").status_code == 404
    assert client.get(f"/dispatch/work/cases/{theirs.case_id}/").status_code == 404


def test_patrols_and_attachments_follow_the_territory(client, demo):
    patrol = Patrol.objects.filter(grid__code="350521104203001").order_by("pk").first()  # 上浦村, 洛阳镇
    case = _zhangban_matter(attachments=(upload("协议.pdf", PDF, "application/pdf"),))
    attachment = Attachment.objects.get(case=case)
    for username, patrol_status, attachment_status in (
            ("director", 200, 200), ("town_ly", 200, 404), ("station_sp", 200, 404), ("town_zb", 404, 200),
            ("station_yt", 404, 200), ("lead_zgj", 404, 404), ("grid", 200, 404)):
        client.force_login(_user(username))
        assert client.get(f"/grid/patrols/{patrol.pk}/").status_code == patrol_status, username
        assert client.get(f"/intake/attachments/{attachment.pk}/").status_code == attachment_status, username


def test_a_town_user_reads_another_towns_matter_nowhere_and_sees_why_he_cannot_act_on_the_districts(client, demo):
    case = _zhangban_matter()
    client.force_login(_user("town_ly"))
    assert client.get(f"/dispatch/work/cases/{case.pk}/").status_code == 404
    client.force_login(_user("town_zb"))
    page = client.get(f"/dispatch/work/cases/{case.pk}/").content.decode()
    assert 'data-testid="not-here"' in page and "此事项现由泉州台商投资区社会治理中心承办" in page
    assert "上提 / 下交" not in page
    client.force_login(_user("director"))
    page = client.get(f"/dispatch/work/cases/{case.pk}/").content.decode()
    assert 'data-testid="not-here"' not in page


def test_key_persons_are_read_within_the_territory(client, demo):
    for role in ("dispatcher", "duty_director"):
        Group.objects.get(name=role).permissions.add(Permission.objects.get(codename="view_keyperson"))
    person = KeyPerson.objects.get(name="王德顺")  # 上浦村第1网格
    for username, status in (("station_sp", 200), ("town_ly", 200), ("director", 200), ("town_zb", 404),
                             ("station_yt", 404)):
        client.force_login(_user(username))
        assert client.get(f"/grid/keypersons/{person.pk}/").status_code == status, username
        assert ("王德顺" in client.get("/grid/keypersons/").content.decode()) == (status == 200), username
        _instance, token = AuthToken.objects.create(_user(username))
        names = [row["name"] for row in client.get("/api/grid/keypersons/", HTTP_AUTHORIZATION=f"Token {token}")
                 .json()["results"]]
        assert ("王德顺" in names) == (status == 200), username


def test_the_dashboard_counts_the_users_level(client, demo):
    _zhangban_matter()
    scopes = {}
    for username in ("director", "town_ly", "town_zb", "station_sp", "station_yt"):
        client.force_login(_user(username))
        scopes[username] = client.get("/review/dashboard/data/").json()
    assert scopes["town_zb"]["scope"] == "张坂镇" and scopes["town_ly"]["scope"] == "洛阳镇"
    assert scopes["station_sp"]["scope"] == "上浦村综治站" and scopes["station_yt"]["scope"] == "玉田村综治站"
    today = timezone.localdate().isoformat()
    assert scopes["director"]["today"] == today
    assert scopes["town_zb"]["today_total"] >= 1 and scopes["station_yt"]["today_total"] >= 1
    assert scopes["town_ly"]["today_total"] <= scopes["director"]["today_total"] - 1


def test_the_window_lookup_and_the_grid_map_stay_in_the_territory(client, demo):
    case = case_register(actor=_user("clerk"), center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF10"), title="玉田村欠薪", description="欠薪",
        grid=Grid.objects.get(code=YUTIAN_UNIT), parties=[PartyInput(name="陈玉兰", phone="13905957777")]))
    for username, shown in (("director", True), ("town_zb", True), ("town_ly", False), ("station_sp", False)):
        client.force_login(_user(username))
        body = client.post("/intake/window/applicant/", {"phone": "13905957777"}).json()
        assert (body["party"] is not None) == shown, username
        assert ([row["code"] for row in body["cases"]] == [case.code]) == shown, username
        codes = {feature["properties"]["name"] for feature in client.get("/grid/tree/map.json").json()["features"]}
        assert (YUTIAN_UNIT in codes) == (username in ("director", "town_zb")), username


def test_a_leader_in_charge_has_no_board_of_the_centers_matters(client, demo):
    client.force_login(_user("lead_zgj"))
    assert client.get("/dispatch/board/").status_code == 403
    assert "/dispatch/board/" not in client.get("/").content.decode()
    client.force_login(_user("town_ly"))
    assert client.get("/dispatch/board/").status_code == 200
    assert "/dispatch/board/" in client.get("/").content.decode()
