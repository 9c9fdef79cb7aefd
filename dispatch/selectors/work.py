"""Reads of dispatch work: the dispatch board, department inboxes, scoped fetches (404 for "not yours")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.choices import (
    BOARD_LIVE_STATUSES,
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    DispatchEventType,
    ExtensionStatus,
    SummonsStatus,
)
from dispatch.models import (
    Assignment,
    AssignmentReport,
    DeclineRequest,
    ExtensionRequest,
    RoutingHistory,
    RoutingRule,
    Summons,
    SummonsDepartment,
)
from dispatch.selectors.summons_work import mark_rows, summons_call_deliveries
from governance.counting import capped_counts, count_label
from governance.errors import NotFoundError
from governance.models import Center, Department
from governance.parsing import db_id
from governance.roles import (
    MAY_HANDLE_ASSIGNMENTS,
    MAY_LEAD_SUPERVISION,
    MAY_SEE_GRID_MATTERS,
    departments_led_by,
    may,
    user_department_ids,
)
from governance.scope import reads_center_territory, territory_for_user
from intake.choices import CaseEventType, CaseStatus
from intake.models import Case, CaseEvent
from intake.models.case import RISK_RANK, URGENCY_RANK
from intake.selectors import cases_visible_to

HISTORY_DAYS = 90
# The board's headline counts stop at a thousand: past that, "1000+" waiting or overdue tells a duty
# director all a number can (the matter list counts to 10,000), and the board reads a tenth of the
# index entries on every view (4 counts x 10,001 entries: 20 ms of its 47 at 2M matters).
PENDING_COUNT_CAP = 1_000

__all__ = [
    "BoardData",
    "assignment_get_for_actor",
    "assignments_for_department_user",
    "case_get_for_work",
    "case_ids_visible_to_department_user",
    "dispatch_board",
    "routing_suggestions",
    "summons_department_get_for_actor",
    "summons_get_for_actor",
]


def case_ids_visible_to_department_user(user: AbstractBaseUser) -> QuerySet:
    """Ids of matters a department liaison or handler may see: those assigned to their department
    (including finished ones), and to a leader in charge the matters he supervises (督办领导).
    Registered as intake's `department_case_ids` hook, read as `pk__in` (a semi-join: no DISTINCT, which
    would stop the planner walking the district's newest matters and probing each)."""
    rows = Q(department_id__in=user_department_ids(user))
    if _may_supervise(user):
        # Only those who may be named supervising leader (`supervision.supervising_leaders`) are asked
        # about: for the others the department's matters are read from `assignment_department_due`
        # alone (the OR makes PostgreSQL read every assignment's row: 55 of the list's 126 ms at 2M;
        # a UNION instead hid the number of rows from the planner, which then read them all for a page).
        rows |= Q(supervising_leader=user)
    return Assignment.objects.filter(rows).values_list("case_id", flat=True)


def _may_supervise(user: AbstractBaseUser) -> bool:
    return may(user, MAY_LEAD_SUPERVISION) or bool(departments_led_by(user=user))


def department_case_count(user: AbstractBaseUser, *, cap: int) -> int:
    """How many matters `case_ids_visible_to_department_user` holds, up to `cap`, counted on the
    assignments alone (intake's `department_case_count` hook: the list's count without filters). The
    department's are read index-only from `assignment_department_due`, the supervised ones added by a
    UNION, which drops the duplicates: 15-20 ms at 2M, where counting the matters through the semi-join
    probed each matter's row (80 ms; 230 ms with the OR of a leader in charge)."""
    rows = Assignment.objects.filter(department_id__in=user_department_ids(user)).order_by().values_list("case_id")
    if _may_supervise(user):
        rows = rows.union(Assignment.objects.filter(supervising_leader=user).order_by().values_list("case_id"))
    else:
        rows = rows.distinct()
    return rows[:cap].count()


def assignments_for_department_user(*, user: AbstractBaseUser, open_only: bool = True) -> QuerySet[Assignment]:
    rows = Assignment.objects.filter(department_id__in=user_department_ids(user))
    if open_only:
        rows = rows.filter(status__in=BOARD_LIVE_STATUSES)  # the condition of `assignment_department_live`
    return rows.select_related("case", "case__category", "department", "lead__department").order_by("due_at", "pk")


def _is_center_reader(user: AbstractBaseUser) -> bool:
    """Center staff read by their center's territory (`governance.scope`)."""
    return reads_center_territory(user=user)


