"""Duty attendance (issue 23, 6): the screen's minute code, signing in and out, the dispatcher's
confirmation, the figures counted from the signs (by hand), and the summons check-in at the center or
remote. Time is frozen; nothing depends on today's date."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from dispatch import services as svc
from dispatch.choices import DutyPost, DutyRole, ReportInPlace, SignMethod
from dispatch.models import DutySign
from dispatch.selectors.attendance import attendance_code, attendance_code_matches, shifts_kept_and_missed
from dispatch.services.attendance import IN, OUT, duty_sign_confirm, duty_sign_in, duty_sign_out
from dispatch.tests.factories import DutyRosterFactory, DutyTeamFactory
from dispatch.tests.factories_work import World
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Profile, Stationing

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int = 8, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2025, 11, day, hour, minute, second, tzinfo=TZ)


@pytest.fixture
def world(db):
    """Mon 3 – Sun 9 November 2025 (no holiday): a daily rotation ZGJ, GA from Monday 3 November; ZGJ's
    director and deputy, GA's director; GA stationed on Tuesdays."""
    w = World()
    w.zgj_team = DutyTeamFactory(department=w.zgj)
    w.ga_team = DutyTeamFactory(department=w.police, without_deputy=True)
    DutyRosterFactory(center=w.center, start_date=dt.date(2025, 11, 3), departments=[w.zgj, w.police])
    Stationing.objects.create(center=w.center, department=w.police, weekday=Stationing.Weekday.TUESDAY,
                              valid_from=dt.date(2025, 1, 1))
    return w


def sign_in(person, world, when):
    return duty_sign_in(actor=person, center=world.center, code=attendance_code(center=world.center, at=when), now=when)


def test_the_code_changes_every_minute_and_the_previous_minute_is_accepted(world):
    code = attendance_code(center=world.center, at=at(3, 8, 30, 5))
    assert len(code) == 6 and code.isdigit()
    assert code == attendance_code(center=world.center, at=at(3, 8, 30, 59))
    assert code != attendance_code(center=world.center, at=at(3, 8, 31, 0))
    assert attendance_code_matches(center=world.center, code=code, at=at(3, 8, 31, 40))
    assert not attendance_code_matches(center=world.center, code=code, at=at(3, 8, 32, 0))
    assert not attendance_code_matches(center=world.center, code="12345", at=at(3, 8, 30))


def test_the_director_on_duty_signs_in_once_and_out(world):
    director = world.zgj_team.main_director  # Monday 3 November is ZGJ's
    signs = sign_in(director, world, at(3, 8, 20))
    again = sign_in(director, world, at(3, 8, 25))  # a double press: the same row, the first time
    assert [s.pk for s in signs] == [s.pk for s in again] and DutySign.objects.count() == 1
    sign = signs[0]
    assert (sign.post, sign.department, sign.role, sign.in_method) == (DutyPost.DIRECTOR, world.zgj, DutyRole.MAIN,
                                                                      SignMethod.CODE)
    assert sign.signed_in_at == at(3, 8, 20) and sign.minutes_late == 0
    with pytest.raises(ApplicationError) as wrong:
        duty_sign_out(actor=director, center=world.center, code="000000", now=at(3, 17, 40))
    assert wrong.value.code == "invalid_code" and "签到码不正确" in wrong.value.message
    out = duty_sign_out(actor=director, center=world.center, code=attendance_code(center=world.center, at=at(3, 17, 40)),
                        now=at(3, 17, 40))
    assert out[0].signed_out_at == at(3, 17, 40) and out[0].out_method == SignMethod.CODE


def test_someone_not_on_the_shift_is_refused_in_chinese(world):
    with pytest.raises(ApplicationError) as refused:
        sign_in(world.ga_team.main_director, world, at(3, 8, 20))  # Monday is ZGJ's, not GA's
    assert refused.value.code == "not_on_shift"
    assert "不在本中心的值班或轮驻安排中" in refused.value.message and "资规建交局" in refused.value.message
    assert not DutySign.objects.exists()


