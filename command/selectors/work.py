"""Reads of the command side of review: who sees which signal, letter, consultation and report,
the radar's page data, the owner's queue of action items, and the letters counted in the
monthly assessment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import ActionStatus, LetterStatus, SignalKind, SignalStatus
from command.models import ActionItem, Consultation, DailyReport, Invitation, RiskSignal, WarningLetter
from governance.choices import CenterLevel
from governance.errors import NotFoundError, PermissionDeniedError
from governance.models import Center
from governance.roles import MAY_READ_COMMAND, MAY_READ_DAILY_REPORT_DRAFTS, may, user_department_ids
from governance.scope import territory_of_center
from governance.selectors import center_for_user
from grid.services.keypersons import keyperson_may_view, keypersons_view
from intake.models import Case


def command_center_for_user(*, user: AbstractBaseUser) -> Center | None:
    """The center whose command work (radar, letters, consultations, daily and monthly reports) the
    user runs and reads: their own center. The district center's people work the district's; a town
    sub-center's people their town's (its weekly 例会 and monthly 联席会议, seed 002 四(二)), never the
    district's; a village station runs none (None: it settles or escalates its queue, 002 五(一))."""
    center = center_for_user(user=user)
    if center is None or center.level == CenterLevel.VILLAGE:
        return None
    return center


def command_center_refusal(*, user: AbstractBaseUser) -> str:
    """Why `user` has no command work to run (Chinese, for the page), or "" when they have."""
    center = center_for_user(user=user)
    if center is not None and center.level == CenterLevel.VILLAGE:
        return gettext("%(center)s是村（社区）综治站，不开展风险研判、提示函/预警函、议事会商和日报、工作专报："
                       "这些由镇综治中心和区社会治理中心按各自辖区开展。本站的事项请在“站点待办”中就地化解或上提。") % {
            "center": center.name}
    if center is None:
        return gettext("您的账号未设置所属中心，请联系管理员。")
    return ""


def require_command_center(*, actor: AbstractBaseUser, center: Center) -> None:
    """Refuse (`PermissionDeniedError`, code `not_your_center`) unless `center` is the actor's own
    command center: the district's radar, letters, consultations and reports are the district
    center's; a town sub-center runs its town's and never the district's; a village station none."""
    own = command_center_for_user(user=actor)
    if own is not None and own.pk == center.pk:
        return
    refusal = command_center_refusal(user=actor)
    if not refusal:
        refusal = gettext("这是%(center)s的研判、函件、会商或专报工作，您属于%(own)s：只能办理本中心的。") % {
            "center": center.name, "own": own.name if own else ""}
    raise PermissionDeniedError(refusal, code="not_your_center")


def command_matters(*, center: Center, prefix: str = "") -> Q:
    """A condition on matter rows (through `prefix`, e.g. "case__") for the territory whose command
    work `center` runs (radar, daily report, work report): the one scope's answer
    (`governance.scope.territory_of_center`) — the district's matters for the district center, a
    town's for its sub-center."""
    return territory_of_center(center=center).matters(prefix)


def case_in_command_territory(*, case: Case, center: Center) -> bool:
    """Whether a matter lies in the territory whose command work `center` runs."""
    return Case.objects.filter(command_matters(center=center), pk=case.pk).exists()


def is_center_reader(user: AbstractBaseUser) -> bool:
    return may(user, MAY_READ_COMMAND)


# --- radar ---------------------------------------------------------------------------------------
def signals_visible(*, actor: AbstractBaseUser) -> QuerySet[RiskSignal]:
    """The center's signals (district or town) for its readers; the key-person signals (重点人员) only for
    those also granted the grid's ledger, as the ledger itself."""
    district = command_center_for_user(user=actor)
    if district is None or not is_center_reader(actor):
        return RiskSignal.objects.none()
    rows = RiskSignal.objects.filter(center=district)
    if not keyperson_may_view(actor):
        rows = rows.exclude(kind=SignalKind.KEY_PERSON)
    return rows


