"""Reads of intake: who may see which matters, the matters list, repeat visits, categories.

`cases_visible_to` is the one place that decides which matters a user may see; every page, API and
export of every app starts from it. Department users are decided by dispatch (who was assigned
what), through the `intake.hooks.department_case_ids` hook that dispatch registers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from governance.counting import COUNT_CAP
from governance.crypto import pii_digest
from governance.errors import NotFoundError
from governance.parsing import db_id
from governance.roles import (
    MAY_HANDLE_ASSIGNMENTS,
    MAY_SEE_GRID_MATTERS,
    departments_led_by,
    user_roles,
)
from governance.scope import reads_center_territory, territory_for_user
from governance.selectors import grid_ids_to_verify
from intake import hooks
from intake.choices import CaseStatus, PartyRole
from intake.filters import SEARCH_MAX_CHARS, TICKED, CaseFilterSet, case_filters_clean
from intake.models import Attachment, Case, CaseEvent, CaseLink, CaseParty, Category, Party
from intake.validators import phone_search_key

PAGE_SIZE = 50


# --- visibility ----------------------------------------------------------------------------


def cases_visible_to(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Case]:
    """The base queryset of matters `user` may see; empty for anyone without a role.

    - center roles (window, dispatch, command, leaders, administrators): the matters of their center's
      territory (`governance.scope`): the district center's people the whole district, a town
      sub-center's its town and what is handled at its center or its villages' stations, a village
      station's its village and its station's; a superuser without a profile sees every district;
    - a leader in charge of departments (分管领导, e.g. lead_zgj): only those departments' matters;
    - department liaison/handler: the matters assigned to their department (dispatch answers, through
      the `intake.hooks.department_case_ids` hook);
    - grid workers: the matters of the grids they cover (`governance.selectors.grid_ids_of_worker`) and
      of their unit grids' village (`grid_ids_to_verify`: they verify those on site);
    - a person holding several of these roles sees the union.
    """
    if not user.is_authenticated:
        return Case.objects.none()
    roles = user_roles(user)
    condition = Q()
    given = False
    if reads_center_territory(user=user):
        territory = territory_for_user(user=user)
        if not territory.level:
            return Case.objects.none()
        condition = territory.matters()
        if territory.is_district or not roles & (MAY_HANDLE_ASSIGNMENTS | MAY_SEE_GRID_MATTERS):
            return Case.objects.filter(condition)
        given = True
    elif not roles & (MAY_HANDLE_ASSIGNMENTS | MAY_SEE_GRID_MATTERS) and not departments_led_by(user=user):
        return Case.objects.none()
    extra = Q(pk__in=[])
    if _reads_departments(user=user, roles=roles):
        extra |= Q(pk__in=hooks.department_case_ids(user))
    if roles & MAY_SEE_GRID_MATTERS:
        # her grids, and her village's own matters (she verifies them on site)
        extra |= Q(grid_id__in=grid_ids_to_verify(user=user))
    visible = Case.objects.filter((condition | extra) if given else extra)
    # Departments and grids answer within their center's district: saying so lets a list walk the
    # district's newest matters (`case_district_recent`) instead of sorting all of a department's.
    district_id = territory_for_user(user=user).district_id
    return visible.filter(district_id=district_id) if district_id is not None else visible


def _reads_departments(*, user: AbstractBaseUser, roles: set[str]) -> bool:
    """A liaison or handler (their departments' matters) or a leader in charge of departments."""
    return bool(roles & MAY_HANDLE_ASSIGNMENTS) or bool(departments_led_by(user=user))


def case_list_count(*, actor: AbstractBaseUser, filters: CaseFilters) -> int | None:
    """The list's capped count where it is read more cheaply than by counting the list's rows
    (`case_page`'s `count`): when the actor sees only departments' matters and filters nothing, counted
    on the assignments alone (dispatch's `department_case_count`), not by probing each matter. None
    otherwise (the list counts its own rows)."""
    if not actor.is_authenticated or filters.as_data() or reads_center_territory(user=actor):
        return None
    roles = user_roles(actor)
    if roles & MAY_SEE_GRID_MATTERS or not _reads_departments(user=actor, roles=roles):
        return None
    return hooks.department_case_count(actor, cap=COUNT_CAP + 1)


def case_get_for_actor(*, actor: AbstractBaseUser | AnonymousUser, pk_or_code: int | str) -> Case:
    """One matter the actor may see, by id or code; `NotFoundError` (404) for missing and not-allowed."""
    queryset = cases_visible_to(user=actor).select_related(
        "category__parent", "grid", "town", "first_receiver__profile", "window", "center", "district"
    )
    key = str(pk_or_code).strip()
    pk = db_id(key)
    lookup = Q(pk=pk) if pk is not None else Q(code=key[:40])
    case = queryset.filter(lookup).first()
    if case is None:
        raise NotFoundError()
    return case


# --- lists ---------------------------------------------------------------------------------


@dataclass
class CaseFilters:
    """What the lists filter by; every field optional. Parsed from a GET query by `from_query`."""

    status: str = ""
    channel: str = ""
    category: int | None = None
    town: int | None = None
    grid: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    overdue: bool = False
    first_receiver: int | None = None
    q: str = ""

    @classmethod
    def from_query(cls, query: Any) -> CaseFilters:
        """Parsed by the FilterSet's form: a value that does not parse is left out."""
        values = case_filters_clean(query)
        values["overdue"] = values.get("overdue") in TICKED
        values["q"] = values.get("q", "").strip()[:SEARCH_MAX_CHARS]
        return cls(**values)

    def as_data(self) -> dict[str, Any]:
        data = {name: value for name, value in vars(self).items() if value not in (None, "", False)}
        if self.overdue:
            data["overdue"] = "true"
        return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in data.items()}


