"""Reads of the accountability ladder (issue 22 item 8): the year's triggers of a center, an
assignment's rungs (issued, skipped, still to come), the referrals a user reads, the month's 通报批评
for the work report, and the ladder's counts per department and per named handler for the assessment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import AssignmentStatus, LimitUnit
from dispatch.models import Assignment
from dispatch.services.common import deadline_add
from governance.errors import NotFoundError
from governance.models import Center
from governance.people import display_name
from governance.roles import MAY_READ_REFERRALS, may
from governance.selectors import center_for_user
from governance.workcal import WorkingCalendar
from review.choices import RUNG_ORDER, Rung, RungStatus
from review.models import AccountabilityRung, AssessmentScheme, EfficiencyReferral
from review.models.assessment import LADDER_FIELDS


@dataclass(frozen=True)
class LadderPlan:
    """When each rung falls due after an assignment's deadline, in the year's unit."""

    unit: str
    offsets: tuple[Decimal, ...]  # in RUNG_ORDER

    def due_at(self, *, rung: str, deadline: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
        amount = float(self.offsets[RUNG_ORDER.index(rung)])
        if amount <= 0:
            return deadline
        if self.unit == LimitUnit.WORKING_DAYS:
            # N working days overdue: the end of the Nth working day after the deadline's.
            return calendar.working_days_deadline(deadline, int(amount))
        return deadline_add(calendar=calendar, start=deadline, amount=amount, unit=self.unit)


DEFAULT_PLAN = LadderPlan(unit=LimitUnit.WORKING_DAYS, offsets=tuple(
    AssessmentScheme._meta.get_field(name).default for name in LADDER_FIELDS))


def ladder_plans(*, centers: list[Center], year: int) -> dict[int, LadderPlan]:
    """Each center's plan of the year, in one read: its own scheme, else its parent's (a town's
    assignments follow the district's scheme unless the town set its own), else the defaults."""
    ids = {center.pk for center in centers} | {center.parent_id for center in centers if center.parent_id}
    schemes = {row.center_id: row for row in AssessmentScheme.objects.filter(center_id__in=ids, year=year)}
    plans: dict[int, LadderPlan] = {}
    for center in centers:
        scheme = schemes.get(center.pk) or schemes.get(center.parent_id)
        plans[center.pk] = DEFAULT_PLAN if scheme is None else LadderPlan(
            unit=scheme.ladder_unit, offsets=tuple(getattr(scheme, name) for name in LADDER_FIELDS))
    return plans


@dataclass
class RungRow:
    rung: str
    label: str
    level: int
    record: AccountabilityRung | None
    due_at: dt.datetime | None


def assignment_ladder(*, assignment: Assignment, now: dt.datetime) -> list[RungRow]:
    """The assignment's six rungs: the recorded ones, and for an overdue open assignment when each of
    the others falls due (from its current deadline)."""
    records = {row.rung: row for row in assignment.ladder_rungs.select_related("actor", "letter")}
    plan = ladder_plans(centers=[assignment.center], year=timezone.localtime(now).year)[assignment.center_id]
    calendar = WorkingCalendar(center=assignment.center)
    overdue = assignment.overdue_at is not None and assignment.is_open
    rows = []
    for level, rung in enumerate(RUNG_ORDER, start=1):
        due = plan.due_at(rung=rung, deadline=assignment.due_at, calendar=calendar) if overdue else None
        rows.append(RungRow(rung=rung, label=str(Rung(rung).label), level=level, record=records.get(rung), due_at=due))
    return rows


def next_rungs(*, assignment: Assignment) -> list[str]:
    """The rungs above the highest one recorded: those the commander may go to now."""
    recorded = set(assignment.ladder_rungs.values_list("rung", flat=True))
    highest = max((RUNG_ORDER.index(rung) for rung in recorded), default=-1)
    return list(RUNG_ORDER[highest + 1:])


# --- referrals ---------------------------------------------------------------------------------
def referrals_visible(*, actor: AbstractBaseUser) -> QuerySet[EfficiencyReferral]:
    """The referrals of the reader's center (the 区效能办, the commanders, duty directors, leaders and
    administrators of the district); nothing for anyone else."""
    center = center_for_user(user=actor)
    if center is None or not may(actor, MAY_READ_REFERRALS):
        return EfficiencyReferral.objects.none()
    return (EfficiencyReferral.objects.filter(center=center)
            .select_related("department", "case", "rung__assignment", "answered_by"))


def referral_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> EfficiencyReferral:
    """One referral the reader may read (NotFoundError, answered as 404, for a missing one and one not theirs)."""
    referral = referrals_visible(actor=actor).filter(pk=pk).first()
    if referral is None:
        raise NotFoundError(gettext("移交不存在。"))
    return referral


# --- the work report and the assessment ---------------------------------------------------------------
def criticisms_between(*, center: Center, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """The 通报批评 issued in a period (the month's work report lists them), oldest first."""
    rows = (AccountabilityRung.objects.filter(center=center, rung=Rung.CRITICISM, status=RungStatus.ISSUED,
                                              occurred_at__gte=start, occurred_at__lt=end)
            .select_related("department", "handler", "assignment__case").order_by("occurred_at", "pk"))
    return [{"department": row.department.name, "handler": display_name(row.handler),
             "case_code": row.assignment.case.code, "case_title": row.assignment.case.title,
             "days_overdue": row.days_overdue, "at": row.occurred_at} for row in rows]


LADDER_COUNTED = (Rung.REMINDER, Rung.SUPERVISION_NOTICE, Rung.WORK_LETTER, Rung.WARNING_LETTER, Rung.CRITICISM,
                  Rung.REFERRAL)


def ladder_figures(*, cohort: QuerySet[Assignment]) -> dict[int, dict[str, int]]:
    """Per department, the rungs issued on the month's assignments (the assessment's cohort: whenever
    they climbed, like the cohort's other facts), by rung; one grouped count."""
    counts = {rung: Count("pk", filter=Q(rung=rung)) for rung in LADDER_COUNTED}
    rows = (AccountabilityRung.objects.filter(assignment__in=cohort, status=RungStatus.ISSUED)
            .order_by().values("department_id").annotate(**counts))
    return {row["department_id"]: {rung: int(row[rung]) for rung in LADDER_COUNTED} for row in rows}


STAFF_FIGURES = ("handled", "finished_on_time", "overdue", "criticized", "referred")


def staff_figures(*, cohort: QuerySet[Assignment], now: dt.datetime) -> list[dict[str, Any]]:
    """Per named 承办人 of the month's assignments (seed 001 五(一): the handler is 首办责任人): the
    assignments named to them, finished on time, overdue (reported after the deadline, or the deadline
    passed unreported), and those that climbed to 通报批评 or to the 区效能办. The figures follow the
    handler named on the assignment, not whoever clicked."""
    named = cohort.filter(handler__isnull=False).exclude(status=AssignmentStatus.WITHDRAWN)
    overdue = (Q(reported_at__isnull=False, reported_at__gt=F("due_at"))
               | Q(reported_at__isnull=True, due_at__lt=now))
    rows = (named.order_by().values("handler_id", "department_id", "department__name")
            .annotate(handled=Count("pk", distinct=True),
                      finished_on_time=Count("pk", filter=Q(reported_at__isnull=False,
                                                            reported_at__lte=F("due_at")), distinct=True),
                      overdue=Count("pk", filter=overdue, distinct=True),
                      criticized=Count("ladder_rungs", filter=Q(ladder_rungs__rung=Rung.CRITICISM,
                                                                ladder_rungs__status=RungStatus.ISSUED), distinct=True),
                      referred=Count("ladder_rungs", filter=Q(ladder_rungs__rung=Rung.REFERRAL,
                                                              ladder_rungs__status=RungStatus.ISSUED), distinct=True)))
    people = {user.pk: user for user in get_user_model().objects.filter(pk__in={row["handler_id"] for row in rows})}
    result = [{"id": row["handler_id"], "name": display_name(people.get(row["handler_id"])),
               "department": row["department__name"], "figures": {key: int(row[key]) for key in STAFF_FIGURES}}
              for row in rows]
    return sorted(result, key=lambda row: (row["department"], row["name"]))

