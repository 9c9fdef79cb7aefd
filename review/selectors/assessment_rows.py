"""The rows behind each assessment figure: for each kind of row (the month's assignments, their
timeline events, extensions, revisits, exclusions, summonses, the duty days, the town centers' matters)
the query and one filter per figure. The same definition gives the department's figure (counted in
the database, `review.selectors.assessment`) and its drill-down list, so a list's length always
equals its figure."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    expressions,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from command.selectors.work import command_matters
from dispatch.choices import (
    AssignmentStatus,
    DispatchEventType,
    ExclusionStatus,
    ExtensionStatus,
    ResolvedAnswer,
    RevisitOutcome,
    Satisfaction,
)
from dispatch.models import Assignment, RevisitExclusion, SummonsDepartment
from dispatch.selectors.attendance import ShiftRecord, shifts_kept_and_missed
from governance.cache import counted_once_a_minute
from governance.models import Center
from governance.workcal import WorkingCalendar
from intake.choices import CaseEventType, HandlingMode
from intake.models import Case, CaseEvent
from intake.models.event import ASSESSED_ASSIGNMENT_EVENT_TYPES
from review.selectors.assessment_figures import (
    FINISHED,
    Month,
)


def cohort(center: Center, month: Month) -> QuerySet[Assignment]:
    start, end = month.bounds()
    return Assignment.objects.filter(center=center, assigned_at__gte=start, assigned_at__lt=end)


def assignment_filters(now: dt.datetime) -> dict[str, Q]:
    not_withdrawn = ~Q(status=AssignmentStatus.WITHDRAWN)
    finished = Q(status__in=FINISHED, reported_at__isnull=False)
    return {
        "assigned": Q(),
        "self_handled": Q(mode=HandlingMode.SELF),
        "ack_due": ~Q(status=AssignmentStatus.WITHDRAWN, acknowledged_at__isnull=True),
        "ack_on_time": Q(acknowledged_at__isnull=False, acknowledged_late=False),
        "ack_late": Q(acknowledged_at__isnull=False, acknowledged_late=True),
        "ack_missing": not_withdrawn & Q(acknowledged_at__isnull=True, ack_due_at__lt=now),
        "finished_on_time": finished & Q(reported_at__lte=F("due_at")),
        "overdue": not_withdrawn & ((finished & Q(reported_at__gt=F("due_at")))
                                    | (~finished & Q(due_at__lt=now))),
        "overdue_days": Q(overdue_days__gt=0),
    }


def working_day_starts(center: Center, month: Month, now: dt.datetime) -> list[dt.datetime]:
    """The start of every working day from the month's first day up to now (the overdue clock)."""
    calendar = WorkingCalendar(center=center)
    tz = ZoneInfo(settings.TIME_ZONE)
    starts, day, today = [], month.first, timezone.localtime(now, tz).date()
    while day <= today:
        if calendar.is_working_day(day):
            starts.append(dt.datetime.combine(day, dt.time(), tz))
        day += dt.timedelta(days=1)
    return starts


def starts_before(field: str, starts: list[dt.datetime], *, inclusive: bool) -> expressions.Case:
    """How many working-day starts lie before the value of `field` (or at it, when `inclusive`):
    one flat CASE over the sorted starts, whatever their number."""
    lookup = f"{field}__lt" if inclusive else f"{field}__lte"
    branches = [expressions.When(Q(**{lookup: start}), then=Value(index)) for index, start in enumerate(starts)]
    return expressions.Case(*branches, default=Value(len(starts)), output_field=IntegerField())


def with_overdue_days(queryset: QuerySet[Assignment], starts: list[dt.datetime], now: dt.datetime
                       ) -> QuerySet[Assignment]:
    """Annotate `overdue_days`: the working-day starts after the deadline and before the report
    (or now, when not reported); none for a withdrawn assignment."""
    if not starts:
        return queryset.annotate(overdue_days=Value(0, output_field=IntegerField()))
    queryset = queryset.annotate(overdue_end=Coalesce("reported_at", Value(now, output_field=DateTimeField())))
    days = (starts_before("overdue_end", starts, inclusive=False)
            - starts_before("due_at", starts, inclusive=True))
    return queryset.annotate(overdue_days=expressions.Case(
        expressions.When(Q(status=AssignmentStatus.WITHDRAWN), then=Value(0)),
        default=Greatest(days, Value(0)), output_field=IntegerField()))


EVENT_TYPES = {
    "rework": DispatchEventType.ASSIGNMENT_RETURNED_FOR_REWORK,
    "declined": DispatchEventType.ASSIGNMENT_DECLINED,
    "decline_upheld": DispatchEventType.ASSIGNMENT_DECLINE_ACCEPTED,
    "decline_overruled": DispatchEventType.ASSIGNMENT_DECLINE_REFUSED,
    "redo_not_resolved": DispatchEventType.CASE_REOPENED,
}