def assignment_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> Assignment:
    """Center staff see the assignments of the matters of their territory; department people (and a
    leader in charge of the department) their own department's; a supervising leader those he supervises."""
    rows = Assignment.objects.select_related(
        "case", "case__category", "case__center", "center", "department__liaison", "department__leader_in_charge",
        "lead__department", "supervising_leader", "assigned_by", "duty_director",
    )
    if _is_center_reader(actor):
        rows = rows.filter(territory_for_user(user=actor).matters("case__")
                           | Q(department_id__in=user_department_ids(actor)))
    else:
        if not may(actor, MAY_HANDLE_ASSIGNMENTS) and not departments_led_by(user=actor):
            raise NotFoundError()
        rows = rows.filter(Q(department_id__in=user_department_ids(actor)) | Q(supervising_leader=actor))
    assignment = rows.filter(pk=pk).first()
    if assignment is None:
        raise NotFoundError()
    return assignment


def case_get_for_work_by_key(*, actor: AbstractBaseUser, key: str) -> Case:
    """A matter by its code (QZTS-2026-000001) or internal id, as typed by a person; 404 otherwise."""
    key = key.strip().upper()
    pk = db_id(key)
    if pk is not None:
        return case_get_for_work(actor=actor, pk=pk)
    pk = Case.objects.filter(code=key[:40]).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFoundError(gettext("没有这个事项编号，或您无权查看。"))
    return case_get_for_work(actor=actor, pk=pk)


def case_get_for_work(*, actor: AbstractBaseUser, pk: int) -> Case:
    """One matter the actor may see (the one rule: `intake.selectors.cases_visible_to`)."""
    rows = cases_visible_to(user=actor).select_related("category", "center", "grid", "town", "first_receiver")
    case = rows.filter(pk=pk).first()
    if case is None:
        raise NotFoundError()
    return case


def summons_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> Summons:
    rows = Summons.objects.select_related("center", "case", "requested_by", "decided_by")
    if _is_center_reader(actor):
        territory = territory_for_user(user=actor)
        if not territory.is_district:
            rows = rows.filter(Q(center_id__in=territory.center_ids) | (Q(case__isnull=False) & territory.matters("case__")))
        elif territory.district_id is not None:
            rows = rows.filter(Q(center_id=territory.district_id) | Q(center__district_id=territory.district_id))
    else:
        rows = rows.filter(departments__department_id__in=user_department_ids(actor)).distinct()
    summons = rows.filter(pk=pk).first()
    if summons is None:
        raise NotFoundError()
    return summons


def summons_department_get_for_actor(*, actor: AbstractBaseUser, pk: int) -> SummonsDepartment:
    rows = SummonsDepartment.objects.select_related("summons__case", "summons__center", "department")
    if _is_center_reader(actor):
        territory = territory_for_user(user=actor)
        if not territory.is_district:
            rows = rows.filter(Q(summons__center_id__in=territory.center_ids)
                               | (Q(summons__case__isnull=False) & territory.matters("summons__case__")))
    else:
        rows = rows.filter(department_id__in=user_department_ids(actor))
    row = rows.filter(pk=pk).first()
    if row is None:
        raise NotFoundError()
    return row


# --- the dispatch board ------------------------------------------------------------------------
@dataclass
class Suggestion:
    lead: Department | None = None
    co: list[Department] = field(default_factory=list)
    territory: Department | None = None
    history: list[tuple[Department, int]] = field(default_factory=list)


def routing_suggestions(*, center: Center, cases: list[Case], now: dt.datetime,
                        departments: list[Department] | None = None) -> dict[int, Suggestion]:
    """Suggested lead/co departments and territory for each matter, from the editable routing rules
    and from where matters of the same category went in the last 90 days (one aggregate query).
    `departments`: the center's active departments when the caller has them already."""
    category_ids = {case.category_id for case in cases} | {
        case.category.parent_id for case in cases if case.category.parent_id}
    grid_ids = {case.grid_id for case in cases if case.grid_id} | {case.town_id for case in cases if case.town_id}
    rules = list(
        RoutingRule.objects.filter(center=center, active=True, department__active=True)
        .filter(Q(category_id__in=category_ids) | Q(grid_id__in=grid_ids))
        .select_related("department").order_by("priority", "pk")
    )
    by_category: dict[int, list[RoutingRule]] = defaultdict(list)
    by_grid: dict[int, list[RoutingRule]] = defaultdict(list)
    for rule in rules:
        if rule.category_id and not rule.grid_id:
            by_category[rule.category_id].append(rule)
        elif rule.grid_id:
            by_grid[rule.grid_id].append(rule)
    # From the daily summary kept as assignments are made (not a count over every assignment).
    history_rows = (
        RoutingHistory.objects.filter(center=center, category_id__in=category_ids,
                                      day__gt=timezone.localdate(now) - dt.timedelta(days=HISTORY_DAYS))
        .values("category_id", "department_id").annotate(n=Sum("assignments")).order_by("-n", "department_id")
    )
    if departments is None:
        departments = list(Department.objects.filter(center=center, active=True))
    by_pk = {dept.pk: dept for dept in departments}
    history: dict[int, list[tuple[Department, int]]] = defaultdict(list)
    for row in history_rows:
        dept = by_pk.get(row["department_id"])
        if dept is not None and len(history[row["category_id"]]) < 3:
            history[row["category_id"]].append((dept, row["n"]))
    suggestions: dict[int, Suggestion] = {}
    for case in cases:
        suggestion = Suggestion()
        category_rules = by_category.get(case.category_id) or by_category.get(case.category.parent_id or -1, [])
        for rule in category_rules:
            if rule.role in (AssignmentRole.LEAD, AssignmentRole.SOLE) and suggestion.lead is None:
                suggestion.lead = rule.department
            elif rule.department not in suggestion.co and rule.department != suggestion.lead:
                suggestion.co.append(rule.department)
        for grid_id in (case.grid_id, case.town_id):
            for rule in by_grid.get(grid_id, []):
                if rule.department.is_territory and suggestion.territory is None:
                    suggestion.territory = rule.department
        suggestion.history = history.get(case.category_id, [])
        if suggestion.lead is None and suggestion.history:
            suggestion.lead = suggestion.history[0][0]
        suggestions[case.pk] = suggestion
    return suggestions