def _apply_filters(queryset: QuerySet[Case], filters: CaseFilters, *, now: dt.datetime) -> QuerySet[Case]:
    return CaseFilterSet(data=filters.as_data(), queryset=queryset, now=now).qs


def _applicants_prefetch() -> Prefetch:
    return Prefetch(
        "case_parties",
        queryset=CaseParty.objects.filter(role=PartyRole.APPLICANT)
        .select_related("party")
        .order_by("-is_spokesman", "id"),
        to_attr="applicant_links",
    )


def case_list_queryset(
    *, actor: AbstractBaseUser, filters: CaseFilters, now: dt.datetime | None = None
) -> QuerySet[Case]:
    """The filtered matters the actor may see, newest first, with what a list row shows joined in."""
    queryset = _apply_filters(cases_visible_to(user=actor), filters, now=now or timezone.now())
    return _with_row_relations(queryset).order_by("-registered_at", "-id")


def _with_row_relations(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """What a list row shows besides the matter: its category, town, grid, first receiver, window and
    applicants."""
    return queryset.select_related("category__parent", "town", "grid", "first_receiver", "window").prefetch_related(
        _applicants_prefetch())


@dataclass
class CasePage:
    """One page of a list, with a count capped at COUNT_CAP ("10000+") so counting stays cheap."""

    rows: list[Case]
    number: int
    page_size: int
    count: int
    count_capped: bool
    query: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP}+" if self.count_capped else str(self.count)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.rows else 0


def case_list(
    *,
    actor: AbstractBaseUser,
    filters: CaseFilters,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    now: dt.datetime | None = None,
) -> CasePage:
    """A page of matters: four queries whatever the row count (capped count, the page's ids, its rows,
    applicants)."""
    return case_page(case_list_queryset(actor=actor, filters=filters, now=now), page=page, page_size=page_size,
                     count=case_list_count(actor=actor, filters=filters))


