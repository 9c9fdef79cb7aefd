"""Wartime as a plan that runs (seed 000 六, 002 五(一)). Declaring a level starts an episode from
the level's plan: the people on the plan are told by their channels on file, the leader rota and the
standby roster start, the first 战时会商 is scheduled within the hour (review's hook), the grid
activates its micro-grids (the grid's hook, recorded here), new high-risk matters are managed one
level up (提级) and teams are sent as a unit. Ending releases all of it. Every effect is a line of
the episode's own timeline; a matter's changes are on the matter's timeline too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from dispatch import hooks as dispatch_hooks
from dispatch.choices import DispatchEventType, WartimeEventType
from dispatch.links import link_to
from dispatch.models import (
    EpisodeEvent,
    Mode,
    RotaSwap,
    StandbySwap,
    TeamDeployment,
    WartimeEpisode,
    WartimePlanTeam,
)
from dispatch.selectors.duty import DIRECT, require_on_duty
from dispatch.selectors.roster import commanders_on_duty, duty_director_on_duty, users_named
from dispatch.selectors.wartime import (
    declared_dedupe_key,
    ended_dedupe_key,
    rota_leader_ids,
    shift_index_at,
    standby_colleagues,
    wartime_episode_open,
    wartime_plan_for,
    wartime_standby,
)
from dispatch.services.common import SHIFT_REASON_MAX_CHARS, check_text, notify_on_commit
from governance.choices import CenterLevel
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center, Department, Profile
from governance.roles import MAY_DISPATCH, MAY_SWITCH_MODE, Role, may
from intake.choices import EventSource, RiskLevel
from intake.events import case_event_record
from intake.models import Case

# 提级管理: a new matter of these risks is managed one level up while wartime lasts.
RAISED_RISKS = {RiskLevel.HIGH: RiskLevel.MAJOR, RiskLevel.MAJOR: RiskLevel.MAJOR}


def episode_event_record(*, episode: WartimeEpisode, type: str, summary: str, now: dt.datetime,
                         actor: AbstractBaseUser | None = None, data: dict[str, Any] | None = None) -> EpisodeEvent:
    """Append one line to the episode's timeline (the grid records its micro-grids through this)."""
    return EpisodeEvent.objects.create(episode=episode, type=type, actor=actor, summary=summary[:500],
                                       data=data or {}, occurred_at=now)


def _mode_link() -> str:
    return reverse("dispatch:wartime")


def _towns_concerned(center: Center, grid_codes: list[str]) -> list[Center]:
    towns = list(Center.objects.filter(district=center, level=CenterLevel.TOWN, active=True)
                 .select_related("territory").order_by("code"))
    if not grid_codes:
        return towns
    return [town for town in towns if town.territory_id and any(
        code.startswith(town.territory.code) or town.territory.code.startswith(code) for code in grid_codes)]


def _plan_people(*, center: Center, at: dt.datetime, grid_codes: list[str], extra: list[int]) -> list[Any]:
    """Everyone on the wartime plan: commander and deputies, every department's leader in charge and
    liaison, today's duty director and deputy, the directors of the towns concerned, the rota leaders
    and the standby people."""
    command = commanders_on_duty(center=center, at=at)
    day = duty_director_on_duty(center=center, at=at)
    departments = Department.objects.filter(center=center, active=True)
    ids: list[int] = [user.pk for user in [*command.commanders, *command.deputies]]
    ids += [pk for pk in departments.values_list("leader_in_charge_id", flat=True) if pk]
    ids += [pk for pk in (day.director.pk if day.director else None,
                          day.deputy_director.pk if day.deputy_director else None) if pk]
    ids += [pk for pk in departments.values_list("liaison_id", flat=True) if pk]
    towns = _towns_concerned(center, grid_codes)
    ids += list(get_user_model().objects.filter(profile__center__in=towns, groups__name=Role.DUTY_DIRECTOR,
                                                is_active=True).values_list("pk", flat=True))
    ids += extra
    order = list(dict.fromkeys(ids))
    people = get_user_model().objects.in_bulk(order)
    return [people[pk] for pk in order if pk in people and people[pk].is_active]


