"""Standing meetings (会商制度, seed 000 三 and 001 五(二)): each cadence holds one meeting kind on a
fixed rhythm, with a chair and invitees named by rule.

- **Dates.** Occurrence n falls on the cadence's first date plus n weeks (weekly), 2n weeks (biweekly)
  or n months (monthly, on the first date's day of the month, the month's last day when shorter). A date
  that is not a working day on the center's calendar moves to the next working day; when that reaches
  the next occurrence's date, the two are one meeting (the later one) and this number is skipped.
- **Chair.** By rule, resolved for each occurrence from the center's people: the center director, the
  deputy commander, or the deputy directors in turn by the occurrence's number (so a meeting moved by
  a holiday does not change whose turn it is).
- **Invitees.** By rule, resolved when the occurrence is planned: the center's leaders, the stationed
  departments' liaisons, the duty director on duty that day, the dispatchers, every liaison.
- **Planning** (`cadences_plan`, beat hourly, idempotent by the unique (cadence, occurrence)): each
  active cadence has its next occurrence scheduled as a consultation (invited, open action items
  carried), with two steps on the deadline engine: the day before, a reminder to the chair; at its
  time plus `missed_after`, if not recorded as held, "due and not yet held" to the chair (once; recording
  the minutes cancels both).
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import (
    CONSULTATION_KINDS_BY_LEVEL,
    CONSULTATION_SUBJECT,
    STANDING_MEETINGS,
    CadenceFrequency,
    ChairRule,
    ConsultationKind,
    ConsultationStatus,
    InviteeRule,
)
from command.models import Consultation, MeetingCadence
from command.selectors.work import command_center_for_user, require_command_center
from command.services.consultation import consultation_create, consultation_link
from dispatch.choices import StepKind
from dispatch.models import DeadlineStep
from dispatch.selectors.roster import duty_director_on_duty
from dispatch.services import PlannedStep, StepOutbox, deadline_steps_cancel, deadline_steps_schedule
from dispatch.services.common import check_text, notify_on_commit
from governance.choices import CenterLevel, Residency
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center, Department
from governance.roles import MAY_ORGANIZE_CONSULTATIONS, Role, has_role, may
from governance.transitions import guarded_move
from governance.workcal import WorkingCalendar

CHAIR_REMINDER_LEAD = dt.timedelta(days=1)
_PERIOD_DAYS = {CadenceFrequency.WEEKLY: 7, CadenceFrequency.BIWEEKLY: 14}


# --- the rhythm --------------------------------------------------------------------------------------
def occurrence_nominal(cadence: MeetingCadence, number: int) -> dt.date:
    """The date the rhythm gives occurrence `number`, before the calendar moves it."""
    first = cadence.first_date
    if cadence.frequency in _PERIOD_DAYS:
        return first + dt.timedelta(days=_PERIOD_DAYS[cadence.frequency] * number)
    months = first.month - 1 + number
    year, month = first.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(first.day, month_calendar.monthrange(year, month)[1]))


def occurrence_date(cadence: MeetingCadence, number: int, calendar: WorkingCalendar) -> dt.date | None:
    """The day occurrence `number` is held: the nominal date or the next working day after it; None
    when the holidays push it onto the next occurrence's day (one meeting, the next one)."""
    day = occurrence_nominal(cadence, number)
    if not calendar.is_working_day(day):
        day = calendar.next_working_day(day)
    following = occurrence_nominal(cadence, number + 1)
    if day >= following:
        return None
    return day


def occurrences_between(cadence: MeetingCadence, start: dt.date, end: dt.date,
                        calendar: WorkingCalendar | None = None) -> list[tuple[int, dt.date]]:
    """The (number, day) of the occurrences held from `start` to `end` inclusive."""
    calendar = calendar or WorkingCalendar(center=cadence.center)
    number = _first_number_near(cadence, start)
    found: list[tuple[int, dt.date]] = []
    while occurrence_nominal(cadence, number) <= end:
        day = occurrence_date(cadence, number, calendar)
        if day is not None and start <= day <= end:
            found.append((number, day))
        number += 1
    return found