def case_page(queryset: QuerySet[Case], *, page: int, page_size: int, count: int | None = None) -> CasePage:
    """A page of `case_list_queryset`'s matters, its count capped at COUNT_CAP; a page past the last
    is the last. The page's ids are read first, then their rows with what a row shows: planning the
    filters (a department's matters are a semi-join) together with six joined tables took PostgreSQL
    50 ms at 2M matters, twice the time it took to run."""
    if count is None:
        count = queryset.order_by()[: COUNT_CAP + 1].count()
    capped = count > COUNT_CAP
    count = min(count, COUNT_CAP)
    num_pages = max(1, -(-count // page_size))
    page = min(max(1, page), num_pages)
    offset = (page - 1) * page_size
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + page_size]) if count else []
    by_pk = _with_row_relations(Case.objects.filter(pk__in=ids)).in_bulk() if ids else {}
    rows = [by_pk[pk] for pk in ids if pk in by_pk]
    for row in rows:
        row.applicant = row.applicant_links[0].party if row.applicant_links else None
    return CasePage(rows=rows, number=page, page_size=page_size, count=count, count_capped=capped)


def case_export_rows(
    *, actor: AbstractBaseUser, filters: CaseFilters, limit: int, now: dt.datetime | None = None
) -> Iterator[Case]:
    """The filtered matters for an export, streamed in chunks (one rows query and one applicants query
    per 1,000 rows)."""
    queryset = case_list_queryset(actor=actor, filters=filters, now=now)[:limit]
    for row in queryset.iterator(chunk_size=1000):
        row.applicant = row.applicant_links[0].party if row.applicant_links else None
        yield row


# --- repeat visits ---------------------------------------------------------------------------


