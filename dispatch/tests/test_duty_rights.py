"""Duty-based rights (issue 20 item 3, seed 000 一(四), 四): the duty director on duty and the deputy of
the same shift, the commander and deputy commander act; an off-duty duty director reads; a dispatcher
does the flow (dispatch, remind) but not the duty director's decisions (summons); the commander opens
the duty director's rights to a named person for a period with a recorded reason."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch import services as svc
from dispatch.models import ActingGrant, Notification
from dispatch.selectors.duty import DIRECT, FLOW, duty_now, duty_standing
from dispatch.tests.factories import DutyRosterFactory, DutyTeamFactory
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError, PermissionDeniedError
from governance.tests.factories import CenterFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

START = dt.date(2026, 11, 16)  # a Monday: police's week, then zgj's
NOW = at(2026, 11, 18, 10)


class Duty:
    """World with a weekly rotation: 公安分局 (director + deputy) this week, 资规建交局 next week."""

    def __init__(self) -> None:
        self.w = World()
        self.deputy_director = UserFactory(username="director2", roles=["duty_director"],
                                           profile={"center": self.w.center})
        self.off_director = UserFactory(username="director_zgj", roles=["duty_director"],
                                        profile={"center": self.w.center})
        DutyTeamFactory(department=self.w.police, main_director=self.w.director, deputy_director=self.deputy_director)
        DutyTeamFactory(department=self.w.zgj, main_director=self.off_director, deputy_director=None)
        DutyRosterFactory(center=self.w.center, departments=[self.w.police, self.w.zgj], start_date=START, weekly=True)

    def dispatch(self, actor, case=None, now=NOW):
        return svc.case_dispatch(actor=actor, case=case or self.w.case(), mode="transfer",
                                 lead_department=self.w.labour, now=now)

    def summon(self, actor, now=NOW):
        return svc.summons_request(actor=actor, center=self.w.center, departments=[self.w.police],
                                   reason="堵路", now=now)


@pytest.fixture
def duty():
    return Duty()


def test_the_director_on_duty_and_the_deputy_of_his_shift_act(duty):
    assert duty.dispatch(duty.w.director)
    assert duty.summon(duty.w.director)
    assert duty.dispatch(duty.deputy_director)
    standing = duty_standing(actor=duty.deputy_director, center=duty.w.center, at=NOW)
    assert standing.may(DIRECT) and "副班" in standing.basis


def test_an_off_duty_director_reads_and_is_told_who_is_on_duty(duty):
    with pytest.raises(PermissionDeniedError) as refused:
        duty.dispatch(duty.off_director)
    assert refused.value.code == "not_on_duty"
    assert "不在值班" in refused.value.message and duty.w.director.get_full_name() in refused.value.message
    assert "公安分局" in refused.value.message and "指挥长授权" in refused.value.message
    with pytest.raises(PermissionDeniedError, match="不在值班"):
        duty.summon(duty.off_director)
    # next week is his week
    next_week = NOW + dt.timedelta(days=7)
    assert duty.dispatch(duty.off_director, now=next_week)
    with pytest.raises(PermissionDeniedError, match="不在值班"):
        duty.dispatch(duty.w.director, now=next_week)


def test_a_main_director_on_leave_is_off_the_shift_his_deputy_covers(duty):
    svc.duty_shift_create(actor=duty.w.commander, center=duty.w.center, date=NOW.date(), kind="main_unavailable",
                          reason="生病", now=at(2026, 11, 18, 8))
    assert duty.dispatch(duty.deputy_director)
    with pytest.raises(PermissionDeniedError, match="不在值班"):
        duty.dispatch(duty.w.director)


def test_the_dispatcher_does_the_flow_but_not_the_duty_directors_decisions(duty):
    assert duty.dispatch(duty.w.dispatcher)
    with pytest.raises(PermissionDeniedError) as refused:
        duty.summon(duty.w.dispatcher)
    assert refused.value.code == "dispatcher_not_director"
    assert "轮值主任" in refused.value.message


def test_commanders_act_at_any_time(duty):
    for person in (duty.w.commander, duty.w.deputy):
        standing = duty_standing(actor=person, center=duty.w.center, at=NOW + dt.timedelta(days=30))
        assert standing.may(FLOW) and standing.may(DIRECT)


def test_the_commander_opens_the_duty_directors_rights_for_a_period_with_a_reason(duty):
    grant = svc.acting_grant_create(actor=duty.w.commander, center=duty.w.center, user=duty.off_director,
                                    starts_at=at(2026, 11, 18, 9), ends_at=at(2026, 11, 18, 18),
                                    reason="值班主任郑国平生病", now=at(2026, 11, 18, 9))
    assert duty.dispatch(duty.off_director)
    assert duty.summon(duty.off_director)
    standing = duty_standing(actor=duty.off_director, center=duty.w.center, at=NOW)
    assert standing.grant == grant and "值班主任郑国平生病" in standing.basis
    assert Notification.objects.filter(recipient=duty.off_director, kind="duty.acting_granted").exists()
    assert [g.pk for g in duty_now(center=duty.w.center, at=NOW).grants] == [grant.pk]
    # after its end, read-only again
    with pytest.raises(PermissionDeniedError, match="不在值班"):
        duty.dispatch(duty.off_director, now=at(2026, 11, 18, 18, 1))
    # a dispatcher granted the rights may request the summons
    svc.acting_grant_create(actor=duty.w.deputy, center=duty.w.center, user=duty.w.dispatcher,
                            starts_at=at(2026, 11, 18, 9), ends_at=at(2026, 11, 18, 12), reason="主任外出处置",
                            now=at(2026, 11, 18, 9))
    assert duty.summon(duty.w.dispatcher)


def test_a_withdrawn_grant_gives_nothing_and_is_kept(duty):
    grant = svc.acting_grant_create(actor=duty.w.commander, center=duty.w.center, user=duty.off_director,
                                    starts_at=at(2026, 11, 18, 9), ends_at=at(2026, 11, 19, 9), reason="生病",
                                    now=at(2026, 11, 18, 9))
    svc.acting_grant_revoke(actor=duty.w.commander, grant=grant, now=at(2026, 11, 18, 9, 30))
    with pytest.raises(PermissionDeniedError, match="不在值班"):
        duty.dispatch(duty.off_director)
    with pytest.raises(ApplicationError, match="已结束或已收回"):
        svc.acting_grant_revoke(actor=duty.w.commander, grant=grant, now=at(2026, 11, 18, 9, 40))
    assert ActingGrant.objects.get(pk=grant.pk).revoked_by == duty.w.commander


def test_only_commanders_grant_and_only_to_the_centers_directors_and_dispatchers(duty):
    kwargs = {"center": duty.w.center, "starts_at": at(2026, 11, 18, 9), "ends_at": at(2026, 11, 18, 18),
              "reason": "生病", "now": at(2026, 11, 18, 9)}
    with pytest.raises(PermissionDeniedError, match="只有指挥长或副指挥长"):
        svc.acting_grant_create(actor=duty.w.director, user=duty.off_director, **kwargs)
    with pytest.raises(ApplicationError, match="轮值主任或调度员"):
        svc.acting_grant_create(actor=duty.w.commander, user=duty.w.labour.liaison, **kwargs)
    stranger = UserFactory(roles=["duty_director"], profile={"center": CenterFactory()})
    with pytest.raises(ApplicationError, match="轮值主任或调度员"):
        svc.acting_grant_create(actor=duty.w.commander, user=stranger, **kwargs)
    with pytest.raises(ApplicationError, match="授权原因"):
        svc.acting_grant_create(actor=duty.w.commander, user=duty.off_director, **{**kwargs, "reason": " "})
    with pytest.raises(ApplicationError, match="晚于开始"):
        svc.acting_grant_create(actor=duty.w.commander, user=duty.off_director,
                                **{**kwargs, "ends_at": at(2026, 11, 18, 8)})


def test_a_day_nobody_is_on_duty_leaves_the_directors_reading(duty):
    duty.w.police.duty_team.delete()
    with pytest.raises(PermissionDeniedError, match="今天无人值班"):
        duty.dispatch(duty.w.director)
    assert duty_standing(actor=duty.w.commander, center=duty.w.center, at=NOW).may(DIRECT)


def test_a_center_without_a_roster_is_run_by_its_own_duty_director():
    w = World()  # no roster: a town sub-center, or a center that keeps none
    assert duty_standing(actor=w.director, center=w.center, at=NOW).may(DIRECT)
    assert svc.summons_request(actor=w.director, center=w.center, departments=[w.police], reason="堵路", now=NOW)
    with pytest.raises(PermissionDeniedError) as refused:
        svc.summons_request(actor=w.dispatcher, center=w.center, departments=[w.police], reason="堵路", now=NOW)
    assert refused.value.code == "dispatcher_not_director"


def test_the_api_refuses_an_off_duty_director_with_a_structured_body(duty):
    client = APIClient()
    client.force_authenticate(duty.off_director)
    case = duty.w.case()
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("dispatch-api:case-dispatch", args=[case.pk]),
                               {"mode": "transfer", "lead_department": duty.w.labour.pk}, format="json")
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "not_on_duty" and "不在值班" in error["message"]
        client.force_authenticate(duty.w.dispatcher)
        response = client.post(reverse("dispatch-api:summons-create"),
                               {"departments": [duty.w.police.pk], "reason": "堵路"}, format="json")
        assert response.status_code == 403 and response.json()["error"]["code"] == "dispatcher_not_director"


# --- the board -------------------------------------------------------------------------------------
def _board(client, user):
    # Logged in inside the frozen clock: a session begun at the real date has expired (two weeks) or
    # not begun at NOW.
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        return client.get(reverse("dispatch:board")).content.decode()


def test_the_board_says_who_is_on_duty_and_greys_an_off_duty_directors_buttons(duty, client):
    duty.w.case()
    page = _board(client, duty.off_director)
    assert 'data-testid="on-duty-director"' in page and duty.w.director.get_full_name() in page
    assert 'data-testid="read-only-reason"' in page and "您现在不在值班，只能查看" in page
    assert 'data-testid="dispatch-disabled"' in page and "disabled" in page
    assert 'data-testid="dispatch-form"' not in page and 'id="summons-request"' not in page
    assert 'data-testid="summons-disabled"' in page
    on_duty = _board(client, duty.w.director)
    assert 'data-testid="dispatch-form"' in on_duty and 'id="summons-request"' in on_duty
    assert 'data-testid="read-only-reason"' not in on_duty and "您正在值班" in on_duty


def test_the_board_lets_the_dispatcher_dispatch_and_says_why_not_summon(duty, client):
    duty.w.case()
    page = _board(client, duty.w.dispatcher)
    assert 'data-testid="dispatch-form"' in page
    assert 'data-testid="summons-disabled"' in page and "调度员负责事项的接收、流转和跟踪" in page


def test_the_commander_opens_the_rights_on_the_board_and_everyone_sees_it(duty, client):
    duty.w.case()
    with time_machine.travel(NOW, tick=False):
        client.force_login(duty.w.commander)
        page = client.get(reverse("dispatch:board")).content.decode()
        assert 'data-testid="acting-grant-form"' in page
        client.post(reverse("dispatch:acting-grant-create"), {
            "user": duty.off_director.pk, "starts_at": "2026-11-18T09:00", "ends_at": "2026-11-18T18:00",
            "reason": "值班主任生病"})
    grant = ActingGrant.objects.get()
    assert (grant.user, grant.granted_by, grant.reason) == (duty.off_director, duty.w.commander, "值班主任生病")
    page = _board(client, duty.off_director)
    assert 'data-testid="acting-grant"' in page and "值班主任生病" in page
    assert 'data-testid="dispatch-form"' in page and 'data-testid="read-only-reason"' not in page
    assert 'data-testid="acting-grant-form"' not in page
    # withdrawn on the board
    with time_machine.travel(NOW, tick=False):
        client.force_login(duty.w.commander)
        client.post(reverse("dispatch:acting-grant-revoke", args=[grant.pk]))
    grant.refresh_from_db()
    assert grant.revoked_by == duty.w.commander
    assert 'data-testid="dispatch-disabled"' in _board(client, duty.off_director)
    # the director may not grant himself
    with time_machine.travel(NOW, tick=False):
        client.force_login(duty.off_director)
        client.post(reverse("dispatch:acting-grant-create"), {
            "user": duty.off_director.pk, "starts_at": "2026-11-18T09:00", "ends_at": "2026-11-18T18:00",
            "reason": "自己"})
    assert ActingGrant.objects.count() == 1


# --- the rest of the loop, and the record of a grant ------------------------------------------------
def test_an_off_duty_director_neither_verifies_nor_revisits_nor_closes(duty):
    case = duty.w.case(status="reported")
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(PermissionDeniedError, match="不在值班"):
            svc.case_verify(actor=duty.off_director, case=case, passed=True)
        with pytest.raises(PermissionDeniedError, match="不在值班"):
            svc.case_revisit(actor=duty.off_director, case=case, resolved="yes", satisfaction="satisfied")
        from dispatch.services.closing import may_follow_up

        assert not may_follow_up(actor=duty.off_director, case=case)
        assert may_follow_up(actor=duty.w.director, case=case)
        assert svc.case_verify(actor=duty.w.director, case=case, passed=True)


def test_an_off_duty_district_director_does_not_act_through_a_town_that_keeps_no_roster(duty):
    town = CenterFactory(name="洛阳镇综治中心", level="town", parent=duty.w.center, district=duty.w.center,
                         territory=duty.w.town_grid)
    case = duty.w.case(center=town)
    office = DepartmentFactory(center=town, name="洛阳镇规划建设办", short_code="LYGH")
    with pytest.raises(PermissionDeniedError, match="不在值班"):
        svc.case_dispatch(actor=duty.off_director, case=case, mode="transfer", lead_department=office, now=NOW)


def test_what_is_done_under_a_grant_records_the_grant_on_the_timeline(duty):
    grant = svc.acting_grant_create(actor=duty.w.commander, center=duty.w.center, user=duty.off_director,
                                    starts_at=at(2026, 11, 18, 9), ends_at=at(2026, 11, 18, 18),
                                    reason="值班主任生病", now=at(2026, 11, 18, 9))
    case = duty.w.case()
    duty.dispatch(duty.off_director, case=case)
    event = case.events.get(type="case.dispatched")
    assert (event.data["acting_grant"], event.data["acting_reason"]) == (grant.pk, "值班主任生病")
    on_duty_case = duty.w.case()
    duty.dispatch(duty.w.director, case=on_duty_case)
    assert "acting_grant" not in on_duty_case.events.get(type="case.dispatched").data


def test_acting_grants_through_the_api(duty):
    """GET/POST /api/dispatch/acting-grants/ and .../revoke/: the commander grants and withdraws, the
    person then acts and is refused again; anyone else is refused with a structured body."""
    client = APIClient()
    body = {"user": duty.off_director.pk, "starts_at": "2026-11-18T09:00:00+08:00",
            "ends_at": "2026-11-18T18:00:00+08:00", "reason": "值班主任生病"}
    with time_machine.travel(NOW, tick=False):
        client.force_authenticate(duty.w.director)  # the duty director does not grant
        refused = client.post(reverse("dispatch-api:acting-grants"), body, format="json")
        assert refused.status_code == 403 and "指挥长" in refused.json()["error"]["message"]
        client.force_authenticate(duty.w.commander)
        bad = client.post(reverse("dispatch-api:acting-grants"), {**body, "ends_at": "2026-11-18T08:00:00+08:00"},
                          format="json")
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_period"
        made = client.post(reverse("dispatch-api:acting-grants"), body, format="json")
        assert made.status_code == 201, made.content
        grant = made.json()
        assert (grant["user"]["username"], grant["reason"], grant["revoked_at"]) == ("director_zgj", "值班主任生病", None)
        listed = client.get(reverse("dispatch-api:acting-grants")).json()
        assert [row["id"] for row in listed] == [grant["id"]]
    assert duty.dispatch(duty.off_director)  # he acts under the grant
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        revoked = client.post(reverse("dispatch-api:acting-grant-revoke", args=[grant["id"]]))
        assert revoked.status_code == 200 and revoked.json()["revoked_by"]["username"] == "commander"
        again = client.post(reverse("dispatch-api:acting-grant-revoke", args=[grant["id"]]))
        assert again.status_code == 409 and again.json()["error"]["code"] == "stale_state"
        assert client.post(reverse("dispatch-api:acting-grant-revoke", args=[grant["id"] + 999])).status_code == 404
    with pytest.raises(PermissionDeniedError):
        duty.dispatch(duty.off_director, now=NOW + dt.timedelta(minutes=10))
    client.force_authenticate(duty.w.labour.liaison)  # not a reader of the roster
    assert client.get(reverse("dispatch-api:acting-grants")).status_code == 403


def test_a_page_read_resolves_the_duty_once_and_every_action_afresh(duty, client):
    """A matter's page asks the duty several times (its panel; may it be followed up, revisited …): a GET
    resolves each center's rota once. A POST, and any call outside a request, resolves it each time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dispatch.selectors.duty import duty_resolved_once

    case = duty.w.case()
    with time_machine.travel(NOW, tick=False):
        client.force_login(duty.w.director)  # at the page's time: a session begun at the real clock's could have expired
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("dispatch:work-case", args=[case.pk])).status_code == 200
        rosters = [q for q in page.captured_queries if 'FROM "dispatch_dutyroster"' in q["sql"]]
        assert len(rosters) == 1
        with CaptureQueriesContext(connection) as outside:
            duty_now(center=duty.w.center)
            duty_now(center=duty.w.center)
        assert sum('FROM "dispatch_dutyroster"' in q["sql"] for q in outside.captured_queries) == 2
        with duty_resolved_once(), CaptureQueriesContext(connection) as once:
            first = duty_now(center=duty.w.center)
            assert duty_now(center=duty.w.center) is first
            assert duty_now(center=duty.w.center, at=NOW) is not first  # an explicit time: resolved for it
        assert sum('FROM "dispatch_dutyroster"' in q["sql"] for q in once.captured_queries) == 2