def wartime_episode_start(*, mode: Mode, actor: AbstractBaseUser) -> WartimeEpisode:
    """Called by the declaration, inside its transaction, with the new wartime `Mode` row."""
    now, center = mode.switched_at, mode.center
    plan = wartime_plan_for(center=center, level=mode.level)
    leader_ids = list(plan.leaders.order_by("position").values_list("user_id", flat=True)) if plan else []
    standby = ([{"department": row.department_id, "person": row.person_id, "phone": row.phone}
                for row in plan.standby.order_by("department__name", "pk")] if plan else [])
    grid_codes = list(plan.grids.values_list("code", flat=True)) if plan else []
    try:
        with transaction.atomic():
            episode = WartimeEpisode.objects.create(
                center=center, declared=mode, plan=plan, level=mode.level, started_at=now,
                leader_shift_hours=plan.leader_shift_hours if plan else 12, leader_ids=leader_ids, standby=standby)
    except IntegrityError:
        raise ApplicationError(gettext("战时响应已在进行中，请刷新后查看。"), code="already_wartime") from None
    level = mode.get_level_display()
    episode_event_record(episode=episode, type=WartimeEventType.DECLARED, actor=actor, now=now,
                         summary=gettext("%(who)s 启动%(level)s：%(reason)s") % {
                             "who": users_named([actor]), "level": level, "reason": mode.reason},
                         data={"mode": mode.pk, "plan": plan.pk if plan else None})
    people = _plan_people(center=center, at=now, grid_codes=grid_codes,
                          extra=[*leader_ids, *(row["person"] for row in standby)])
    notify_on_commit(recipients=people, kind="mode.wartime_declared", urgent=True,
                     title=(gettext("启动%(level)s：%(reason)s") % {"level": level, "reason": mode.reason})[:150],
                     body=gettext("请按战时预案到岗：领导轮值、值班备勤，首次战时会商一小时内召开。"),
                     link=_mode_link(), dedupe_key=declared_dedupe_key(episode), now=now)
    WartimeEpisode.objects.filter(pk=episode.pk).update(notified_ids=[user.pk for user in people])
    episode.notified_ids = [user.pk for user in people]
    episode_event_record(episode=episode, type=WartimeEventType.NOTIFIED, now=now,
                         summary=gettext("通知 %(count)s 人：%(names)s") % {
                             "count": len(people), "names": users_named(people)},
                         data={"people": episode.notified_ids})
    if leader_ids:
        first = get_user_model().objects.filter(pk=leader_ids[0]).first()
        episode_event_record(episode=episode, type=WartimeEventType.ROTA_STARTED, now=now,
                             summary=gettext("领导轮值开始：每班 %(hours)s 小时，首班 %(name)s") % {
                                 "hours": episode.leader_shift_hours, "name": users_named([first])},
                             data={"leaders": leader_ids, "hours": episode.leader_shift_hours})
    if standby:
        episode_event_record(episode=episode, type=WartimeEventType.STANDBY_STARTED, now=now,
                             summary=gettext("值班备勤开始：%(count)s 人") % {"count": len(standby)},
                             data={"standby": standby})
    _schedule_consultation(episode=episode, actor=actor, people=people, leader_ids=leader_ids,
                           standby=standby, now=now)
    return episode