# The columns the board shows: the rest of a matter (its description, a grid's boundary) and an
# assignment's policy snapshot are large and never shown there.
BOARD_CASE_FIELDS = (
    "id", "code", "title", "channel", "urgency", "risk_level", "registered_at", "due_at", "external_ref",
    "external_source", "category_id", "grid_id", "town_id", "category__name", "category__parent_id",
    "category__parent__name", "grid__name", "town__name",
)
BOARD_ASSIGNMENT_FIELDS = (
    "id", "status", "role", "redo_count", "due_at", "ack_due_at", "case_id", "department_id",
    "case__code", "case__title", "department__name",
)


@dataclass(slots=True)
class BoardAssignment:
    """A row of the board's live assignments: read as values (200 rows of three model instances
    each cost more than the query)."""

    pk: int
    status: str
    role: str
    redo_count: int
    due_at: dt.datetime
    ack_due_at: dt.datetime
    case_code: str
    case_title: str
    department_name: str
    is_overdue: bool
    ack_overdue: bool


@dataclass
class BoardData:
    now: dt.datetime
    pending: list[Case]
    suggestions: dict[int, Suggestion]
    assignments: list[BoardAssignment]
    summonses: list[Summons]
    extensions: list[ExtensionRequest]
    declined: list[Assignment]
    decline_requests: list[DeclineRequest]
    departments: list[Department]
    counts: dict[str, Any]


def dispatch_board(*, center: Center, now: dt.datetime | None = None, limit: int = 200,
                   pending_limit: int = 50) -> BoardData:
    """Everything the board shows, in a fixed number of queries and a bounded amount of work whatever
    the history: the `pending_limit` most urgent waiting matters (each row carries a dispatch form),
    the `limit` live assignments due first, the declined ones waiting for a ruling (at most `limit`),
    and counts capped at PENDING_COUNT_CAP."""
    now = now or timezone.now()
    # Read in the order of the index `case_dispatch_queue` (the same expressions): no sort of
    # every waiting matter.
    waiting = Case.objects.filter(center=center, status=CaseStatus.PENDING_DISPATCH)
    pending = list(
        waiting.select_related("category", "category__parent", "grid", "town").only(*BOARD_CASE_FIELDS)
        .order_by(URGENCY_RANK, RISK_RANK, "registered_at", "id")[:pending_limit]
    )
    for case in pending:
        case.is_overdue = bool(case.due_at and case.due_at < now)
    # Exactly the condition of the partial index `assignment_board_due`, whose order is the board's.
    live = Assignment.objects.filter(center=center, status__in=BOARD_LIVE_STATUSES)
    assignments = [
        BoardAssignment(
            pk=pk, status=status, role=role, redo_count=redo_count, due_at=due_at, ack_due_at=ack_due_at,
            case_code=code, case_title=title, department_name=department_name,
            is_overdue=status in OPEN_ASSIGNMENT_STATUSES and due_at < now,
            ack_overdue=status == "assigned" and ack_due_at < now,
        )
        for pk, status, role, redo_count, due_at, ack_due_at, code, title, department_name in live.order_by(
            "due_at", "pk").values_list("id", "status", "role", "redo_count", "due_at", "ack_due_at", "case__code",
                                        "case__title", "department__name")[:limit]
    ]
    summonses = list(
        Summons.objects.filter(center=center, status__in=[SummonsStatus.REQUESTED, SummonsStatus.APPROVED])
        .select_related("case", "requested_by")
        .prefetch_related(Prefetch("departments", queryset=SummonsDepartment.objects.select_related("department")))
        .order_by("-requested_at")[:50]
    )
    for summons in summonses:
        rows = list(summons.departments.all())
        mark_rows(summons, rows, now)
        summons.all_reported_in = bool(rows) and all(row.reported_in_at for row in rows)
    summons_call_deliveries(rows=[row for summons in summonses for row in summons.departments.all()])
    extensions = list(
        ExtensionRequest.objects.filter(assignment__center=center, status=ExtensionStatus.PENDING)
        .select_related("assignment__case", "assignment__department", "requested_by").order_by("requested_at")[:limit]
    )
    declined = list(
        Assignment.objects.filter(center=center, status="declined").select_related("case", "department")
        .only(*BOARD_ASSIGNMENT_FIELDS).order_by("pk")[:limit]
    )
    # Returns asked after the 退单时限: the department's clock runs while they wait.
    decline_requests = list(
        DeclineRequest.objects.filter(assignment__center=center, status=ExtensionStatus.PENDING)
        .select_related("assignment__case", "assignment__department").order_by("requested_at")[:limit]
    )
    # Read from the indexes `case_center_status` and `assignment_board_due` alone (due_at and
    # status are in the latter), at most PENDING_COUNT_CAP + 1 entries each. Overdue: the live ones
    # past their deadline but the reported ones (a second `status IN` would only blur the estimate).
    counts: dict[str, Any] = capped_counts({
        "pending": waiting,
        "open": live,
        "overdue": live.filter(due_at__lt=now).exclude(status=AssignmentStatus.REPORTED),
        "unacknowledged": live.filter(status="assigned"),
    }, PENDING_COUNT_CAP)
    for name in list(counts):
        counts[f"{name}_label"] = count_label(counts[name], PENDING_COUNT_CAP)
        counts[name] = min(counts[name], PENDING_COUNT_CAP)
    departments = list(Department.objects.filter(center=center, active=True).order_by("short_code"))
    return BoardData(
        now=now, pending=pending,
        suggestions=routing_suggestions(center=center, cases=pending, now=now, departments=departments),
        assignments=assignments, summonses=summonses, extensions=extensions, declined=declined,
        decline_requests=decline_requests, departments=departments, counts=counts,
    )