def events(center: Center, month: Month, types: tuple[str, ...] = ASSESSED_ASSIGNMENT_EVENT_TYPES
           ) -> QuerySet[CaseEvent]:
    """Timeline events about the cohort's assignments, each with its assignment's department.

    One join, as a set: the events of these types since the month began (an assignment's events follow
    it; the partial index `caseevent_assessed_since`, whose condition is this type filter) against the
    month's assignments of the center (`assignment_center_month`), on the event's matter and its
    `assignment` key. (It was a subquery per event for the department, then a join of every event of
    these types ever written: 240 ms at 2M matters, 110 ms now.)

    One figure's rows ask for its one type here rather than filtering the five: `type IN (…) AND
    type = …` halved PostgreSQL's estimate of the type's events, so it hashed all 24,865 of them
    (74 ms) instead of probing `caseevent_case_type` once per assignment of the department (7 ms)."""
    start, end = month.bounds()
    return (CaseEvent.objects.filter(type__in=types, occurred_at__gte=start)
            .annotate(assignment_id=Cast(KT("data__assignment"), IntegerField()))
            .filter(case__assignments__pk=F("assignment_id"), case__assignments__center=center,
                    case__assignments__assigned_at__gte=start, case__assignments__assigned_at__lt=end)
            .annotate(department_id=F("case__assignments__department_id")))


def event_filters() -> dict[str, Q]:
    return {key: Q(type=value) for key, value in EVENT_TYPES.items()}


def extension_filters() -> dict[str, Q]:
    return {"extension_asked": Q(), "extension_granted": Q(status=ExtensionStatus.APPROVED)}


def revisit_filters(prefix: str = "") -> dict[str, Q]:
    """Over revisits (`prefix` from the assignment: `case__revisits__`). A revisit is 参评 when it was
    answered and its matter is not ruled 不参评 (the ruling is per matter: `case_id` of the row)."""
    excluded = Exists(RevisitExclusion.objects.filter(case_id=OuterRef("case_id"), status=ExclusionStatus.CONFIRMED))
    assessed = Q(**{f"{prefix}outcome": RevisitOutcome.ANSWERED}) & ~Q(excluded)
    return {
        "revisited": Q(),
        "assessed": assessed,
        "resolved": assessed & Q(**{f"{prefix}resolved": ResolvedAnswer.YES}),
        "satisfied": assessed & Q(**{f"{prefix}satisfaction__in": [Satisfaction.SATISFIED, Satisfaction.BASIC]}),
        "revisit_unreachable": Q(**{f"{prefix}outcome": RevisitOutcome.UNREACHABLE}),
        "revisit_refused": Q(**{f"{prefix}outcome": RevisitOutcome.REFUSED}),
    }


def exclusions(answering: QuerySet[Assignment]) -> QuerySet[RevisitExclusion]:
    """The 不参评 rulings in force on the matters the departments answer (one per matter)."""
    return RevisitExclusion.objects.filter(status=ExclusionStatus.CONFIRMED, case__in=answering.values("case_id"))


def summons_rows(center: Center, month: Month) -> QuerySet[SummonsDepartment]:
    start, end = month.bounds()
    return SummonsDepartment.objects.filter(summons__center=center, summons__decided_at__gte=start,
                                            summons__decided_at__lt=end, summons__report_in_due_at__isnull=False)


def summons_filters(now: dt.datetime) -> dict[str, Q]:
    return {
        "summoned": Q(),
        "summons_on_time": Q(reported_in_at__isnull=False, minutes_late=0),
        "summons_late": Q(reported_in_at__isnull=False, minutes_late__gt=0),
        "summons_late_minutes": Q(reported_in_at__isnull=False, minutes_late__gt=0),
        "summons_absent": Q(reported_in_at__isnull=True, summons__report_in_due_at__lt=now),
    }


def grouped(queryset: QuerySet, group: str, filters: dict[str, Q], sums: dict[str, str] | None = None
             ) -> dict[int, dict[str, int]]:
    """Each filter's count (or sum) per `group`, in one statement. Each row of `queryset` is counted
    once: it must not join rows that repeat it (each caller's rows are one per assignment, event,
    extension or summoned department). A plain count hashes the groups; a distinct count sorted the
    month's 111,000 assignments on disk first (200 ms -> 40 ms at 2M matters)."""
    sums = sums or {}
    aggregates: dict[str, Any] = {}
    for key, condition in filters.items():
        if key in sums:
            aggregates[key] = Coalesce(Sum(sums[key], filter=condition), 0)
        else:
            aggregates[key] = Count("pk", filter=condition)
    rows = queryset.order_by().values(group).annotate(**aggregates)
    return {row[group]: {key: int(row[key] or 0) for key in filters} for row in rows}