def _schedule_consultation(*, episode: WartimeEpisode, actor: AbstractBaseUser, people: list[Any],
                           leader_ids: list[int], standby: list[dict[str, Any]], now: dt.datetime) -> None:
    minutes = episode.plan.consultation_within_minutes if episode.plan else 60
    at = now + dt.timedelta(minutes=minutes)
    command = commanders_on_duty(center=episode.center, at=now)
    chair = next(iter([*command.commanders, *command.deputies]), actor)
    day = duty_director_on_duty(center=episode.center, at=now)
    invited_ids = {*(u.pk for u in [*command.commanders, *command.deputies]), *leader_ids,
                   *(row["person"] for row in standby),
                   *(u.pk for u in (day.director, day.deputy_director) if u is not None)}
    invitees = [person for person in people if person.pk in invited_ids]
    title = gettext("首次战时会商（%(level)s）") % {"level": episode.get_level_display()}
    consultation_id = dispatch_hooks.wartime_consultation(
        actor=actor, center=episode.center, title=title, scheduled_at=at, chair=chair, invitees=invitees, now=now)
    WartimeEpisode.objects.filter(pk=episode.pk).update(consultation_id=consultation_id)
    episode.consultation_id = consultation_id
    episode_event_record(episode=episode, type=WartimeEventType.CONSULTATION_SCHEDULED, now=now,
                         summary=gettext("%(title)s安排在 %(at)s，主持人 %(chair)s，邀请 %(count)s 人") % {
                             "title": title, "at": f"{timezone.localtime(at):%m-%d %H:%M}",
                             "chair": users_named([chair]), "count": len(invitees)},
                         data={"consultation": consultation_id, "scheduled_at": at.isoformat()})


def wartime_episode_release_teams(*, mode: Mode, actor: AbstractBaseUser) -> WartimeEpisode | None:
    """The first half of ending: every team still out comes back (each matter's timeline says so)."""
    episode = wartime_episode_open(center=mode.center_id)
    if episode is None:
        return None
    now = mode.switched_at
    for deployment in TeamDeployment.objects.filter(episode=episode, released_at__isnull=True).select_related(
            "team", "case"):
        if TeamDeployment.objects.filter(pk=deployment.pk, released_at__isnull=True).update(released_at=now) != 1:
            continue
        episode_event_record(episode=episode, type=WartimeEventType.TEAM_RELEASED, actor=actor, now=now,
                             summary=gettext("%(team)s撤回") % {"team": deployment.team.name},
                             data={"deployment": deployment.pk, "team": deployment.team_id,
                                   "case": deployment.case_id})
        if deployment.case_id:
            case_event_record(case=deployment.case, type=DispatchEventType.CASE_TEAM_RELEASED, actor=actor,
                              data={"team": deployment.team.name, "deployment": deployment.pk,
                                    "reason": gettext("战时响应结束")}, now=now)
    return episode


def wartime_episode_close(*, episode: WartimeEpisode, mode: Mode, actor: AbstractBaseUser) -> WartimeEpisode:
    """The second half of ending, after the grid released its micro-grids: the rota and the standby
    stop, the people told at the start are told it ended, the episode is closed."""
    now = mode.switched_at
    if WartimeEpisode.objects.filter(pk=episode.pk, ended_at__isnull=True).update(ended_at=now, ended=mode) != 1:
        raise ApplicationError(gettext("战时响应已结束，请刷新后查看。"), code="conflict")
    episode.ended_at, episode.ended = now, mode
    episode_event_record(episode=episode, type=WartimeEventType.RELEASED, now=now,
                         summary=gettext("领导轮值、值班备勤结束"),
                         data={"leaders": episode.leader_ids, "standby": episode.standby})
    episode_event_record(episode=episode, type=WartimeEventType.ENDED, actor=actor, now=now,
                         summary=gettext("%(who)s 结束%(level)s：%(reason)s") % {
                             "who": users_named([actor]), "level": episode.get_level_display(),
                             "reason": mode.reason}, data={"mode": mode.pk})
    people = list(get_user_model().objects.filter(pk__in=episode.notified_ids, is_active=True))
    notify_on_commit(recipients=people, kind="mode.wartime_ended", urgent=True,
                     title=(gettext("结束%(level)s，恢复平时：%(reason)s") % {
                         "level": episode.get_level_display(), "reason": mode.reason})[:150],
                     body=gettext("领导轮值、值班备勤、责任网格和支援工作队随之解除。"),
                     link=_mode_link(), dedupe_key=ended_dedupe_key(episode), now=now)
    return episode


