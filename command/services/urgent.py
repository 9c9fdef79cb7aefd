"""情况报告 (seed 003 情况报告制度): "遇到重大案件、突发事件、紧急情况要随时报告，并及时续报进展情况".

The duty director on duty (or a commander) of a district center or a town sub-center files the 首报
at once with the facts at hand (time, place, what happened, casualties and scale, measures taken,
next steps; the reporter is the signed-in person), from a matter or from nothing (a sudden event not
registered as a matter). The district center's leaders and commanders are notified at once (urgent:
also by SMS), and so are the town's own leaders and the district's duty director on duty when a town
reports (a town reports upward to its district; a village station reports to its town, which files).

A 续报 is due every `interval_minutes` after the previous report until the 终报 closes it. The due
time is a step of the deadline engine: a reminder shortly before it (to the reporter and the duty
director on duty at the reporting center), the "follow-up due" mark at it (the same people, urgent),
and, `escalate_after_minutes` later, the report to the commanders. Each report is a guarded
transition on `last_sequence` (two people pressing 续报 at once make one follow-up, the other is told),
cancels the pending steps and schedules the next ones. A report from a matter writes each step in the
matter's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from command.choices import URGENT_SUBJECT, CommandEventType, UrgentEntryKind, UrgentReportStatus
from command.models import UrgentReport, UrgentReportEntry
from command.selectors.work import case_in_command_territory, require_command_center
from dispatch.choices import StepKind
from dispatch.models import DeadlineStep
from dispatch.selectors.duty import DIRECT, duty_now, require_on_duty
from dispatch.services import PlannedStep, StepOutbox, deadline_steps_cancel, deadline_steps_schedule
from dispatch.services.common import CommanderCache, notify_on_commit
from governance.choices import CenterLevel
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.people import display_name
from governance.roles import MAY_FILE_URGENT_REPORT, MAY_RECEIVE_URGENT_REPORT, may
from governance.selectors import center_for_user
from governance.text import FreeTextError, check_free_text
from intake.choices import EventSource
from intake.events import case_event_record
from intake.models import Case

# The seed sets no number of minutes ("随时报告…及时续报"): the reporter chooses the interval within
# these bounds when filing; an hour is the default.
DEFAULT_INTERVAL_MINUTES = 60
MIN_INTERVAL_MINUTES = 10
MAX_INTERVAL_MINUTES = 720
# The reminder comes this long before a follow-up is due (a third of a short interval).
REMINDER_LEAD_MINUTES = 10
# "Badly late": the commanders are told this long after a follow-up was due and not sent.
ESCALATE_AFTER_MINUTES = 30
# How far in the future the time of the event may be typed (clocks differ) and how far in the past.
OCCURRED_FUTURE_TOLERANCE = dt.timedelta(minutes=10)
OCCURRED_MAX_AGE = dt.timedelta(days=30)

TITLE_MAX_CHARS = 200
PLACE_MAX_CHARS = 200
FACTS_MAX_CHARS = 5000

# Recipients' step targets (stored on the engine's steps).
TARGET_REPORTER = "reporter"
TARGET_DUTY_DIRECTOR = "duty_director"
TARGET_COMMANDER = "commander"


def urgent_report_link(report: UrgentReport) -> str:
    return reverse("command:urgent-report", args=[report.pk])


@dataclass(frozen=True)
class Facts:
    what_happened: str
    casualties: str
    measures: str
    next_steps: str


def _text(value: Any, *, field: str, label: str, max_chars: int, required: bool = False) -> str:
    try:
        return check_free_text(value, label=label, max_chars=max_chars, required=required)
    except FreeTextError as error:
        raise ApplicationError(error.message, code="invalid", field=field) from None


def _facts(*, what_happened: Any, casualties: Any, measures: Any, next_steps: Any) -> Facts:
    return Facts(
        what_happened=_text(what_happened, field="what_happened", label=gettext("事件情况"),
                            max_chars=FACTS_MAX_CHARS, required=True),
        casualties=_text(casualties, field="casualties", label=gettext("伤亡及影响范围"), max_chars=FACTS_MAX_CHARS),
        measures=_text(measures, field="measures", label=gettext("已采取的措施"), max_chars=FACTS_MAX_CHARS),
        next_steps=_text(next_steps, field="next_steps", label=gettext("下一步工作"), max_chars=FACTS_MAX_CHARS),
    )


def urgent_report_receiving_center(center: Center) -> Center:
    """Where a center's report goes: the district center (a town sub-center reports upward to its
    district; the district center's report goes to its own leaders)."""
    return center.district_center


