"""Wartime as a plan that runs (issue 23 item 1): declaring a level tells the plan's people, starts
the leader rota and the standby roster, schedules the first 战时会商, activates the micro-grids of the
grids concerned with their people, raises new high-risk matters a level and lets teams be sent as a
unit; ending releases all of it, and the episode reads as one timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from command.models import Consultation
from dispatch.choices import CommandRole, DispatchEventType, WartimeEventType
from dispatch.models import (
    CommandAssignment,
    EpisodeEvent,
    Notification,
    TeamDeployment,
    WartimeEpisode,
    WartimePlan,
    WartimePlanLeader,
    WartimePlanStandby,
    WartimePlanTeam,
)
from dispatch.selectors.wartime import wartime_for_board, wartime_rota, wartime_standby, wartime_told
from dispatch.services import mode_declare_wartime, mode_end_wartime
from dispatch.services.wartime import wartime_rota_swap, wartime_standby_swap, wartime_team_send
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Department
from governance.roles import Role
from governance.tests.factories import DepartmentFactory, GridFactory, UserFactory
from grid.models import GridAssignment
from grid.services.reports import grid_report_submit
from grid.tests.conftest import at, territory, today  # noqa: F401 (fixtures)
from intake.choices import RiskLevel
from intake.models import CaseEvent, Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(territory):  # noqa: F811 (the grid fixture, imported above)
    t = territory
    commander = UserFactory(roles=[Role.COMMANDER], profile={"center": t.district})
    deputy = UserFactory(roles=[Role.DEPUTY_COMMANDER], profile={"center": t.district})
    for role, user in ((CommandRole.COMMANDER, commander), (CommandRole.DEPUTY_COMMANDER, deputy)):
        CommandAssignment.objects.create(center=t.district, role=role, user=user, valid_from=dt.date(2024, 1, 1))
    leader_a, leader_b = (UserFactory(roles=[Role.LEADER], profile={"center": t.district}) for _ in range(2))
    emergency = DepartmentFactory(center=t.district, name="执法应急局", short_code="ZFYJ")
    liaison = UserFactory(roles=[Role.DEPARTMENT_LIAISON], profile={"center": t.district, "department": emergency})
    in_charge = UserFactory(roles=[Role.LEADER], profile={"center": t.district})
    Department.objects.filter(pk=emergency.pk).update(liaison=liaison, leader_in_charge=in_charge)
    standby = UserFactory(roles=[Role.DEPARTMENT_HANDLER], profile={"center": t.district, "department": emergency})
    colleague = UserFactory(roles=[Role.DEPARTMENT_HANDLER], first_name="苏建明", last_name="",
                            profile={"center": t.district, "department": emergency, "phone": "13900000009"})
    wartime_plan = WartimePlan.objects.create(center=t.district, level=2, name="防台风二级响应预案")
    wartime_plan.grids.set([t.village_grid])
    WartimePlanLeader.objects.create(plan=wartime_plan, position=1, user=leader_a)
    WartimePlanLeader.objects.create(plan=wartime_plan, position=2, user=leader_b)
    WartimePlanStandby.objects.create(plan=wartime_plan, department=emergency, person=standby, phone="13900000001")
    team = WartimePlanTeam.objects.create(plan=wartime_plan, department=emergency, name="应急处突支援工作队",
                                          leader=liaison, size=12)
    micro = GridFactory(code="35059910020300101", name="上浦村第1网格海堤微网格", level="micro", parent=t.unit,
                        town=t.town_grid, active=False)
    keeper = UserFactory(roles=[Role.GRID_WORKER], first_name="林海生", last_name="", profile={"center": t.district})
    GridAssignment.objects.create(grid=micro, worker=keeper, starts_on=dt.date(2026, 1, 1), wartime_only=True)
    return {"t": t, "commander": commander, "deputy": deputy, "leaders": [leader_a, leader_b], "liaison": liaison,
            "in_charge": in_charge, "standby": standby, "colleague": colleague, "team": team, "micro": micro, "keeper": keeper,
            "emergency": emergency}


def _declare(p, hour=16):
    return mode_declare_wartime(actor=p["commander"], center=p["t"].district, level=2, reason="橙色台风预警",
                                now=at(2026, 9, 1, hour))


def test_declaring_tells_the_plan_and_starts_rota_standby_meeting_and_micro_grids(plan):
    p = plan
    mode = _declare(p)
    episode = WartimeEpisode.objects.get(declared=mode)
    told = {row.person for row in wartime_told(episode=episode, dedupe_key=f"wartime:{episode.pk}:declared")}
    assert {p["commander"], p["deputy"], p["liaison"], p["in_charge"], p["standby"], *p["leaders"],
            p["t"].town_dispatcher} <= told
    assert p["t"].worker not in told
    # by the channels on file: in the app and outside it (an SMS row even without a number on file)
    assert set(Notification.objects.filter(dedupe_key=f"wartime:{episode.pk}:declared", recipient=p["commander"])
               .values_list("channel", flat=True)) >= {"in_app", "sms"}

    rota = wartime_rota(episode=episode, at=at(2026, 9, 1, 17))
    assert [(s.leader, s.starts_at, s.current) for s in rota[:3]] == [
        (p["leaders"][0], at(2026, 9, 1, 16), True), (p["leaders"][1], at(2026, 9, 2, 4), False),
        (p["leaders"][0], at(2026, 9, 2, 16), False)]
    assert episode.standby == [{"department": p["emergency"].pk, "person": p["standby"].pk, "phone": "13900000001"}]

    meeting = Consultation.objects.get(pk=episode.consultation_id)
    assert (meeting.scheduled_at, meeting.chair, meeting.place) == (at(2026, 9, 1, 17), p["commander"], "指挥中心")
    assert {p["deputy"], *p["leaders"], p["standby"]} <= {i.user for i in meeting.invitations.all()}

    p["micro"].refresh_from_db()
    assert p["micro"].active
    assert Notification.objects.filter(recipient=p["keeper"], kind="mode.micro_grid_activated").exists()
    assert list(EpisodeEvent.objects.filter(episode=episode).values_list("type", flat=True)) == [
        WartimeEventType.DECLARED, WartimeEventType.NOTIFIED, WartimeEventType.ROTA_STARTED,
        WartimeEventType.STANDBY_STARTED, WartimeEventType.CONSULTATION_SCHEDULED,
        WartimeEventType.MICRO_GRIDS_ACTIVATED]
    activated = EpisodeEvent.objects.get(episode=episode, type=WartimeEventType.MICRO_GRIDS_ACTIVATED)
    assert activated.data["people"] == {str(p["micro"].pk): ["林海生"]}


def test_micro_grids_outside_the_plans_grids_stay_inactive(plan):
    p = plan
    other_village = GridFactory(code="350599100204", name="玉田村", level="village", parent=p["t"].town_grid,
                                town=p["t"].town_grid)
    other_micro = GridFactory(code="35059910020400101", name="别村微网格", level="micro", parent=other_village,
                              town=p["t"].town_grid, active=False)
    _declare(p)
    other_micro.refresh_from_db()
    assert not other_micro.active


def test_declaring_twice_starts_one_episode_and_tells_once(plan):
    p = plan
    _declare(p)
    sent = Notification.objects.count()
    with pytest.raises(ApplicationError, match="已处于战时状态"):
        _declare(p, hour=17)
    assert WartimeEpisode.objects.count() == 1
    assert Consultation.objects.count() == 1
    assert Notification.objects.count() == sent


def _report(p, risk, key, hour):
    category = Category.objects.get(code="JF10")
    report, _ = grid_report_submit(actor=p["t"].worker, grid=p["t"].unit, client_key=key, category=category,
                                   title="渔民拒不转移", description="一户渔民拒绝撤离易涝房屋。", risk_level=risk,
                                   now=at(2026, 9, 1, hour))
    return report.case


def test_new_high_risk_matter_is_raised_a_level_in_wartime_only(plan):
    p = plan
    before = _report(p, RiskLevel.HIGH, "before", 15)
    assert before.risk_level == RiskLevel.HIGH
    _declare(p)
    raised = _report(p, RiskLevel.HIGH, "raised", 16)
    low = _report(p, RiskLevel.LOW, "low", 16)
    raised.refresh_from_db()
    low.refresh_from_db()
    assert (raised.risk_level, raised.center) == (RiskLevel.MAJOR, p["t"].district)
    assert (low.risk_level, low.center) == (RiskLevel.LOW, p["t"].village)
    event = CaseEvent.objects.get(case=raised, type=DispatchEventType.CASE_WARTIME_RAISED)
    assert (event.data["from_risk"], event.data["to_risk"]) == (RiskLevel.HIGH, RiskLevel.MAJOR)
    assert not CaseEvent.objects.filter(case__in=[before, low], type=DispatchEventType.CASE_WARTIME_RAISED).exists()
    assert EpisodeEvent.objects.filter(type=WartimeEventType.CASE_RAISED, data__case=raised.pk).count() == 1
    assert Notification.objects.filter(recipient=p["commander"], kind="mode.case_raised",
                                       channel="in_app").count() == 1


def test_a_village_matter_is_raised_to_the_town(plan):
    from dispatch.services.wartime import wartime_case_raise
    from intake.tests.factories import CaseFactory

    p = plan
    _declare(p)
    case = CaseFactory(center=p["t"].village, risk_level=RiskLevel.HIGH)
    assert wartime_case_raise(case=case, now=at(2026, 9, 1, 16, 30))
    case.refresh_from_db()
    assert (case.center, case.risk_level) == (p["t"].town, RiskLevel.MAJOR)


def test_ending_releases_rota_standby_micro_grids_and_teams_on_one_timeline(plan):
    p = plan
    mode = _declare(p)
    case = _report(p, RiskLevel.HIGH, "family", 16)
    deployment = wartime_team_send(actor=p["commander"], center=p["t"].district, team=p["team"], case=case,
                                   note="劝导转移", now=at(2026, 9, 1, 16, 40))
    with pytest.raises(ApplicationError, match="已在派驻中"):
        wartime_team_send(actor=p["commander"], center=p["t"].district, team=p["team"], now=at(2026, 9, 1, 16, 41))
    mode_end_wartime(actor=p["commander"], center=p["t"].district, reason="预警解除", now=at(2026, 9, 2, 10))
    episode = WartimeEpisode.objects.get(declared=mode)
    deployment.refresh_from_db()
    p["micro"].refresh_from_db()
    assert (episode.ended_at, deployment.released_at, p["micro"].active) == (at(2026, 9, 2, 10), at(2026, 9, 2, 10),
                                                                            False)
    assert list(EpisodeEvent.objects.filter(episode=episode).values_list("type", flat=True)) == [
        WartimeEventType.DECLARED, WartimeEventType.NOTIFIED, WartimeEventType.ROTA_STARTED,
        WartimeEventType.STANDBY_STARTED, WartimeEventType.CONSULTATION_SCHEDULED,
        WartimeEventType.MICRO_GRIDS_ACTIVATED, WartimeEventType.CASE_RAISED, WartimeEventType.TEAM_SENT,
        WartimeEventType.TEAM_RELEASED, WartimeEventType.MICRO_GRIDS_RELEASED, WartimeEventType.RELEASED,
        WartimeEventType.ENDED]
    types = list(CaseEvent.objects.filter(case=case).order_by("occurred_at", "pk").values_list("type", flat=True))
    assert types[-3:] == [DispatchEventType.CASE_WARTIME_RAISED, DispatchEventType.CASE_TEAM_SENT,
                          DispatchEventType.CASE_TEAM_RELEASED]
    # the rota stops at the end: shifts up to 10:00 the next day, the second one cut short
    rota = wartime_rota(episode=episode, at=at(2026, 9, 3, 12))
    assert [(s.starts_at, s.ends_at) for s in rota] == [(at(2026, 9, 1, 16), at(2026, 9, 2, 4)),
                                                         (at(2026, 9, 2, 4), at(2026, 9, 2, 10))]
    assert Notification.objects.filter(dedupe_key=f"wartime:{episode.pk}:ended", recipient=p["standby"]).exists()
    assert TeamDeployment.objects.filter(released_at__isnull=True).count() == 0


def test_rota_swap_exchanges_two_shifts(plan):
    p = plan
    mode = _declare(p)
    episode = WartimeEpisode.objects.get(declared=mode)
    wartime_rota_swap(actor=p["commander"], center=p["t"].district, first=1, second=2, reason="出差",
                      now=at(2026, 9, 1, 18))
    rota = wartime_rota(episode=episode, at=at(2026, 9, 1, 18))
    assert [s.leader for s in rota[:3]] == [p["leaders"][0], p["leaders"][0], p["leaders"][1]]
    with pytest.raises(ApplicationError, match="已结束的班次"):
        wartime_rota_swap(actor=p["commander"], center=p["t"].district, first=0, second=3, reason="x",
                          now=at(2026, 9, 2, 5))


def test_standby_swap_hands_over_to_a_colleague_recorded_told_and_on_the_board(plan, django_capture_on_commit_callbacks):
    """值班备勤调换 the way of the rota's swaps: the commander (or the department's own liaison) hands the
    standby of 执法应急局 to a colleague of the department, with a reason; the episode's timeline says so,
    the person out, the colleague and the liaison are told, the board shows the colleague."""
    p = plan
    mode = _declare(p)
    episode = WartimeEpisode.objects.get(declared=mode)
    with django_capture_on_commit_callbacks(execute=True):
        swap = wartime_standby_swap(actor=p["commander"], center=p["t"].district, person_out=p["standby"],
                                    person_in=p["colleague"], reason="随支援工作队出发", now=at(2026, 9, 1, 17))
    assert (swap.department, swap.phone, swap.entered_by) == (p["emergency"], "13900000009", p["commander"])
    rows = wartime_standby(episode=episode)
    assert [(r.department, r.person, r.phone, r.swapped) for r in rows] == [
        (p["emergency"], p["colleague"], "13900000009", True)]
    board = wartime_for_board(center=p["t"].district, at=at(2026, 9, 1, 17))
    assert board is not None and board.standby[0].person == p["colleague"]
    event = EpisodeEvent.objects.get(episode=episode, type=WartimeEventType.STANDBY_SWAPPED)
    assert "随支援工作队出发" in event.summary and event.actor == p["commander"]
    told = set(Notification.objects.filter(dedupe_key=f"wartime:standby:{swap.pk}").values_list("recipient", flat=True))
    assert told == {p["standby"].pk, p["colleague"].pk, p["liaison"].pk}
    # the department's liaison swaps it back (its own department); the person out is now the colleague
    back = wartime_standby_swap(actor=p["liaison"], center=p["t"].district, person_out=p["colleague"],
                                person_in=p["standby"], reason="已返回", phone="13900000001", now=at(2026, 9, 1, 20))
    assert [(r.person, r.phone) for r in wartime_standby(episode=episode)] == [(p["standby"], "13900000001")]
    assert back.entered_by == p["liaison"]


def test_standby_swap_refusals(plan):
    p = plan
    district = p["t"].district
    with pytest.raises(ApplicationError, match="当前不是战时状态"):
        wartime_standby_swap(actor=p["commander"], center=district, person_out=p["standby"],
                             person_in=p["colleague"], reason="x", now=at(2026, 9, 1, 15))
    _declare(p)
    cases = [
        (p["t"].worker, p["standby"], p["colleague"], "x", PermissionDeniedError, "只有指挥长、副指挥长、值班的轮值主任"),
        (p["commander"], p["colleague"], p["standby"], "x", ApplicationError, "不在本次值班备勤名单中"),
        (p["commander"], p["standby"], p["keeper"], "x", ApplicationError, "须是执法应急局的在岗人员"),
        (p["commander"], p["standby"], p["standby"], "x", ApplicationError, "请选择另一位接替人员"),
        (p["commander"], p["standby"], p["colleague"], "  ", ApplicationError, "调换原因"),
    ]
    for actor, out, into, reason, error, message in cases:
        with pytest.raises(error, match=message):
            wartime_standby_swap(actor=actor, center=district, person_out=out, person_in=into, reason=reason,
                                 now=at(2026, 9, 1, 17))
    assert not EpisodeEvent.objects.filter(type=WartimeEventType.STANDBY_SWAPPED).exists()


def test_standby_swap_on_the_page(plan, client):
    p = plan
    _declare(p)
    client.force_login(p["liaison"])
    page = client.get(reverse("dispatch:wartime")).content.decode()
    assert 'data-testid="standby-swap-form"' in page and 'data-testid="rota-swap-form"' not in page
    page = client.post(reverse("dispatch:wartime-standby-swap"), {
        "person_out": p["standby"].pk, "person_in": p["keeper"].pk, "reason": "出差"}, follow=True).content.decode()
    assert "接替人员须是该部门的在岗人员" in page
    page = client.post(reverse("dispatch:wartime-standby-swap"), {
        "person_out": p["standby"].pk, "person_in": p["colleague"].pk, "reason": "出差"}, follow=True).content.decode()
    assert "值班备勤已调换" in page and "苏建明" in page
    client.force_login(p["in_charge"])  # leader in charge of the department: its own row only
    assert 'data-testid="standby-swap-form"' in client.get(reverse("dispatch:wartime")).content.decode()
    client.force_login(p["leaders"][0])  # a rota leader: reads, does not swap
    assert 'data-testid="standby-swap-form"' not in client.get(reverse("dispatch:wartime")).content.decode()


def test_only_the_commanders_declare_and_only_on_duty_directors_send_teams(plan):
    p = plan
    with pytest.raises(PermissionDeniedError, match="只有指挥长、副指挥长可以进行平战转换"):
        mode_declare_wartime(actor=p["liaison"], center=p["t"].district, level=2, reason="x", now=at(2026, 9, 1, 16))
    _declare(p)
    with pytest.raises(PermissionDeniedError, match="只有指挥长、副指挥长可以进行平战转换"):
        mode_end_wartime(actor=p["t"].director, center=p["t"].district, reason="x", now=at(2026, 9, 1, 17))
    with pytest.raises(PermissionDeniedError, match="只有指挥长、副指挥长或值班的轮值主任"):
        wartime_team_send(actor=p["liaison"], center=p["t"].district, team=p["team"], now=at(2026, 9, 1, 17))
    # another department is on duty: the district's duty director is off duty and may not send a team
    from dispatch.models import DutyRoster, DutyRosterSlot, DutyTeam

    roster = DutyRoster.objects.create(center=p["t"].district, name="轮值", start_date=dt.date(2026, 1, 1))
    other = DepartmentFactory(center=p["t"].district, name="公安分局", short_code="GA")
    DutyRosterSlot.objects.create(roster=roster, position=0, department=other)
    DutyTeam.objects.create(department=other, main_director=UserFactory(roles=[Role.DUTY_DIRECTOR]))
    with pytest.raises(PermissionDeniedError):
        wartime_team_send(actor=p["t"].director, center=p["t"].district, team=p["team"], now=at(2026, 9, 1, 17))
    assert not TeamDeployment.objects.exists()


def test_page_shows_the_episode_and_refuses_grid_workers(plan, client):
    p = plan
    _declare(p)
    client.force_login(p["liaison"])
    page = client.get(reverse("dispatch:wartime")).content.decode()
    assert "二级响应" in page and "上浦村第1网格海堤微网格" in page and "林海生" in page and "首次战时会商" in page
    client.force_login(p["t"].worker)
    assert client.get(reverse("dispatch:wartime")).status_code == 403