# --- the duty director's and commanders' acts while it runs ------------------------------------------
def _require_wartime_command(*, actor: AbstractBaseUser, center: Center, now: dt.datetime, message: str) -> None:
    """The commanders at any time; a duty director (or acting person) only on duty."""
    if may(actor, MAY_SWITCH_MODE):
        return
    if not may(actor, MAY_DISPATCH):
        raise PermissionDeniedError(message)
    require_on_duty(actor=actor, center=center, task=DIRECT, now=now)


def _open_episode(center: Center) -> WartimeEpisode:
    episode = wartime_episode_open(center=center)
    if episode is None:
        raise ApplicationError(gettext("当前不是战时状态。"), code="not_wartime")
    return episode


@transaction.atomic
def wartime_team_send(*, actor: AbstractBaseUser, center: Center, team: WartimePlanTeam, case: Case | None = None,
                      note: str = "", now: dt.datetime | None = None) -> TeamDeployment:
    """Send a plan's support team as a unit (成建制派驻) to a matter; it stays until released at the end."""
    now = now or timezone.now()
    _require_wartime_command(actor=actor, center=center, now=now,
                             message=gettext("只有指挥长、副指挥长或值班的轮值主任可以派驻支援工作队。"))
    episode = _open_episode(center)
    if episode.plan_id is None or team.plan_id != episode.plan_id:
        raise ApplicationError(gettext("请选择本次战时预案中的支援工作队。"), code="invalid_team", field="team")
    if case is not None and case.center.district_center.pk != center.pk:
        raise ApplicationError(gettext("只能派驻到本区的事项。"), code="invalid_case", field="case")
    note = check_text(note, field="note", label=gettext("任务"), max_chars=SHIFT_REASON_MAX_CHARS)
    try:
        with transaction.atomic():
            deployment = TeamDeployment.objects.create(episode=episode, team=team, case=case,
                                                       grid=case.grid if case else None, note=note,
                                                       sent_by=actor, sent_at=now)
    except IntegrityError:
        raise ApplicationError(gettext("%(team)s已在派驻中。") % {"team": team.name}, code="already_sent",
                               field="team") from None
    where = f"{case.code} {case.title}" if case else gettext("指挥中心")
    episode_event_record(episode=episode, type=WartimeEventType.TEAM_SENT, actor=actor, now=now,
                         summary=gettext("%(team)s（%(department)s，%(size)s 人）成建制派驻：%(where)s") % {
                             "team": team.name, "department": team.department.name, "size": team.size,
                             "where": where},
                         data={"deployment": deployment.pk, "team": team.pk, "case": case.pk if case else None})
    if case is not None:
        case_event_record(case=case, type=DispatchEventType.CASE_TEAM_SENT, actor=actor, source=EventSource.WEB,
                          data={"team": team.name, "department": team.department.name, "size": team.size,
                                "deployment": deployment.pk, "note": note}, now=now)
    notify_on_commit(recipients=[team.leader, team.department.liaison], kind="mode.team_sent", urgent=True,
                     title=(gettext("%(team)s立即成建制派驻：%(where)s") % {"team": team.name, "where": where})[:150],
                     body=note, link=link_to("work-case", case.pk) if case else _mode_link(),
                     dedupe_key=f"wartime:team:{deployment.pk}:sent", now=now)
    return deployment


# --- swaps of the rota and of the standby roster (like the duty roster's): one way for both ------------
def _swap_begin(*, actor: AbstractBaseUser, center: Center, now: dt.datetime, reason: str, message: str,
                department: Department | None = None) -> tuple[WartimeEpisode, str]:
    """Who may swap and what every swap needs: the commanders at any time, a duty director (or acting
    person) on duty; for a department's own standby also its liaison or leader in charge (the department
    knows who is free, as a duty director swaps his own team's days). The episode in force, a reason."""
    own = department is not None and actor.pk in (department.liaison_id, department.leader_in_charge_id)
    if not own:
        _require_wartime_command(actor=actor, center=center, now=now, message=message)
    episode = _open_episode(center)
    reason = check_text(reason, field="reason", label=gettext("调换原因"), max_chars=SHIFT_REASON_MAX_CHARS,
                        required=True)
    return episode, reason