def key_person_signals_seen(*, actor: AbstractBaseUser, signals: list[RiskSignal], context: str,
                            now: dt.datetime | None = None) -> None:
    """Record, as the ledger records its views (`grid.KeyPersonView`, one INSERT), that `actor` was
    shown the key persons behind these signals. Called by every read that shows such a signal."""
    people = [signal.key_person for signal in signals
              if signal.kind == SignalKind.KEY_PERSON and signal.key_person is not None]
    if people:
        keypersons_view(actor=actor, people=list({p.pk: p for p in people}.values()), context=context, now=now)


def signal_get_for_actor(*, actor: AbstractBaseUser, pk: int, context: str = "radar_signal") -> RiskSignal:
    """One signal (404 when not visible); a key-person signal's view is recorded in the ledger's log."""
    signal = signals_visible(actor=actor).select_related(
        "category", "area", "department", "decided_by", "key_person__grid", "key_person__group").filter(pk=pk).first()
    if signal is None:
        raise NotFoundError()
    key_person_signals_seen(actor=actor, signals=[signal], context=context)
    return signal


@dataclass
class RadarPage:
    open_signals: list[RiskSignal]
    recent_decided: list[RiskSignal]
    by_kind: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    trend_max: int


def radar_page(*, actor: AbstractBaseUser, now: dt.datetime, days: int = 14) -> RadarPage:
    """Open signals (with their matter counts), the last decided ones, and signals raised per day.
    Showing key-person signals records the view in the ledger's log."""
    signals = signals_visible(actor=actor)
    open_rows = list(signals.filter(status__in=[SignalStatus.OPEN, SignalStatus.ON_AGENDA])
                     .select_related("category", "area", "department", "key_person").order_by("-raised_at")[:100])
    decided = list(signals.filter(status__in=[SignalStatus.DISMISSED, SignalStatus.LETTERED])
                   .select_related("decided_by", "key_person").order_by("-decided_at")[:20])
    key_person_signals_seen(actor=actor, signals=open_rows + decided, context="radar", now=now)
    by_kind = [{**row, "label": SignalKind(row["kind"]).label} for row in
               signals.filter(status=SignalStatus.OPEN).values("kind").annotate(n=Count("pk")).order_by("kind")]
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days - 1)
    counts = {row["day"]: row["n"] for row in signals.filter(raised_at__gte=since)
              .annotate(day=TruncDate("raised_at")).values("day").annotate(n=Count("pk"))}
    trend = [{"day": (since + dt.timedelta(days=i)).date(), "n": counts.get((since + dt.timedelta(days=i)).date(), 0)}
             for i in range(days)]
    return RadarPage(open_signals=open_rows, recent_decided=decided, by_kind=by_kind, trend=trend,
                     trend_max=max([row["n"] for row in trend] + [1]))


# --- letters -------------------------------------------------------------------------------------
def letters_visible(*, actor: AbstractBaseUser) -> QuerySet[WarningLetter]:
    """Center readers see their center's letters (district or town); a department sees the letters it received."""
    if not actor.is_authenticated:
        return WarningLetter.objects.none()
    rule = Q(department__leader_in_charge=actor) | Q(department_id__in=user_department_ids(actor))
    district = command_center_for_user(user=actor)
    if district is not None and is_center_reader(actor):
        rule |= Q(center=district)
    return WarningLetter.objects.filter(rule)


def letter_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> WarningLetter:
    letter = letters_visible(actor=actor).select_related(
        "center", "department", "issued_by", "answered_by", "case", "signal").filter(pk=pk).first()
    if letter is None:
        raise NotFoundError()
    return letter