def _require_reporter(*, actor: AbstractBaseUser, center: Center, now: dt.datetime) -> None:
    """Role (duty director, commanders), here (the actor's own command center: a village station
    files none, it reports to its town), now (on duty)."""
    if not may(actor, MAY_FILE_URGENT_REPORT):
        raise PermissionDeniedError(gettext("只有值班的轮值主任、指挥长、副指挥长可以报送和续报情况报告。"))
    refusal = urgent_report_village_refusal(center_for_user(user=actor))
    if refusal:
        raise PermissionDeniedError(refusal, code="not_your_center")
    require_command_center(actor=actor, center=center)
    require_on_duty(actor=actor, center=center, task=DIRECT, now=now)


def _step_times(*, due_at: dt.datetime, report: UrgentReport) -> dict[str, dt.datetime]:
    """When each step of the follow-up due at `due_at` fires: the reminder, the due mark, the escalation."""
    lead = dt.timedelta(minutes=min(REMINDER_LEAD_MINUTES, report.interval_minutes // 3))
    return {StepKind.DUE_REMINDER: due_at - lead, StepKind.OVERDUE: due_at,
            StepKind.ESCALATION: due_at + dt.timedelta(minutes=report.escalate_after_minutes)}


def _steps(*, due_at: dt.datetime, report: UrgentReport) -> list[PlannedStep]:
    times = _step_times(due_at=due_at, report=report)
    return [
        PlannedStep(kind=StepKind.DUE_REMINDER, due_at=times[StepKind.DUE_REMINDER],
                    targets=(TARGET_REPORTER, TARGET_DUTY_DIRECTOR)),
        PlannedStep(kind=StepKind.OVERDUE, due_at=due_at, level=0, targets=(TARGET_REPORTER, TARGET_DUTY_DIRECTOR)),
        PlannedStep(kind=StepKind.ESCALATION, due_at=times[StepKind.ESCALATION], level=1, targets=(TARGET_COMMANDER,)),
    ]


def _timeline(*, report: UrgentReport, type: str, actor: AbstractBaseUser | None, source: str,
              now: dt.datetime, data: dict[str, Any]) -> None:
    if report.case_id is None:
        return
    case_event_record(case=report.case, type=type, actor=actor, source=source, now=now, data={
        "urgent_report": report.pk, "reference": report.reference, "title": report.title, **data})


def urgent_report_readers(report: UrgentReport, *, now: dt.datetime) -> list[AbstractBaseUser]:
    """Who receives each report: the leaders and commanders of the reporting center and of the
    district center it goes to, and, when a town reports, the district's duty director on duty."""
    centers = {report.center_id, report.to_center_id}
    people = list(get_user_model().objects.filter(
        is_active=True, groups__name__in=MAY_RECEIVE_URGENT_REPORT, profile__center_id__in=centers).distinct())
    if report.to_center_id != report.center_id:
        day = duty_now(center=report.to_center, at=now).day
        people.extend(person for person in (day.director, day.deputy_director) if day is not None and person)
    return list({person.pk: person for person in people}.values())


def _notify(*, report: UrgentReport, entry: UrgentReportEntry, actor: AbstractBaseUser, now: dt.datetime) -> None:
    readers = [person for person in urgent_report_readers(report, now=now) if person.pk != actor.pk]
    due = (gettext("下次续报 %(at)s。") % {"at": f"{timezone.localtime(report.next_due_at):%H:%M}"}
           if report.next_due_at else "")
    notify_on_commit(
        recipients=readers, kind=f"urgent_report.{entry.kind}",
        title=f"【{entry.label}】{report.center.name}：{report.title}",
        body=f"{entry.what_happened[:120]} {due}".strip(), link=urgent_report_link(report),
        dedupe_key=f"urgent-report:{report.pk}:{entry.sequence}", now=now, urgent=True)


def _next_number(*, center: Center, year: int) -> int:
    last = UrgentReport.objects.filter(center=center, year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


@transaction.atomic
def urgent_report_file(
    *, actor: AbstractBaseUser, center: Center, title: str, occurred_at: dt.datetime, place: str,
    what_happened: str, casualties: str = "", measures: str = "", next_steps: str = "",
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES, case: Case | None = None,
    source: str = EventSource.WEB, now: dt.datetime | None = None,
) -> UrgentReport:
    """The 首报: the report and its first entry, the engine's steps for the first 续报, the matter's
    timeline, the leaders' notification (after commit)."""
    now = now or timezone.now()
    _require_reporter(actor=actor, center=center, now=now)
    title = _text(title, field="title", label=gettext("事件名称"), max_chars=TITLE_MAX_CHARS, required=True)
    place = _text(place, field="place", label=gettext("发生地点"), max_chars=PLACE_MAX_CHARS, required=True)
    facts = _facts(what_happened=what_happened, casualties=casualties, measures=measures, next_steps=next_steps)
    if occurred_at is None or occurred_at > now + OCCURRED_FUTURE_TOLERANCE:
        raise ApplicationError(gettext("发生时间不能晚于现在。"), code="invalid", field="occurred_at")
    if occurred_at < now - OCCURRED_MAX_AGE:
        raise ApplicationError(gettext("发生时间早于 30 天前：情况报告报送的是正在发生或刚刚发生的事件。"), code="invalid",
                               field="occurred_at")
    try:
        interval = int(interval_minutes)
    except (TypeError, ValueError):
        interval = 0
    if not MIN_INTERVAL_MINUTES <= interval <= MAX_INTERVAL_MINUTES:
        raise ApplicationError(gettext("续报间隔须为 %(min)s 至 %(max)s 分钟。") % {
            "min": MIN_INTERVAL_MINUTES, "max": MAX_INTERVAL_MINUTES}, code="invalid", field="interval_minutes")
    if case is not None and not case_in_command_territory(case=case, center=center):
        raise ApplicationError(gettext("事项不在本中心辖区内。"), code="invalid", field="case")
    year = timezone.localtime(now).year
    for attempt in range(3):  # two centers' people filing at the same instant: the loser takes the next number
        try:
            with transaction.atomic():
                report = UrgentReport.objects.create(
                    center=center, to_center=urgent_report_receiving_center(center), year=year,
                    number=_next_number(center=center, year=year), case=case, title=title, occurred_at=occurred_at,
                    place=place, interval_minutes=interval, escalate_after_minutes=ESCALATE_AFTER_MINUTES,
                    opened_by=actor, opened_at=now, next_due_at=now + dt.timedelta(minutes=interval))
            break
        except IntegrityError:
            if attempt == 2:
                raise
    entry = UrgentReportEntry.objects.create(
        report=report, sequence=0, kind=UrgentEntryKind.INITIAL, reported_by=actor, reported_at=now,
        **facts.__dict__)
    deadline_steps_schedule(subject_type=URGENT_SUBJECT, subject_id=report.pk,
                            steps=_steps(due_at=report.next_due_at, report=report), now=now)
    _timeline(report=report, type=CommandEventType.URGENT_FILED, actor=actor, source=source, now=now, data={
        "occurred_at": occurred_at, "place": place, "interval_minutes": interval, "next_due_at": report.next_due_at})
    _notify(report=report, entry=entry, actor=actor, now=now)
    return report


@transaction.atomic
def urgent_report_follow_up(
    *, actor: AbstractBaseUser, report: UrgentReport, what_happened: str, casualties: str = "",
    measures: str = "", next_steps: str = "", final: bool = False, source: str = EventSource.WEB,
    now: dt.datetime | None = None,
) -> UrgentReportEntry:
    """A 续报 (or, `final`, the 终报 that closes the report): whoever is on duty at the reporting center
    now (the shift may have changed since the 首报). Late when after the follow-up's due time."""
    now = now or timezone.now()
    _require_reporter(actor=actor, center=report.center, now=now)
    facts = _facts(what_happened=what_happened, casualties=casualties, measures=measures, next_steps=next_steps)
    expected = report.last_sequence
    due_at = report.next_due_at
    next_due = None if final else now + dt.timedelta(minutes=report.interval_minutes)
    changes: dict[str, Any] = {"last_sequence": expected + 1, "next_due_at": next_due, "late_since": None,
                               "escalated_at": None}
    if final:
        changes |= {"status": UrgentReportStatus.CLOSED, "closed_at": now, "closed_by": actor}
    changed = UrgentReport.objects.filter(pk=report.pk, status=UrgentReportStatus.OPEN,
                                          last_sequence=expected).update(**changes)
    if not changed:
        raise ApplicationError(gettext("该情况报告已终报，或刚有人报送了新的续报：请刷新后查看。"),
                               code="invalid_transition")
    report.refresh_from_db()
    late = due_at is not None and now > due_at
    entry = UrgentReportEntry.objects.create(
        report=report, sequence=expected + 1, kind=UrgentEntryKind.FINAL if final else UrgentEntryKind.FOLLOW_UP,
        reported_by=actor, reported_at=now, due_at=due_at, late=late, **facts.__dict__)
    deadline_steps_cancel(subject_type=URGENT_SUBJECT, subject_id=report.pk, now=now)
    if next_due is not None:
        deadline_steps_schedule(subject_type=URGENT_SUBJECT, subject_id=report.pk,
                                steps=_steps(due_at=next_due, report=report), now=now)
    _timeline(report=report, type=CommandEventType.URGENT_CLOSED if final else CommandEventType.URGENT_FOLLOWED_UP,
              actor=actor, source=source, now=now, data={
                  "sequence": entry.sequence, "due_at": due_at, "late": late, "next_due_at": next_due})
    _notify(report=report, entry=entry, actor=actor, now=now)
    return entry


def _step_recipients(*, report: UrgentReport, targets: Sequence[str], now: dt.datetime,
                     commanders: CommanderCache) -> list[AbstractBaseUser]:
    """The reporter (the last one to report), the duty director on duty at the reporting center (a
    town sub-center keeps no rotation: its reporter is its director), the commanders — of the district
    too when a town reports."""
    people: list[AbstractBaseUser] = []
    for target in targets:
        if target == TARGET_REPORTER:
            last = report.entries.order_by("-sequence").select_related("reported_by").first()
            people.append(last.reported_by if last else report.opened_by)
        elif target == TARGET_DUTY_DIRECTOR:
            day = duty_now(center=report.center, at=now).day
            if day is not None:
                people.extend(person for person in (day.director, day.deputy_director) if person is not None)
        elif target == TARGET_COMMANDER:
            people.extend(commanders.get(center=report.center, at=now))
            if report.to_center_id != report.center_id:
                people.extend(commanders.get(center=report.to_center, at=now))
    return list({person.pk: person for person in people if person.is_active}.values())


def urgent_steps_fire(steps: Sequence[DeadlineStep], now: dt.datetime, outbox: StepOutbox) -> set[int]:
    """The sweep's handler (inside its transaction): each step acts only while the follow-up it was
    scheduled for is still the one due (a 续报 sent meanwhile moved `next_due_at` on)."""
    reports = {report.pk: report for report in UrgentReport.objects.filter(
        pk__in={step.subject_id for step in steps}).select_related("center", "to_center", "case", "opened_by")}
    commanders = CommanderCache()
    acted: set[int] = set()
    for step in steps:
        report = reports.get(step.subject_id)
        if report is None or report.status != UrgentReportStatus.OPEN or report.next_due_at is None:
            continue
        due = report.next_due_at
        if _step_times(due_at=due, report=report).get(step.kind) != step.due_at:
            continue  # a step of an earlier follow-up (claimed before the 续报 cancelled it)
        people = _step_recipients(report=report, targets=step.targets, now=now, commanders=commanders)
        title_base = f"{report.reference} {report.title}"
        link, key = urgent_report_link(report), f"step:{step.pk}"
        number = report.last_sequence + 1
        if step.kind == StepKind.DUE_REMINDER:
            if now >= due:
                continue
            outbox.add(step=step, recipients=people, kind="urgent_report.due_reminder",
                       title=gettext("第 %(n)s 次续报将于 %(at)s 到时：%(title)s") % {
                           "n": number, "at": f"{timezone.localtime(due):%H:%M}", "title": title_base},
                       body=gettext("请掌握最新进展，按时续报。"), link=link, dedupe_key=key)
        elif step.kind == StepKind.OVERDUE:
            if now < due or not UrgentReport.objects.filter(
                    pk=report.pk, status=UrgentReportStatus.OPEN, next_due_at=due, late_since__isnull=True
            ).update(late_since=now):
                continue
            _timeline(report=report, type=CommandEventType.URGENT_LATE, actor=None, source=EventSource.TASK, now=now,
                      data={"due_at": due, "sequence": number, "step": step.pk})
            outbox.add(step=step, recipients=people, kind="urgent_report.follow_up_due",
                       title=gettext("请立即续报（第 %(n)s 次，应于 %(at)s 报送）：%(title)s") % {
                           "n": number, "at": f"{timezone.localtime(due):%H:%M}", "title": title_base},
                       body=gettext("续报时间已到，请报送最新进展；事件已结束的请报送终报。"), link=link,
                       dedupe_key=key, urgent=True)
        elif step.kind == StepKind.ESCALATION:
            if now < due + dt.timedelta(minutes=report.escalate_after_minutes) or not UrgentReport.objects.filter(
                    pk=report.pk, status=UrgentReportStatus.OPEN, next_due_at=due, escalated_at__isnull=True
            ).update(escalated_at=now):
                continue
            _timeline(report=report, type=CommandEventType.URGENT_ESCALATED, actor=None, source=EventSource.TASK,
                      now=now, data={"due_at": due, "sequence": number, "to": list(step.targets), "step": step.pk})
            outbox.add(step=step, recipients=people, kind="urgent_report.escalated",
                       title=gettext("情况报告续报逾期 %(minutes)s 分钟未报：%(center)s %(title)s") % {
                           "minutes": report.escalate_after_minutes, "center": report.center.name,
                           "title": title_base},
                       body=gettext("应于 %(at)s 续报，首报人 %(name)s。") % {
                           "at": f"{timezone.localtime(due):%H:%M}", "name": display_name(report.opened_by)},
                       link=link, dedupe_key=key, urgent=True)
        else:
            continue
        acted.add(step.pk)
    return acted


def urgent_report_village_refusal(center: Center | None) -> str:
    """Why a village station's people file no report (Chinese, for the page)."""
    if center is not None and center.level == CenterLevel.VILLAGE:
        return gettext("村（社区）综治站遇重大案件、突发事件，请立即电话报告镇综治中心，由镇综治中心向区社会治理中心报送情况报告。")
    return ""