def _first_number_near(cadence: MeetingCadence, day: dt.date) -> int:
    """An occurrence number at or a little before the one falling on `day` (the search starts there)."""
    if day <= cadence.first_date:
        return 0
    if cadence.frequency in _PERIOD_DAYS:
        return max(0, (day - cadence.first_date).days // _PERIOD_DAYS[cadence.frequency] - 1)
    return max(0, (day.year - cadence.first_date.year) * 12 + day.month - cadence.first_date.month - 1)


def next_occurrence(cadence: MeetingCadence, *, on_or_after: dt.date,
                    calendar: WorkingCalendar | None = None) -> tuple[int, dt.date]:
    """The first occurrence held on `on_or_after` or later."""
    calendar = calendar or WorkingCalendar(center=cadence.center)
    number = _first_number_near(cadence, on_or_after)
    while True:
        day = occurrence_date(cadence, number, calendar)
        if day is not None and day >= on_or_after:
            return number, day
        number += 1


# --- chair and invitees ------------------------------------------------------------------------------
def _people(center: Center, role: str) -> list[AbstractBaseUser]:
    return list(get_user_model().objects.filter(is_active=True, groups__name=role, profile__center=center)
                .order_by("pk").distinct())


def chair_for(cadence: MeetingCadence, number: int) -> AbstractBaseUser | None:
    """Who chairs occurrence `number` by the cadence's rule (None when the center has nobody for it)."""
    if cadence.chair_rule == ChairRule.CENTER_DIRECTOR:
        people = _people(cadence.center, Role.CENTER_DIRECTOR)
        return people[0] if people else None
    if cadence.chair_rule == ChairRule.DEPUTY_COMMANDER:
        people = _people(cadence.center, Role.DEPUTY_COMMANDER)
        return people[0] if people else None
    deputies = _people(cadence.center, Role.CENTER_DEPUTY_DIRECTOR)
    return deputies[number % len(deputies)] if deputies else None


def invitees_for(cadence: MeetingCadence, day: dt.date) -> list[AbstractBaseUser]:
    """The people the cadence's rules name for a meeting held on `day`."""
    center, rules = cadence.center, set(cadence.invitee_rules)
    found: dict[int, AbstractBaseUser] = {}

    def add(users: Sequence[AbstractBaseUser | None]) -> None:
        for user in users:
            if user is not None and user.is_active:
                found.setdefault(user.pk, user)

    if InviteeRule.CENTER_LEADERS in rules:
        add(_people(center, Role.CENTER_DIRECTOR) + _people(center, Role.CENTER_DEPUTY_DIRECTOR))
    if InviteeRule.DUTY_DIRECTOR in rules:
        add([duty_director_on_duty(center=center, at=day).director])
    if InviteeRule.DISPATCHERS in rules:
        add(_people(center, Role.DISPATCHER))
    departments = Department.objects.filter(center=center, active=True, liaison__isnull=False)
    if InviteeRule.LIAISONS in rules:
        pass  # every department's liaison
    elif InviteeRule.STATIONED_DEPARTMENTS in rules and center.level != CenterLevel.TOWN:
        departments = departments.filter(residency__in=[Residency.PERMANENT, Residency.ROTATING])
    elif InviteeRule.STATIONED_DEPARTMENTS not in rules:
        departments = departments.none()
    # (a town's departments are its offices and the units stationed there: all of them)
    add([department.liaison for department in departments.select_related("liaison").order_by("pk")])
    return list(found.values())


# --- setting up ------------------------------------------------------------------------------------
@transaction.atomic
def cadence_create(
    *, actor: AbstractBaseUser, center: Center, kind: str, title: str, frequency: str, first_date: dt.date,
    time: dt.time, chair_rule: str, invitee_rules: Sequence[str], place: str = "",
    missed_after: dt.timedelta | None = None, now: dt.datetime | None = None,
) -> MeetingCadence:
    """Set up a standing meeting for the actor's own center (one active cadence per kind)."""
    now = now or timezone.now()
    if not may(actor, MAY_ORGANIZE_CONSULTATIONS):
        raise PermissionDeniedError(gettext("只有中心主任、副主任、轮值主任、指挥长可以设立会商制度。"))
    require_command_center(actor=actor, center=center)
    if kind not in CONSULTATION_KINDS_BY_LEVEL.get(center.level, ()) or kind == ConsultationKind.AD_HOC:
        raise ApplicationError(gettext("%(center)s没有“%(kind)s”这项例行会议。") % {
            "center": center.name, "kind": ConsultationKind(kind).label if kind in ConsultationKind.values else kind},
            code="invalid", field="kind")
    if frequency not in CadenceFrequency.values:
        raise ApplicationError(gettext("请选择会议周期。"), code="invalid", field="frequency")
    if chair_rule not in ChairRule.values:
        raise ApplicationError(gettext("请选择主持人规则。"), code="invalid", field="chair_rule")
    unknown = set(invitee_rules) - set(InviteeRule.values)
    if unknown:
        raise ApplicationError(gettext("参会人规则无效。"), code="invalid", field="invitee_rules")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ApplicationError(gettext("请填写会议名称（不超过 200 字）。"), code="invalid", field="title")
    cadence = MeetingCadence(
        center=center, kind=kind, title=title, frequency=frequency, first_date=first_date, time=time,
        place=(place or "").strip()[:200], chair_rule=chair_rule, invitee_rules=sorted(set(invitee_rules)),
        created_by=actor, created_at=now)
    if missed_after is not None:
        cadence.missed_after = missed_after
    if chair_for(cadence, 0) is None:
        raise ApplicationError(gettext("%(center)s没有符合“%(rule)s”的人员，无法按此规则确定主持人。") % {
            "center": center.name, "rule": ChairRule(chair_rule).label}, code="invalid", field="chair_rule")
    try:
        with transaction.atomic():
            cadence.save()
    except IntegrityError:
        raise ApplicationError(gettext("本中心已有这类例行会议的会商制度。"), code="conflict") from None
    return cadence


def standing_meetings_set_up(*, actor: AbstractBaseUser, center: Center, first_date: dt.date,
                             time: dt.time = dt.time(9, 0), place: str = "",
                             now: dt.datetime | None = None) -> list[MeetingCadence]:
    """The seeds' standing meetings of the center's level (`STANDING_MEETINGS`), those not set up yet."""
    existing = set(MeetingCadence.objects.filter(center=center, active=True).values_list("kind", flat=True))
    made = []
    for kind, title, frequency, chair_rule, invitees in STANDING_MEETINGS.get(center.level, ()):
        if kind in existing:
            continue
        name = f"{center.name}{title}" if center.level == CenterLevel.TOWN else title
        made.append(cadence_create(actor=actor, center=center, kind=kind, title=name, frequency=frequency,
                                   first_date=first_date, time=time, chair_rule=chair_rule,
                                   invitee_rules=invitees, place=place, now=now))
    return made


# --- planning ---------------------------------------------------------------------------------------
def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


@transaction.atomic
def cadence_plan(*, cadence: MeetingCadence, now: dt.datetime | None = None) -> Consultation | None:
    """Schedule the cadence's next occurrence (held today or later) unless it is there already; None
    when it is, or when the center has nobody to chair it."""
    now = now or timezone.now()
    number, day = next_occurrence(cadence, on_or_after=timezone.localtime(now).date())
    # A cancelled occurrence is passed over: the rhythm goes on with the next one.
    while (status := Consultation.objects.filter(cadence=cadence, occurrence=number).values_list(
            "status", flat=True).first()) == ConsultationStatus.CANCELLED:
        number, day = next_occurrence(cadence, on_or_after=day + dt.timedelta(days=1))
    if status is not None:
        return None
    chair = chair_for(cadence, number)
    if chair is None:
        return None
    scheduled_at = _at(day, cadence.time)
    try:
        with transaction.atomic():
            consultation = consultation_create(
                center=cadence.center, kind=cadence.kind, title=f"{cadence.title}（{day:%m月%d日}）",
                scheduled_at=scheduled_at, chair=chair, invitees=invitees_for(cadence, day), place=cadence.place,
                created_by=cadence.created_by, now=now, cadence=cadence, occurrence=number)
    except IntegrityError:  # planned by a concurrent run
        return None
    deadline_steps_schedule(subject_type=CONSULTATION_SUBJECT, subject_id=consultation.pk, now=now, steps=[
        PlannedStep(kind=StepKind.DUE_REMINDER, due_at=scheduled_at - CHAIR_REMINDER_LEAD),
        PlannedStep(kind=StepKind.OVERDUE, due_at=scheduled_at + cadence.missed_after),
    ])
    return consultation


CANCEL_REASON_MAX_CHARS = 200


def _calls_off(actor: AbstractBaseUser, consultation: Consultation) -> bool:
    if consultation.chair_id == actor.pk:
        return True
    return has_role(actor, Role.CENTER_DIRECTOR) and command_center_for_user(user=actor) == consultation.center


def may_cancel(actor: AbstractBaseUser, consultation: Consultation) -> bool:
    """Who may call a scheduled meeting off: its chair, or the director (中心主任) of its center."""
    return consultation.status == ConsultationStatus.SCHEDULED and _calls_off(actor, consultation)


@transaction.atomic
def consultation_cancel(*, actor: AbstractBaseUser, consultation: Consultation, reason: str,
                        now: dt.datetime | None = None) -> Consultation:
    """Call a scheduled meeting off (scheduled → cancelled, once), with the reason: its chair or the
    center director. The invitees are told; its steps on the deadline engine (the chair's reminder, "due
    and not yet held") are cancelled, so neither fires; a standing meeting's next occurrence is planned
    at once (the rhythm passes over the cancelled one)."""
    now = now or timezone.now()
    if not _calls_off(actor, consultation):
        raise PermissionDeniedError(gettext("只有会议主持人或中心主任可以取消会议。"))
    reason = check_text(reason, field="reason", label=gettext("取消原因"), max_chars=CANCEL_REASON_MAX_CHARS,
                        required=True)
    guarded_move(consultation, ConsultationStatus.CANCELLED, cancelled_at=now, cancelled_by=actor,
                 cancel_reason=reason)
    deadline_steps_cancel(subject_type=CONSULTATION_SUBJECT, subject_id=consultation.pk, now=now)
    consultation.refresh_from_db()
    when = f"{timezone.localtime(consultation.scheduled_at):%Y-%m-%d %H:%M}"
    invitees = [invitation.user for invitation in consultation.invitations.select_related("user")
                if invitation.user.is_active]
    notify_on_commit(
        recipients=invitees, kind="consultation.cancelled",
        title=(gettext("会议取消：%(title)s") % {"title": consultation.title})[:150],
        body=gettext("原定 %(when)s 召开，已由%(who)s取消：%(reason)s") % {
            "when": when, "who": actor.get_full_name() or actor.get_username(), "reason": reason},
        link=consultation_link(consultation), dedupe_key=f"consultation:{consultation.pk}:cancelled", now=now)
    if consultation.cadence_id is not None:
        cadence_plan(cadence=consultation.cadence, now=now)
    return consultation


def cadences_plan(*, now: dt.datetime | None = None, center: Center | None = None) -> int:
    """Beat's hourly run (and the demo's): plan the next occurrence of every active cadence."""
    now = now or timezone.now()
    rows = MeetingCadence.objects.filter(active=True, center__active=True).select_related("center", "created_by")
    if center is not None:
        rows = rows.filter(center=center)
    return sum(1 for cadence in rows if cadence_plan(cadence=cadence, now=now) is not None)


def consultation_missed(consultation: Consultation, *, now: dt.datetime) -> bool:
    """A standing meeting past its time plus the cadence's grace and not recorded as held."""
    return (consultation.cadence_id is not None and consultation.status == ConsultationStatus.SCHEDULED
            and now >= consultation.scheduled_at + consultation.cadence.missed_after)


def consultation_steps_fire(steps: Sequence[DeadlineStep], now: dt.datetime, outbox: StepOutbox) -> set[int]:
    """The deadline sweep's handler for standing meetings: the chair's reminder the day before, and
    "due and not yet held" once the grace has passed (nothing when the minutes were recorded)."""
    meetings = {c.pk: c for c in Consultation.objects.filter(pk__in={s.subject_id for s in steps})
                .select_related("chair", "cadence")}
    acted: set[int] = set()
    for step in steps:
        meeting = meetings.get(step.subject_id)
        if meeting is None or meeting.status != ConsultationStatus.SCHEDULED:
            continue
        when = f"{timezone.localtime(meeting.scheduled_at):%Y-%m-%d %H:%M}"
        if step.kind == StepKind.DUE_REMINDER:
            if now >= meeting.scheduled_at:
                continue
            outbox.add(step=step, recipients=[meeting.chair], kind="consultation.chair_reminder",
                       title=f"请按时主持：{meeting.title}", body=f"{when} {meeting.place}".strip(),
                       link=consultation_link(meeting), dedupe_key=f"step:{step.pk}")
        elif step.kind == StepKind.OVERDUE:
            if not consultation_missed(meeting, now=now):
                continue
            outbox.add(step=step, recipients=[meeting.chair], kind="consultation.missed",
                       title=f"会议应召开未召开：{meeting.title}",
                       body=f"应于 {when} 召开，尚未记录会议纪要；请召开并记录，或说明情况。",
                       link=consultation_link(meeting), dedupe_key=f"step:{step.pk}", urgent=True)
        else:
            continue
        acted.add(step.pk)
    return acted

