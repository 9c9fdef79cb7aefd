"""Village and town first (小事不出村、大事不出镇): the station's queue of grid reports and other
matters at its center, settled there (intake's 自办) or escalated (dispatch's 上提)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dispatch.selectors.duty import duty_standing
from dispatch.services import case_move_center
from governance.choices import CenterLevel
from governance.models import Center
from governance.page_actions import Action, perform
from governance.roles import MAY_RUN_STATION, may
from governance.selectors import center_for_user
from grid import selectors as sel
from grid.forms import StationEscalateForm, StationSettleForm
from intake.models import Case
from intake.services import case_settle_on_spot


def _station(request: HttpRequest) -> Center:
    """The village station or town sub-center the user works at."""
    if not may(request.user, MAY_RUN_STATION):
        raise PermissionDenied
    center = center_for_user(user=request.user)
    if center is None or center.level not in (CenterLevel.VILLAGE, CenterLevel.TOWN):
        raise PermissionDenied
    return center


def _case_at(center: Center, pk: int) -> Case:
    case = Case.objects.select_related("center", "grid").filter(pk=pk, center=center).first()
    if case is None:
        raise Http404
    return case


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MAY_RUN_STATION):
        raise PermissionDenied
    own = center_for_user(user=request.user)
    if own is not None and own.level == CenterLevel.DISTRICT:
        return redirect("dispatch:board")  # the district's queue is the dispatch board
    center = _station(request)
    # Duty, not only role: off duty (a center keeping a rotation), the queue reads without its
    # buttons and says why and who is on duty (`dispatch.selectors.duty`).
    standing = duty_standing(actor=request.user, center=center)
    return render(request, "grid/station.html", {
        "center": center, "cases": sel.station_queue(center=center), "recent": sel.station_recent(center=center),
        "settle_form": StationSettleForm(), "escalate_form": StationEscalateForm(), "parent": center.parent,
        "is_town": center.level == CenterLevel.TOWN,
        "may_act": standing.may_flow, "blocked": standing.flow_refusal,
    })


def _settled(case: Case) -> str:
    return gettext("已在%(center)s就地办结：%(code)s，待网格员现场核查和回访。") % {
        "center": case.center.name, "code": case.code}


def _escalated(case: Case) -> str:
    return gettext("已上提到%(center)s：%(code)s") % {"center": case.center.name, "code": case.code}


SETTLE = Action(StationSettleForm, case_settle_on_spot, "case", _settled)
ESCALATE = Action(StationEscalateForm, case_move_center, "case", _escalated)


def _act(request: HttpRequest, pk: int, action: Action) -> HttpResponse:
    center = _station(request)
    perform(request, action, _case_at(center, pk), center=center)
    return redirect("grid:station")


@login_required
@require_POST
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, SETTLE)


@login_required
@require_POST
def escalate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ESCALATE)