def test_the_dispatcher_confirms_a_person_present_and_gone_never_himself(world):
    deputy = world.zgj_team.deputy_director
    signs = duty_sign_confirm(actor=world.dispatcher, center=world.center, person=deputy, direction=IN,
                              now=at(3, 9, 10))
    assert (signs[0].role, signs[0].in_method, signs[0].in_confirmed_by) == (DutyRole.DEPUTY, SignMethod.CONFIRMED,
                                                                           world.dispatcher)
    assert signs[0].minutes_late == 40  # the shift starts at 08:30
    gone = duty_sign_confirm(actor=world.dispatcher, center=world.center, person=deputy, direction=OUT,
                             now=at(3, 12, 0))
    assert gone[0].out_confirmed_by == world.dispatcher
    with pytest.raises(PermissionDeniedError):
        duty_sign_confirm(actor=world.police.liaison, center=world.center, person=deputy, direction=IN,
                          now=at(3, 9, 10))


def test_a_stationed_department_signs_in_on_its_day_only(world):
    liaison = world.police.liaison
    with pytest.raises(ApplicationError):
        sign_in(liaison, world, at(3, 8, 20))  # Monday: GA is not stationed
    signs = sign_in(liaison, world, at(4, 8, 40))  # Tuesday
    assert (signs[0].post, signs[0].department, signs[0].minutes_late) == (DutyPost.STATIONED, world.police, 10)


def test_kept_late_and_missed_come_from_the_signs_by_hand(world):
    """The plan for 3–7 November: ZGJ on 3, 5, 7; GA on 4, 6; GA stationed on Tuesday 4.
    Signs: ZGJ's director on 3 (08:20), its deputy on 5 (08:45, late 15 minutes); GA's director on 4
    (confirmed, 08:00); GA's liaison stationed on 4. Counted on Friday 7 at 10:00: ZGJ kept 2, late 1,
    missed 0 (the 7th is not over); GA kept 1, missed 1 (the 6th); stationed kept 1."""
    sign_in(world.zgj_team.main_director, world, at(3, 8, 20))
    duty_sign_confirm(actor=world.dispatcher, center=world.center, person=world.ga_team.main_director,
                      direction=IN, now=at(4, 8, 0))
    sign_in(world.police.liaison, world, at(4, 8, 10))
    sign_in(world.zgj_team.deputy_director, world, at(5, 8, 45))
    figures = shifts_kept_and_missed(center=world.center, first=dt.date(2025, 11, 1), last=dt.date(2025, 11, 30),
                                     now=at(7, 10))
    counted = {dept: {key: [r.date.day for r in rows] for key, rows in keys.items() if rows}
               for dept, keys in figures.items()}
    assert counted == {
        world.zgj.pk: {"duty_kept": [3, 5], "duty_late": [5]},
        world.police.pk: {"duty_kept": [4], "duty_missed": [6], "stationed_kept": [4]},
    }
    # Saturday 8 is over by Monday 10: ZGJ's 7th (nobody signed) and GA's 8th are missed; 9th is ZGJ's
    later = shifts_kept_and_missed(center=world.center, first=dt.date(2025, 11, 1), last=dt.date(2025, 11, 30),
                                   now=at(10, 10))
    assert [r.date.day for r in later[world.zgj.pk]["duty_missed"]] == [7, 9]
    assert [r.date.day for r in later[world.police.pk]["duty_missed"]] == [6, 8]