def town_cases(center: Center, month: Month) -> QuerySet[Case]:
    start, end = month.bounds()
    return Case.objects.filter(command_matters(center=center), registered_at__gte=start, registered_at__lt=end)


# The matter figures that are facts of the timeline: the event types whose presence makes a matter count.
MATTER_EVENTS: dict[str, tuple[str, ...]] = {
    "settled_on_spot": (CaseEventType.CASE_SETTLED_ON_SPOT,),
    "closed": (DispatchEventType.CASE_CLOSED,),
    "send_on_overdue": (DispatchEventType.CASE_SEND_ON_OVERDUE,),
    "dispatch_overdue": (DispatchEventType.CASE_DISPATCH_OVERDUE,),
    "clock_escalated": (DispatchEventType.CASE_SEND_ON_ESCALATED, DispatchEventType.CASE_DISPATCH_ESCALATED),
    "verification_overdue": (DispatchEventType.CASE_VERIFICATION_OVERDUE,),
    "revisit_overdue": (DispatchEventType.CASE_REVISIT_OVERDUE,),
    "explanation_requested": (DispatchEventType.CASE_EXPLANATION_REQUESTED,),
    "explanation_overdue": (DispatchEventType.CASE_EXPLANATION_OVERDUE,),
}
TOWN_EVENTS = {"settled": MATTER_EVENTS["settled_on_spot"] + MATTER_EVENTS["closed"]}


def recorded(event_types: tuple[str, ...]) -> Q:
    """The matter's timeline records an event of one of these types (a fact, whatever its status is now)."""
    return Q(Exists(CaseEvent.objects.filter(case_id=OuterRef("pk"), type__in=event_types)))


def matter_filters() -> dict[str, Q]:
    """Per matter figure, the matters it lists (the drill-down)."""
    return {"registered": Q(), **{key: recorded(types) for key, types in MATTER_EVENTS.items()}}


def _recorded_counts(cases: QuerySet[Case], events: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """How many of `cases` record each figure's events: one pass over the matters' events, each matter
    counted once per figure. Counted from the events side, it equals `recorded()`'s lists, without a
    probe of the timeline per matter and figure."""
    wanted = sorted({event_type for types in events.values() for event_type in types})
    rows = CaseEvent.objects.filter(case__in=cases.order_by().values("pk"), type__in=wanted).order_by()
    aggregates = {key: Count("case_id", distinct=True, filter=Q(type__in=types)) for key, types in events.items()}
    return rows.aggregate(**aggregates)


def matter_figures(*, center: Center, month: Month) -> dict[str, int]:
    """The month's matters of the district (two statements); `figure_items(district=True)` lists them.
    Counted once a minute (`governance.cache.counted_once_a_minute`): the assessment page and the work
    report show them on every view, and a month's events are 200 ms of reading at 80,000 matters."""

    def count(_at: dt.datetime) -> dict[str, int]:
        cases = town_cases(center, month)
        return {"registered": cases.count(), **_recorded_counts(cases, MATTER_EVENTS)}

    return counted_once_a_minute("matter-figures", f"{center.pk}:{month}", count, now=timezone.now())


def town_case_filters() -> dict[str, Q]:
    return {"registered": Q(), **{key: recorded(types) for key, types in TOWN_EVENTS.items()}}


def town_case_figures(center: Center, month: Month) -> dict[int, dict[str, int]]:
    """Per town and village center, the month's matters registered there and those settled, in one
    statement (`grouped`): one probe of `caseevent_case_type` per matter, grouped by the matter's own
    center (the events' side joined each event back to its matter and sorted them for a distinct
    count: 200 ms at 82,500 matters of a month, 156 ms now)."""
    return grouped(town_cases(center, month), "center_id", town_case_filters())


def escalations(center: Center, month: Month) -> QuerySet[CaseEvent]:
    return (CaseEvent.objects.filter(type=DispatchEventType.CASE_ESCALATED, case__in=town_cases(center, month))
            .annotate(from_center=Cast(KT("data__from_center"), IntegerField())))


def duty(center: Center, month: Month, now: dt.datetime) -> dict[int, dict[str, list[ShiftRecord]]]:
    """Per department, the shifts kept, kept late and missed, from the sign-ins (days up to today)."""
    return shifts_kept_and_missed(center=center, first=month.first, last=month.last, now=now)