def case_work_detail(*, case: Case) -> dict[str, Any]:
    """The work page of one matter: assignments with their reports, verifications, revisits, timeline."""
    assignments = list(
        Assignment.objects.filter(case=case).select_related("department", "lead__department", "supervising_leader")
        .prefetch_related(Prefetch("reports", queryset=AssignmentReport.objects.select_related("author")
                                   .prefetch_related("attachments")),
                          Prefetch("extension_requests", queryset=ExtensionRequest.objects.select_related(
                              "requested_by", "decided_by")))
        .order_by("assigned_at", "pk")
    )
    return {
        "assignments": assignments,
        "verifications": list(case.verifications.select_related("verifier")),
        "revisits": list(case.revisits.select_related("revisited_by")),
        "revisit_attempts": list(case.revisit_attempts.select_related("attempted_by")),
        "exclusions": list(case.revisit_exclusions.select_related("duplicate_of", "proposed_by", "decided_by")),
        "explanations": list(case.explanation_calls.select_related("called_by")),
        "events": list(case.events.select_related("actor").order_by("occurred_at", "pk")),
        "summonses": list(case.summonses.prefetch_related(
            Prefetch("departments", queryset=SummonsDepartment.objects.select_related("department")))),
    }


def cases_awaiting_verification(*, actor: AbstractBaseUser, center: Center | None, limit: int = 200) -> list[Case]:
    """Matters reported back and waiting for on-site verification: for a grid worker those in their
    grids, for center staff all of the center's (the longest waiting first: `case_center_reported`).
    One query."""
    rows = (cases_visible_to(user=actor).filter(status=CaseStatus.REPORTED)
            .select_related("category__parent", "grid", "town"))
    if _is_center_reader(actor):
        rows = rows.filter(center=center) if center is not None else rows.none()
    elif not may(actor, MAY_SEE_GRID_MATTERS):
        return []
    return list(rows.order_by("updated_at")[:limit])


def case_territory(*, case: Case) -> Department | None:
    """The territorial department (the town government) of a matter's grid, from the routing rules."""
    return routing_suggestions(center=case.center, cases=[case], now=timezone.now())[case.pk].territory
















# --- four eyes ---------------------------------------------------------------------------------
# Who handled a matter (settled it on the spot, or reported a department's answer back) never also
# checks that result (`dispatch.services.closing.four_eyes_refusal`).
HANDLED_EVENTS = (CaseEventType.CASE_SETTLED_ON_SPOT, DispatchEventType.ASSIGNMENT_REPORTED_BACK)


def case_ids_handled_by(*, user: AbstractBaseUser) -> QuerySet:
    """The ids of the matters `user` settled on the spot or reported back, as a subquery."""
    return CaseEvent.objects.filter(actor=user, type__in=HANDLED_EVENTS).values("case_id")