def test_a_summons_check_in_without_the_code_is_remote_and_does_not_count(world, django_capture_on_commit_callbacks):
    case = world.case()
    now = at(3, 14, 20)
    summons = svc.summons_request(actor=world.zgj_team.main_director, center=world.center, case=case,
                                  departments=[world.police], reason="堵路", now=now)
    svc.summons_approve(actor=world.deputy, summons=summons, now=now)
    row = summons.departments.select_related("summons", "department").get()
    remote = svc.summons_report_in(actor=world.police.liaison, row=row, now=at(3, 14, 25))
    assert (remote.reported_in_at, remote.remote_at, remote.remote_person) == (None, at(3, 14, 25), world.police.liaison)
    with pytest.raises(ApplicationError) as wrong:
        svc.summons_report_in(actor=world.police.liaison, row=row, code="000000", now=at(3, 14, 30))
    assert wrong.value.code == "invalid_code"
    there = svc.summons_report_in(actor=world.police.liaison, row=row, now=at(3, 14, 38),
                                  code=attendance_code(center=world.center, at=at(3, 14, 38)))
    assert there.reported_in_place == ReportInPlace.CENTER_CODE and there.minutes_late == 0
    assert list(case.events.values_list("type", flat=True)) == [
        "summons.requested", "summons.approved", "summons.department_reported_remote",
        "summons.department_reported_in"]


def test_the_phone_page_signs_in_and_the_screen_shows_the_code(world, client):
    director = world.zgj_team.main_director
    Profile.objects.update_or_create(user=director, defaults={"center": world.center, "department": world.zgj})
    with time_machine.travel(at(3, 8, 15, 10), tick=False):
        client.force_login(director)
        page = client.get(reverse("dispatch:attendance"))
        assert page.status_code == 200 and 'data-testid="sign-form"' in page.content.decode()
        client.post(reverse("dispatch:attendance-sign-in"),
                    {"code": attendance_code(center=world.center, at=at(3, 8, 15))})
        page = client.get(reverse("dispatch:attendance")).content.decode()
        assert 'data-testid="my-sign"' in page and "08:15" in page
        client.force_login(world.dispatcher)
        screen = client.get(reverse("dispatch:attendance-screen")).content.decode()
        assert attendance_code(center=world.center, at=at(3, 8, 15)) in screen and 'content="50"' in screen
        client.force_login(world.police.liaison)
        assert client.get(reverse("dispatch:attendance-screen")).status_code == 403


def test_the_api_signs_in_with_the_code(world):
    from rest_framework.test import APIClient

    liaison = world.police.liaison
    api = APIClient()
    api.force_authenticate(liaison)
    with time_machine.travel(at(4, 8, 5), tick=False):
        refused = api.post(reverse("dispatch-api:attendance-sign-in"), {"code": "000000"}, format="json")
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_code"
        done = api.post(reverse("dispatch-api:attendance-sign-in"),
                        {"code": attendance_code(center=world.center, at=at(4, 8, 5))}, format="json")
    assert done.status_code == 200 and done.json()[0]["post"] == "stationed"


