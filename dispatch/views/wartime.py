"""The wartime response page (战时响应): the plan of each level, the episode in force or a past one
with who was told, the leader rota, the standby roster, the first 战时会商, the micro-grids and their
people, the matters raised, the teams, and the episode's timeline; the duty director's acts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dispatch import hooks as dispatch_hooks
from dispatch.choices import WartimeEventType
from dispatch.duty_forms import RotaSwapForm, StandbySwapForm, TeamSendForm
from dispatch.selectors import wartime as selectors
from dispatch.selectors.mode import mode_current
from dispatch.services import wartime as services
from dispatch.views.common import center_or_404
from governance.models import Grid
from governance.page_actions import Action, perform
from governance.roles import (
    MAY_DISPATCH,
    MAY_ORGANIZE_CONSULTATIONS,
    MAY_READ_WARTIME,
    MAY_SEE_DISTRICT_MATTERS,
    MAY_SWITCH_MODE,
    may,
)

SEND = Action(TeamSendForm, services.wartime_team_send, "", gettext_lazy("支援工作队已成建制派驻。"))
SWAP = Action(RotaSwapForm, services.wartime_rota_swap, "", gettext_lazy("领导轮值已调换。"))
STANDBY_SWAP = Action(StandbySwapForm, services.wartime_standby_swap, "", gettext_lazy("值班备勤已调换，相关人员已收到通知。"))


def _micro_grids(events: list[Any]) -> list[dict[str, Any]]:
    """The micro-grids the episode activated, with the people recorded at activation."""
    activated = next((event for event in events if event.type == WartimeEventType.MICRO_GRIDS_ACTIVATED), None)
    if activated is None:
        return []
    grids = Grid.objects.in_bulk(activated.data.get("grids", []))
    people = activated.data.get("people", {})
    return [{"grid": grids[pk], "people": people.get(str(pk), [])} for pk in activated.data.get("grids", [])
            if pk in grids]


def _page(request: HttpRequest, pk: int | None) -> HttpResponse:
    if not may(request.user, MAY_READ_WARTIME):
        raise PermissionDenied
    center = center_or_404(request).district_center
    now = timezone.now()
    if pk is None:
        episode = selectors.wartime_episode_open(center=center)
    else:
        episode = selectors.wartime_episode_get(center=center, pk=pk)
        if episode is None:
            raise Http404
    context: dict[str, Any] = {
        "center": center, "current": mode_current(center=center), "episode": episode,
        "plans": selectors.wartime_plans(center=center),
        "episodes": selectors.wartime_episodes(center=center)[:20],
        "may_switch": may(request.user, MAY_SWITCH_MODE),
    }
    if episode is not None:
        events = list(selectors.wartime_timeline(episode=episode))
        may_command = episode.ended_at is None and (may(request.user, MAY_SWITCH_MODE)
                                                    or may(request.user, MAY_DISPATCH))
        standby = selectors.wartime_standby(episode=episode)
        may_swap_standby = episode.ended_at is None and bool(
            selectors.standby_swappable(episode=episode, actor=request.user))
        consultation = next((e for e in events if e.type == WartimeEventType.CONSULTATION_SCHEDULED), None)
        context.update({
            "told": selectors.wartime_told(episode=episode, dedupe_key=selectors.declared_dedupe_key(episode)),
            "rota": selectors.wartime_rota(episode=episode, at=now),
            "standby": standby,
            "consultation": consultation,
            "consultation_url": (dispatch_hooks.consultation_url(consultation_id=consultation.data["consultation"])
                                 if consultation and consultation.data.get("consultation")
                                 and may(request.user, MAY_ORGANIZE_CONSULTATIONS) else ""),
            "micro_grids": _micro_grids(events),
            "raised": [e for e in events if e.type == WartimeEventType.CASE_RAISED],
            "deployments": selectors.wartime_deployments(episode=episode),
            "events": events,
            "may_link_cases": may(request.user, MAY_SEE_DISTRICT_MATTERS),
            "send_form": TeamSendForm(center=center, actor=request.user) if may_command else None,
            "swap_form": RotaSwapForm(center=center, actor=request.user) if may_command else None,
            "standby_swap_form": StandbySwapForm(center=center, actor=request.user) if may_swap_standby else None,
        })
    return render(request, "dispatch/wartime.html", context)


@login_required
def wartime_page(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@login_required
def wartime_episode(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _act(request: HttpRequest, action: Action) -> HttpResponse:
    if not may(request.user, MAY_READ_WARTIME):
        raise PermissionDenied
    center = center_or_404(request).district_center
    perform(request, action, None, center=center)
    return redirect("dispatch:wartime")


@login_required
@require_POST
def wartime_team_send(request: HttpRequest) -> HttpResponse:
    return _act(request, SEND)


@login_required
@require_POST
def wartime_rota_swap(request: HttpRequest) -> HttpResponse:
    return _act(request, SWAP)


@login_required
@require_POST
def wartime_standby_swap(request: HttpRequest) -> HttpResponse:
    return _act(request, STANDBY_SWAP)