def cases_for_applicant(
    *,
    id_number: str | None = None,
    phone: str | None = None,
    actor: AbstractBaseUser | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Earlier matters of a person known by ID number or phone (重复访), newest first, one query.

    With `actor`, only matters the actor may see are returned.
    """
    condition = Q()
    id_number = (id_number or "").strip().upper()
    phone_key = phone_search_key(phone) if phone else None
    if id_number:
        condition |= Q(case_parties__party__id_number_digest=pii_digest(id_number))
    if phone_key:
        condition |= Q(case_parties__party__phone_digest=pii_digest(phone_key))
    if not condition:
        return []
    base = cases_visible_to(user=actor) if actor is not None else Case.objects.all()
    rows = (
        base.filter(condition)
        .order_by("-registered_at", "-id")
        .values("id", "code", "registered_at", "title", "status", "category__name", "address", "grid_id",
                "grid__name", "town__name")
        .distinct()[:limit]
    )
    labels = dict(CaseStatus.choices)
    return [
        {
            "id": row["id"],
            "code": row["code"],
            "registered_at": row["registered_at"],
            "title": row["title"],
            "status": row["status"],
            "status_label": str(labels.get(row["status"], row["status"])),
            "category": row["category__name"],
            # The window prefills the place of the newest earlier matter (a repeat visit is usually
            # about the same site); the clerk overwrites it when it is not.
            "address": row["address"],
            "grid": {"id": row["grid_id"], "path": " / ".join(
                part for part in (row["town__name"], row["grid__name"]) if part)} if row["grid_id"] else None,
        }
        for row in rows
    ]


def party_find(*, id_number: str | None = None, phone: str | None = None) -> Party | None:
    """The party a returning applicant most likely is, to prefill the form (ID wins over phone)."""
    id_number = (id_number or "").strip().upper()
    if id_number:
        found = Party.objects.filter(id_number_digest=pii_digest(id_number)).order_by("id").first()
        if found is not None:
            return found
    phone_key = phone_search_key(phone) if phone else None
    if phone_key:
        return Party.objects.filter(phone_digest=pii_digest(phone_key)).order_by("-id").first()
    return None


# --- one matter -----------------------------------------------------------------------------


def case_parties(*, case: Case) -> list[CaseParty]:
    return list(CaseParty.objects.filter(case=case).select_related("party").order_by("role", "-is_spokesman", "id"))


def case_links(*, case: Case) -> list[dict[str, Any]]:
    """Links both ways: the matters this one points at and the ones that point at it."""
    links = CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case)).select_related("from_case", "to_case")
    result = []
    for link in links.order_by("created_at", "id"):
        other = link.to_case if link.from_case_id == case.pk else link.from_case
        result.append({"other": other, "note": link.note, "outgoing": link.from_case_id == case.pk,
                       "created_at": link.created_at})
    return result


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("occurred_at", "id")


# --- categories ------------------------------------------------------------------------------


def categories_for_picker() -> list[dict[str, Any]]:
    """Active categories a matter can take (leaves, and top levels without children), for the
    window autocomplete: id, code, name, full path and pinyin initials."""
    rows = list(Category.objects.filter(active=True).select_related("parent").order_by("ordering", "code"))
    parents_with_children = {row.parent_id for row in rows if row.parent_id}
    result = []
    for row in sorted(rows, key=lambda r: ((r.parent.ordering, r.parent.code) if r.parent else (r.ordering, r.code),
                                           0 if r.parent is None else 1, r.ordering, r.code)):
        if row.pk in parents_with_children:
            continue
        if row.parent is not None and not row.parent.active:
            continue
        path = f"{row.parent.name} / {row.name}" if row.parent else row.name
        initials = row.initials
        if row.parent is not None:
            initials = f"{row.initials} {row.parent.initials}"
        phrases = row.phrases or (row.parent.phrases if row.parent else "")
        result.append({"id": row.pk, "code": row.code, "name": row.name, "path": path, "initials": initials,
                       "parent": row.parent.name if row.parent else "",
                       "complexity": row.default_complexity,
                       "phrases": [line.strip() for line in phrases.splitlines() if line.strip()]})
    return result


def categories_top_level() -> QuerySet[Category]:
    return Category.objects.filter(parent__isnull=True, active=True).prefetch_related("children")


# --- added for the intake API ---------------------------------------------------------------


def attachment_get_for_actor(*, actor: AbstractBaseUser | AnonymousUser, pk: int) -> Attachment:
    """One attachment of a matter the actor may see; `NotFoundError` (404) for missing and not-allowed."""
    attachment = Attachment.objects.filter(pk=pk, case__in=cases_visible_to(user=actor)).first()
    if attachment is None:
        raise NotFoundError()
    return attachment


def case_attachments(*, case: Case) -> list[Any]:
    """The matter's attachments in upload order (the API's matter detail)."""
    return list(case.attachments.select_related("uploaded_by").order_by("id"))


# What the first receiver still owes: a matter registered and not yet settled or sent on, a matter
# verified (or settled on the spot) waiting for the revisit call, a revisited one waiting to be closed.
FOLLOW_UP_STATUSES = (CaseStatus.REGISTERED, CaseStatus.SETTLED_ON_SPOT, CaseStatus.VERIFIED, CaseStatus.REVISITED)


def cases_follow_up_due(*, actor: AbstractBaseUser, limit: int = 50, now: dt.datetime | None = None) -> list[Case]:
    """待回访 / 待办结: the first receiver's matters waiting for them (also those whose applicant is owed an
    explanation call because an assignment went overdue), oldest promise first, each with its running
    clocks (`case.clocks`, from dispatch's deadline steps). Two queries."""
    # The explanation clock asked of each of her matters (`deadline_step_subject`: matter, kind), not as
    # the set of every matter it runs on (46,000 steps read on every view of her home at 2M matters).
    owed = Exists(hooks.case_ids_to_explain().filter(subject_id=OuterRef("pk")))
    cases = list(
        Case.objects.filter(Q(status__in=FOLLOW_UP_STATUSES) | owed, first_receiver=actor)
        .select_related("category")
        .order_by("expected_answer_at", "pk")[:limit]
    )
    with_clocks(cases, now=now)
    return cases


def with_clocks(cases: list[Case], *, now: dt.datetime | None = None) -> list[Case]:
    """Set `case.clocks` on each matter: the clocks running on it, with their countdowns (one query)."""
    clocks = hooks.case_clocks(case_ids=[case.pk for case in cases], now=now or timezone.now()) if cases else {}
    for case in cases:
        case.clocks = clocks.get(case.pk, [])
    return cases


def follow_up_panel(user: AbstractBaseUser) -> dict[str, Any]:
    """The clerk's home panel (registered in `IntakeConfig.ready`)."""
    now = timezone.now()
    cases = list(cases_follow_up_due(actor=user, now=now))
    for case in cases:
        case.work_url = hooks.case_work_url(case_id=case.pk)
    return {"cases": cases, "now": now}