def test_a_shift_through_the_night_is_signed_out_after_midnight(world, client):
    """Monday 3 November is ZGJ's: its director signs in at 08:20 and stays through the night; its deputy
    leaves at 23:50 (frozen then, the same day). At 00:10 on Tuesday 4 (GA's day, nothing for ZGJ) the
    director's sign-out closes Monday's shift, on the phone page; a second press changes nothing."""
    director, deputy = world.zgj_team.main_director, world.zgj_team.deputy_director
    Profile.objects.update_or_create(user=director, defaults={"center": world.center, "department": world.zgj})
    sign_in(director, world, at(3, 8, 20))
    sign_in(deputy, world, at(3, 8, 40))
    with time_machine.travel(at(3, 23, 50), tick=False):
        out = duty_sign_out(actor=deputy, center=world.center, code=attendance_code(center=world.center, at=at(3, 23, 50)))
        assert [(s.date, s.signed_out_at) for s in out] == [(dt.date(2025, 11, 3), at(3, 23, 50))]
    with time_machine.travel(at(4, 0, 10), tick=False):
        client.force_login(director)
        page = client.get(reverse("dispatch:attendance")).content.decode()
        assert 'data-testid="no-post"' in page and "11-03 的班次" in page  # Tuesday is not his, Monday is open
        assert 'data-testid="sign-out"' in page and 'data-testid="sign-in"' not in page
        client.post(reverse("dispatch:attendance-sign-out"), {"code": attendance_code(center=world.center, at=at(4, 0, 10))})
    sign = DutySign.objects.get(person=director)
    assert (sign.date, sign.signed_out_at, sign.out_method) == (dt.date(2025, 11, 3), at(4, 0, 10), SignMethod.CODE)
    again = duty_sign_out(actor=director, center=world.center, now=at(4, 0, 11),
                          code=attendance_code(center=world.center, at=at(4, 0, 11)))
    assert [s.signed_out_at for s in again] == [at(4, 0, 10)] and DutySign.objects.count() == 2
    # the deputy's Monday was closed on Monday: on Wednesday night there is nothing of his to close
    with pytest.raises(ApplicationError) as none:
        duty_sign_out(actor=deputy, center=world.center, now=at(5, 0, 10),
                      code=attendance_code(center=world.center, at=at(5, 0, 10)))
    assert none.value.code == "not_signed_in"
    # By hand, counted on Wednesday 5 at 10:00: ZGJ kept Monday once (two people, one shift, on time), the
    # sign-out after midnight is no sign of Tuesday; GA's Tuesday (its duty and its stationed day), nobody
    # signed in, is missed.
    figures = shifts_kept_and_missed(center=world.center, first=dt.date(2025, 11, 1), last=dt.date(2025, 11, 30),
                                     now=at(5, 10))
    counted = {dept: {key: [r.date.day for r in rows] for key, rows in keys.items() if rows}
               for dept, keys in figures.items()}
    assert counted == {world.zgj.pk: {"duty_kept": [3]}, world.police.pk: {"duty_missed": [4], "stationed_missed": [4]}}


def test_a_shift_forgotten_open_is_not_closed_by_a_later_days_sign_out(world):
    """ZGJ's director signs in on Monday 3 and forgets to sign out; the rotation gives him Wednesday 5
    too. Signing out on Wednesday evening closes Wednesday's shift only; on Thursday morning there is
    nothing of his to close (Wednesday was closed on Wednesday)."""
    director = world.zgj_team.main_director
    sign_in(director, world, at(3, 8, 20))
    sign_in(director, world, at(5, 8, 20))
    out = duty_sign_out(actor=director, center=world.center, now=at(5, 18, 0),
                        code=attendance_code(center=world.center, at=at(5, 18, 0)))
    assert [(s.date, s.signed_out_at) for s in out] == [(dt.date(2025, 11, 5), at(5, 18, 0))]
    assert DutySign.objects.get(person=director, date=dt.date(2025, 11, 3)).signed_out_at is None
    with pytest.raises(ApplicationError) as refused:
        duty_sign_out(actor=director, center=world.center, now=at(6, 9, 0),
                      code=attendance_code(center=world.center, at=at(6, 9, 0)))
    assert refused.value.code == "not_signed_in"


def test_the_screen_is_in_the_menu_of_everyone_the_view_admits(world, client):
    """A village station's dispatcher puts the screen up at the station (no rotation of its own there):
    the view admits him, so the menu shows it; a liaison is refused and does not see it."""
    from governance.choices import CenterLevel
    from governance.navigation import navigation_for
    from governance.tests.factories import CenterFactory, UserFactory

    station = CenterFactory(name="上浦村综治站", level=CenterLevel.VILLAGE, parent=world.center, district=world.center)
    station_dispatcher = UserFactory(roles=["dispatcher"], profile={"center": station})
    for user in (world.dispatcher, world.director, world.commander, station_dispatcher):
        assert "dispatch:attendance-screen" in {item["name"] for item in navigation_for(user)}, user
        client.force_login(user)
        with time_machine.travel(at(3, 9, 0), tick=False):
            assert client.get(reverse("dispatch:attendance-screen")).status_code == 200, user
    assert "dispatch:attendance-screen" not in {item["name"] for item in navigation_for(world.police.liaison)}