def _swap_told(*, episode: WartimeEpisode, actor: AbstractBaseUser, now: dt.datetime, type: str, summary: str,
               data: dict[str, Any], people: list[Any], kind: str, title: str, reason: str, dedupe_key: str) -> None:
    """A swap on the episode's timeline, and the people it moves told (by their channels on file)."""
    episode_event_record(episode=episode, type=type, actor=actor, now=now, summary=summary, data=data)
    notify_on_commit(recipients=people, kind=kind, title=title[:150], body=reason, link=_mode_link(),
                     dedupe_key=dedupe_key, now=now)


@transaction.atomic
def wartime_rota_swap(*, actor: AbstractBaseUser, center: Center, first: int, second: int, reason: str,
                      now: dt.datetime | None = None) -> RotaSwap:
    """Exchange the leaders of two shifts of the running rota (neither may have ended)."""
    now = now or timezone.now()
    episode, reason = _swap_begin(actor=actor, center=center, now=now, reason=reason,
                                  message=gettext("只有指挥长、副指挥长或值班的轮值主任可以调换领导轮值。"))
    current = shift_index_at(episode=episode, at=now)
    if first == second:
        raise ApplicationError(gettext("请选择两个不同的班次。"), code="same_shift", field="second")
    if min(first, second) < current:
        raise ApplicationError(gettext("已结束的班次不能再调换。"), code="shift_in_past", field="first")
    ids, _ = rota_leader_ids(episode=episode, shifts=max(first, second) + 1)
    if ids[first] == ids[second]:
        raise ApplicationError(gettext("两个班次为同一位领导，无需调换。"), code="same_leader", field="second")
    swap = RotaSwap.objects.create(episode=episode, first=first, second=second, reason=reason, entered_by=actor,
                                   entered_at=now)
    people = list(get_user_model().objects.filter(pk__in=[ids[first], ids[second]]))
    _swap_told(episode=episode, actor=actor, now=now, type=WartimeEventType.ROTA_SWAPPED,
               summary=gettext("领导轮值第 %(a)s 班与第 %(b)s 班调换（%(names)s）：%(reason)s") % {
                   "a": first + 1, "b": second + 1, "names": users_named(people), "reason": reason},
               data={"first": first, "second": second, "leaders": [ids[first], ids[second]]},
               people=people, kind="mode.rota_swapped",
               title=gettext("领导轮值调换：第 %(a)s 班与第 %(b)s 班") % {"a": first + 1, "b": second + 1},
               reason=reason, dedupe_key=f"wartime:rota:{swap.pk}")
    return swap