def letters_for_assessment(*, center: Center, start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, int]]:
    """Per recipient department, the letters issued in [start, end) and how they were answered —
    what the monthly assessment counts (one grouped query):
    issued, work_reminder, risk_warning, answered_on_time, answered_late, unanswered_overdue
    (not answered and past the deadline at `end`), open (not answered, deadline not yet passed)."""
    rows = (
        WarningLetter.objects.filter(center=center, issued_at__gte=start, issued_at__lt=end)
        .exclude(status=LetterStatus.WITHDRAWN)
        .values("department_id")
        .annotate(
            issued=Count("pk"),
            work_reminder=Count("pk", filter=Q(kind="work_reminder")),
            risk_warning=Count("pk", filter=Q(kind="risk_warning")),
            answered_on_time=Count("pk", filter=Q(status=LetterStatus.ANSWERED, answered_late=False)),
            answered_late=Count("pk", filter=Q(status=LetterStatus.ANSWERED, answered_late=True)),
            unanswered_overdue=Count("pk", filter=Q(status=LetterStatus.ISSUED, answer_due_at__lt=end)),
            open=Count("pk", filter=Q(status=LetterStatus.ISSUED, answer_due_at__gte=end)),
        )
    )
    return {row.pop("department_id"): row for row in rows}


# --- consultations -------------------------------------------------------------------------------
def consultations_visible(*, actor: AbstractBaseUser) -> QuerySet[Consultation]:
    """The center's leaders and staff see all; others the meetings they are invited to or own an
    action item of (minutes are seen by the people they concern)."""
    if not actor.is_authenticated:
        return Consultation.objects.none()
    departments = user_department_ids(actor)
    rule = Q(Exists(Invitation.objects.filter(consultation=OuterRef("pk"), user=actor))) | Q(
        Exists(ActionItem.objects.filter(decision__consultation=OuterRef("pk")).filter(
            Q(owner_user=actor) | Q(owner_department_id__in=departments)
            | Q(owner_department__leader_in_charge=actor))))
    district = command_center_for_user(user=actor)
    if district is not None and is_center_reader(actor):
        rule |= Q(center=district)
    return Consultation.objects.filter(rule)


def consultation_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> Consultation:
    consultation = consultations_visible(actor=actor).select_related("chair", "created_by", "center").filter(
        pk=pk).first()
    if consultation is None:
        raise NotFoundError()
    return consultation


def actions_for_owner(*, actor: AbstractBaseUser, include_done: bool = False) -> QuerySet[ActionItem]:
    """The owner's queue: action items given to the person or to a department they act for."""
    departments = user_department_ids(actor)
    rows = ActionItem.objects.filter(Q(owner_user=actor) | Q(owner_department_id__in=departments)
                                     | Q(owner_department__leader_in_charge=actor))
    if not include_done:
        rows = rows.filter(status=ActionStatus.OPEN)
    return rows.select_related("decision__consultation", "owner_department", "owner_user").order_by("due_at", "pk")


def actions_open_for_center(*, actor: AbstractBaseUser) -> QuerySet[ActionItem]:
    district = command_center_for_user(user=actor)
    if district is None or not is_center_reader(actor):
        return ActionItem.objects.none()
    return (ActionItem.objects.filter(status=ActionStatus.OPEN, decision__consultation__center=district)
            .select_related("decision__consultation", "owner_department", "owner_user").order_by("due_at", "pk"))


def action_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> ActionItem:
    item = (ActionItem.objects.filter(pk=pk).select_related(
        "decision__consultation", "owner_department", "owner_user", "decision__agenda_item__case").first())
    if item is None:
        raise NotFoundError()
    if not consultations_visible(actor=actor).filter(pk=item.decision.consultation_id).exists():
        raise NotFoundError()
    return item


# --- daily report --------------------------------------------------------------------------------
def daily_reports_visible(*, actor: AbstractBaseUser) -> QuerySet[DailyReport]:
    """Issued reports for the center's leaders; drafts only for those who review them."""
    district = command_center_for_user(user=actor)
    if district is None or not is_center_reader(actor):
        return DailyReport.objects.none()
    rows = DailyReport.objects.filter(center=district)
    if not may(actor, MAY_READ_DAILY_REPORT_DRAFTS):
        rows = rows.filter(status="issued")
    return rows


def daily_report_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> DailyReport:
    report = daily_reports_visible(actor=actor).select_related("issued_by").filter(pk=pk).first()
    if report is None:
        raise NotFoundError()
    return report
