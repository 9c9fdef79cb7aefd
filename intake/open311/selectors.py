"""Reads of the Open311 interface: services (our categories) and a platform's own service requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from governance.errors import NotFoundError
from intake import hooks
from intake.choices import OPEN_STATUSES, CaseStatus
from intake.models import Case, Category, PlatformKey
from intake.selectors import categories_for_picker

# GeoReport v2: "a span of 90 days or first 1000 requests returned, whichever is smallest".
DEFAULT_SPAN = dt.timedelta(days=90)
MAX_REQUESTS = 1000


def open311_services() -> list[dict[str, Any]]:
    """Every category a matter can take, as GeoReport services (service_code = category code)."""
    services = []
    for row in categories_for_picker():
        group, _, _name = row["path"].rpartition(" / ")
        services.append({
            "service_code": row["code"],
            "service_name": row["name"],
            "description": row["path"],
            "metadata": True,
            "type": "realtime",
            "keywords": row["initials"],
            "group": group or row["name"],
        })
    return services


def open311_service_get(*, service_code: str) -> Category:
    """An active category a matter can take (a leaf, or a top level without children)."""
    category = (
        Category.objects.select_related("parent")
        .filter(code=service_code, active=True)
        .exclude(pk__in=Category.objects.filter(active=True, parent__isnull=False).values("parent_id"))
        .first()
    )
    if category is None:
        raise NotFoundError(f"service_code {service_code[:40]} not found.")
    return category


def _platform_cases(*, key: PlatformKey | None) -> QuerySet[Case]:
    # A platform sees the matters it pushed, in the district it pushes into, and nothing else.
    # Without a key (a plain GeoReport client; the spec leaves GETs public): every matter that came
    # in through Open311, to be shown with its public fields only (`formats.public_representation`).
    if key is None:
        return Case.objects.exclude(external_source="").select_related("category", "center")
    return Case.objects.filter(external_source=key.source, district=key.center.district_center).select_related(
        "category", "center"
    )


@dataclass
class RequestFilters:
    service_request_ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: Sequence[str] = field(default_factory=tuple)
    updated_after: dt.datetime | None = None


def open311_requests(*, key: PlatformKey | None, filters: RequestFilters, now: dt.datetime) -> list[Case]:
    """GeoReport `GET requests`: by ids (other filters ignored, as the spec says), or by service code,
    date span (90 days back from now by default) and open/closed status; newest first, 1,000 at most.
    `updated_after` (our extension, for a platform polling for changes) keeps the matters changed
    after that instant, whenever they were registered: then the 90-day default span does not apply
    (an explicit start_date/end_date still does), and the least recently changed come first, so a
    poller that keeps the last `updated_datetime` it saw misses nothing past the 1,000 cap."""
    queryset = _platform_cases(key=key)
    if filters.service_request_ids:
        queryset = queryset.filter(code__in=list(filters.service_request_ids))
    elif filters.updated_after:
        queryset = queryset.filter(updated_at__gt=filters.updated_after)
        if filters.start:
            queryset = queryset.filter(registered_at__gte=filters.start)
        if filters.end:
            queryset = queryset.filter(registered_at__lte=filters.end)
        return list(_narrowed(queryset, filters).order_by("updated_at", "id")[:MAX_REQUESTS])
    else:
        start = filters.start or ((filters.end or now) - DEFAULT_SPAN)
        queryset = queryset.filter(registered_at__gte=start)
        if filters.end:
            queryset = queryset.filter(registered_at__lte=filters.end)
        queryset = _narrowed(queryset, filters)
    return list(queryset.order_by("-registered_at", "-id")[:MAX_REQUESTS])


def _narrowed(queryset: QuerySet[Case], filters: RequestFilters) -> QuerySet[Case]:
    if filters.service_codes:
        queryset = queryset.filter(category__code__in=list(filters.service_codes))
    statuses = set(filters.statuses)
    if statuses == {"open"}:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        queryset = queryset.filter(status=CaseStatus.CLOSED)
    return queryset


def open311_answers(*, cases: Sequence[Case]) -> dict[int, str]:
    """The approved answers of the closed matters among `cases` (asked of dispatch through the hook)."""
    closed = [case.pk for case in cases if case.status == CaseStatus.CLOSED]
    return hooks.case_answers(case_ids=closed) if closed else {}


def open311_request_get(*, key: PlatformKey | None, service_request_id: str) -> Case:
    case = _platform_cases(key=key).filter(code=service_request_id).first()
    if case is None:
        raise NotFoundError(f"service_request_id {service_request_id[:40]} not found.")
    return case


def open311_is_own(*, key: PlatformKey, case: Case) -> bool:
    """Whether the platform of `key` pushed this matter (and may see its whole record)."""
    return _platform_cases(key=key).filter(pk=case.pk).exists()


def open311_token_get(*, key: PlatformKey, token: str) -> Case:
    """Our requests are created in real time; the token a platform may ask about is its own
    work-order number, which gives back our service_request_id."""
    case = _platform_cases(key=key).filter(Q(external_ref=token)).first()
    if case is None:
        raise NotFoundError(f"token {token[:40]} not found.")
    return case