@transaction.atomic
def wartime_standby_swap(*, actor: AbstractBaseUser, center: Center, person_out: AbstractBaseUser,
                         person_in: AbstractBaseUser, reason: str, phone: str = "",
                         now: dt.datetime | None = None) -> StandbySwap:
    """A department's person on standby hands it over to a colleague of the same department (值班备勤调换)
    while the episode runs: the board and the page show the colleague from then on; both, and the
    department's liaison, are told. `phone` left empty: the colleague's phone on file."""
    now = now or timezone.now()
    episode = _open_episode(center)
    row = next((row for row in wartime_standby(episode=episode)
                if row.person is not None and row.person.pk == person_out.pk), None)
    if row is None or row.department is None:
        raise ApplicationError(gettext("所选人员不在本次值班备勤名单中（或已调换给他人）。"), code="not_on_standby",
                               field="person_out")
    department = row.department
    episode, reason = _swap_begin(actor=actor, center=center, now=now, reason=reason, department=department,
                                  message=gettext("只有指挥长、副指挥长、值班的轮值主任或本部门联络员、分管领导可以调换值班备勤。"))
    if person_in.pk == person_out.pk:
        raise ApplicationError(gettext("请选择另一位接替人员。"), code="same_person", field="person_in")
    if not standby_colleagues(department_ids=[department.pk]).filter(pk=person_in.pk).exists():
        raise ApplicationError(gettext("接替人员须是%(department)s的在岗人员。") % {"department": department.name},
                               code="not_department_staff", field="person_in")
    if any(other.department is not None and other.department.pk == department.pk and other.person is not None
           and other.person.pk == person_in.pk for other in wartime_standby(episode=episode)):
        raise ApplicationError(gettext("%(name)s已在值班备勤名单中。") % {"name": users_named([person_in])},
                               code="already_on_standby", field="person_in")
    phone = check_text(phone, field="phone", label=gettext("备勤电话"), max_chars=30)
    if not phone:
        phone = Profile.objects.filter(user=person_in).values_list("phone", flat=True).first() or ""
    swap = StandbySwap.objects.create(episode=episode, department=department, person_out=person_out,
                                      person_in=person_in, phone=phone, reason=reason, entered_by=actor,
                                      entered_at=now)
    names = {"department": department.name, "out": users_named([person_out]), "in": users_named([person_in])}
    people = [person_out, person_in, *([department.liaison] if department.liaison_id else [])]
    _swap_told(episode=episode, actor=actor, now=now, type=WartimeEventType.STANDBY_SWAPPED,
               summary=gettext("%(department)s值班备勤由 %(out)s 调换为 %(in)s：%(reason)s") % {**names, "reason": reason},
               data={"department": department.pk, "person_out": person_out.pk, "person_in": person_in.pk,
                     "phone": phone, "swap": swap.pk},
               people=people, kind="mode.standby_swapped",
               title=gettext("值班备勤调换：%(department)s %(out)s → %(in)s") % names,
               reason=reason, dedupe_key=f"wartime:standby:{swap.pk}")
    return swap


def wartime_case_raise(*, case: Case, now: dt.datetime) -> bool:
    """提级管理, on a matter's arrival on a dispatch queue while wartime lasts: a high or major risk is
    raised a level (high becomes major) and, below the district, goes to the center above; the
    commanders on duty are told. Returns whether the matter was raised."""
    if case.risk_level not in RAISED_RISKS:
        return False
    episode = wartime_episode_open(center=case.center)
    if episode is None:
        return False
    from_center = case.center
    to_center = from_center.parent if from_center.level != CenterLevel.DISTRICT and from_center.parent_id \
        else from_center
    to_risk = RAISED_RISKS[case.risk_level]
    if Case.objects.filter(pk=case.pk, risk_level=case.risk_level, center=from_center).update(
            risk_level=to_risk, center=to_center, updated_at=now) != 1:
        return False
    data = {"from_risk": case.risk_level, "to_risk": to_risk, "from_center": from_center.pk,
            "to_center": to_center.pk, "episode": episode.pk, "level": episode.level}
    case.risk_level, case.center = to_risk, to_center
    case_event_record(case=case, type=DispatchEventType.CASE_WARTIME_RAISED, actor=None, source=EventSource.TASK,
                      data=data, now=now)
    episode_event_record(episode=episode, type=WartimeEventType.CASE_RAISED, now=now,
                         summary=gettext("%(code)s %(title)s 提级管理：风险 %(risk)s，由%(center)s办理") % {
                             "code": case.code, "title": case.title, "risk": case.get_risk_level_display(),
                             "center": to_center.name}, data={"case": case.pk, **data})
    command = commanders_on_duty(center=episode.center, at=now)
    notify_on_commit(recipients=[*command.commanders, *command.deputies], kind="mode.case_raised", urgent=True,
                     title=(gettext("战时提级管理：%(code)s %(title)s") % {"code": case.code, "title": case.title})[:150],
                     link=link_to("work-case", case.pk), dedupe_key=f"wartime:{episode.pk}:raised:{case.pk}", now=now)
    return True
