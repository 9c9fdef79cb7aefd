"""Reads of wartime as a plan: the plan of a level, the open episode, its leader rota (computed from
the order copied at the start plus the swaps, never stored shift by shift), its standby roster, the
people it told and its timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from dispatch.choices import NotificationChannel
from dispatch.models import (
    EpisodeEvent,
    Notification,
    RotaSwap,
    StandbySwap,
    TeamDeployment,
    WartimeEpisode,
    WartimePlan,
    WartimePlanTeam,
)
from dispatch.selectors.roster import users_named
from governance.models import Center, Department
from governance.roles import MAY_DISPATCH, MAY_SWITCH_MODE, may

ROTA_SHIFTS_AHEAD = 3


def wartime_plan_for(*, center: Center, level: int) -> WartimePlan | None:
    return WartimePlan.objects.filter(center=center, level=level).first()


def wartime_plans(*, center: Center) -> QuerySet[WartimePlan]:
    return WartimePlan.objects.filter(center=center).prefetch_related(
        "leaders__user", "standby__department", "standby__person", "teams__department", "teams__leader", "grids")


def wartime_episode_open(*, center: Center | int) -> WartimeEpisode | None:
    """The district's episode in force (a town or village center answers its district's)."""
    if isinstance(center, Center):
        center = center.district_center.pk
    return WartimeEpisode.objects.filter(center_id=center, ended_at__isnull=True).select_related("plan").first()


def wartime_episodes(*, center: Center) -> QuerySet[WartimeEpisode]:
    return WartimeEpisode.objects.filter(center=center).select_related("declared__switched_by",
                                                                       "ended__switched_by")


def wartime_episode_get(*, center: Center, pk: int) -> WartimeEpisode | None:
    return wartime_episodes(center=center).filter(pk=pk).first()


@dataclass(frozen=True)
class RotaShift:
    index: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    leader: AbstractBaseUser | None
    current: bool
    swapped: bool


def rota_leader_ids(*, episode: WartimeEpisode, shifts: int) -> tuple[list[int | None], set[int]]:
    """The leader of each of the first `shifts` shifts: the order in turn, then each swap in the
    order it was entered. Also the indices a swap touched."""
    order = list(episode.leader_ids)
    ids: list[int | None] = [order[i % len(order)] if order else None for i in range(shifts)]
    touched: set[int] = set()
    for swap in RotaSwap.objects.filter(episode=episode).order_by("entered_at", "pk"):
        while max(swap.first, swap.second) >= len(ids):
            ids.append(order[len(ids) % len(order)] if order else None)
        ids[swap.first], ids[swap.second] = ids[swap.second], ids[swap.first]
        touched |= {swap.first, swap.second}
    return ids, touched


def shift_index_at(*, episode: WartimeEpisode, at: dt.datetime) -> int:
    hours = max(1, episode.leader_shift_hours)
    return max(0, int((at - episode.started_at) // dt.timedelta(hours=hours)))


def wartime_rota(*, episode: WartimeEpisode, at: dt.datetime, ahead: int = ROTA_SHIFTS_AHEAD) -> list[RotaShift]:
    """Every shift from the start to the end (or, while it runs, up to `ahead` shifts after the one
    in force at `at`)."""
    hours = dt.timedelta(hours=max(1, episode.leader_shift_hours))
    last = episode.ended_at or at
    count = shift_index_at(episode=episode, at=last) + 1
    if episode.ended_at is None:
        count += ahead
    elif episode.ended_at == episode.started_at + hours * (count - 1) and count > 1:
        count -= 1  # ended exactly at a shift change: the next shift never started
    ids, touched = rota_leader_ids(episode=episode, shifts=count)
    users = get_user_model().objects.in_bulk([pk for pk in ids if pk is not None])
    current = shift_index_at(episode=episode, at=at) if episode.ended_at is None else -1
    shifts = []
    for index in range(count):
        starts = episode.started_at + hours * index
        ends = starts + hours
        if episode.ended_at is not None:
            ends = min(ends, episode.ended_at)
        shifts.append(RotaShift(index=index, starts_at=starts, ends_at=ends, leader=users.get(ids[index]),
                                current=index == current, swapped=index in touched))
    return shifts


@dataclass(frozen=True)
class StandbyRow:
    department: Department | None
    person: AbstractBaseUser | None
    phone: str
    swapped: bool = False  # handed over since the start (a `StandbySwap`)


def wartime_standby(*, episode: WartimeEpisode) -> list[StandbyRow]:
    """The standby roster as it stands: the rows copied at the start, then each swap in the order it was
    entered (the department's person handing over to the colleague). Three queries."""
    rows = [dict(row, swapped=False) for row in episode.standby]
    for swap in StandbySwap.objects.filter(episode=episode).order_by("entered_at", "pk"):
        for row in rows:
            if row["department"] == swap.department_id and row["person"] == swap.person_out_id:
                row.update(person=swap.person_in_id, phone=swap.phone, swapped=True)
                break
    departments = Department.objects.in_bulk([row["department"] for row in rows])
    people = get_user_model().objects.in_bulk([row["person"] for row in rows])
    return [StandbyRow(department=departments.get(row["department"]), person=people.get(row["person"]),
                       phone=row.get("phone", ""), swapped=row["swapped"]) for row in rows]


def standby_swappable(*, episode: WartimeEpisode, actor: AbstractBaseUser) -> list[StandbyRow]:
    """The rows of the standby roster `actor` may swap: every row for the commanders and the duty
    directors (the service checks they are on duty), the rows of their own department for a
    department's liaison or leader in charge, none for anyone else (`wartime_standby_swap`)."""
    rows = [row for row in wartime_standby(episode=episode) if row.department is not None]
    if may(actor, MAY_SWITCH_MODE) or may(actor, MAY_DISPATCH):
        return rows
    return [row for row in rows if actor.pk in (row.department.liaison_id, row.department.leader_in_charge_id)]


def standby_colleagues(*, department_ids: list[int]) -> QuerySet[AbstractBaseUser]:
    """Who may take over a department's standby: its active people (profile) and its liaison."""
    people = Q(profile__department_id__in=department_ids) | Q(
        pk__in=Department.objects.filter(pk__in=department_ids, liaison__isnull=False).values("liaison_id"))
    return get_user_model().objects.filter(people, is_active=True).distinct().order_by("username")


@dataclass(frozen=True)
class ToldRow:
    person: AbstractBaseUser
    channels: list[str]


def declared_dedupe_key(episode: WartimeEpisode) -> str:
    return f"wartime:{episode.pk}:declared"


def ended_dedupe_key(episode: WartimeEpisode) -> str:
    return f"wartime:{episode.pk}:ended"


def wartime_told(*, episode: WartimeEpisode, dedupe_key: str) -> list[ToldRow]:
    """Who a message of the episode reached, with the channels it went by."""
    rows = (Notification.objects.filter(dedupe_key=dedupe_key).select_related("recipient")
            .order_by("recipient_id", "channel"))
    labels = dict(NotificationChannel.choices)
    told: dict[int, ToldRow] = {}
    for row in rows:
        entry = told.setdefault(row.recipient_id, ToldRow(person=row.recipient, channels=[]))
        entry.channels.append(str(labels.get(row.channel, row.channel)))
    return list(told.values())


def wartime_deployments(*, episode: WartimeEpisode) -> QuerySet[TeamDeployment]:
    return TeamDeployment.objects.filter(episode=episode).select_related(
        "team__department", "team__leader", "case", "grid", "sent_by")


def wartime_teams_available(*, episode: WartimeEpisode) -> QuerySet[WartimePlanTeam]:
    """The plan's teams not out now (a team is sent as a unit, once at a time)."""
    if episode.plan_id is None:
        return WartimePlanTeam.objects.none()
    out = TeamDeployment.objects.filter(episode=episode, released_at__isnull=True).values("team_id")
    return WartimePlanTeam.objects.filter(plan_id=episode.plan_id).exclude(pk__in=out).select_related(
        "department", "leader")


def wartime_timeline(*, episode: WartimeEpisode) -> QuerySet[EpisodeEvent]:
    return EpisodeEvent.objects.filter(episode=episode).select_related("actor").order_by("occurred_at", "pk")


def people_named(ids: list[int]) -> str:
    return users_named(list(get_user_model().objects.filter(pk__in=ids).order_by("pk")))


@dataclass(frozen=True)
class BoardWartime:
    """What the dispatch board shows while wartime lasts: the leader on duty now and the standby roster."""

    episode: WartimeEpisode
    leader: AbstractBaseUser | None
    standby: list[StandbyRow]


def wartime_for_board(*, center: Center, at: dt.datetime) -> BoardWartime | None:
    episode = wartime_episode_open(center=center)
    if episode is None:
        return None
    shifts = wartime_rota(episode=episode, at=at, ahead=0)
    return BoardWartime(episode=episode, leader=shifts[-1].leader if shifts else None,
                        standby=wartime_standby(episode=episode))
