"""源头发现: a problem found in a grid becomes a matter (channel "grid report") at the lowest
center that owns the grid (a high or major risk goes to the district's board), linked to the
patrol; a retry with the same client key returns it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Grid
from grid.choices import GridEventType
from grid.models import CollectedItemChange, GridReport, Patrol
from grid.selectors import owning_center_for_grid, worker_grid_ids
from grid.services._files import photos_check
from grid.services.patrols import clean_client_key
from intake.choices import CaseStatus, Channel, RiskLevel, Urgency
from intake.events import case_event_build, case_events_record_many
from intake.models import Category
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.services.cleaning import FieldErrors
from intake.validators import UploadedFileLike

RISKS_FOR_THE_DISTRICT = frozenset({RiskLevel.HIGH, RiskLevel.MAJOR})


def grid_report_submit(
    *, actor: AbstractBaseUser, grid: Grid, client_key: str, category: Category | int | None, title: str,
    description: str, address: str = "", urgency: str = Urgency.NORMAL, risk_level: str = RiskLevel.LOW,
    photos: Iterable[UploadedFileLike] = (), patrol: Patrol | None = None, parties: Iterable[PartyInput] = (),
    is_group: bool = False, group_size: int = 1, now: dt.datetime | None = None,
) -> tuple[GridReport, bool]:
    """Register the report and put it in the owning center's queue (待调度 at the village station).

    Returns `(report, created)`; `created` is False when the phone resent a report already
    received (same `client_key`): nothing new is written.
    """
    now = now or timezone.now()
    key = clean_client_key(client_key)
    if not key:
        raise ApplicationError(gettext("缺少上报编号（client_key）。"), field="client_key")
    existing = GridReport.objects.filter(client_key=key).select_related("case").first()
    if existing is not None:
        if existing.reporter_id != actor.pk:
            raise ApplicationError(gettext("上报编号已被使用。"), code="client_key_taken", field="client_key")
        return existing, False
    if grid.pk not in worker_grid_ids(worker=actor):
        raise PermissionDeniedError(gettext("只能上报本人负责网格的问题。"))
    center = owning_center_for_grid(grid=grid)
    if center is not None and risk_level in RISKS_FOR_THE_DISTRICT:
        # A high-risk report (a group blocking a road) cannot wait at the village: it goes to the
        # district's dispatch board, where the duty director can summon departments at once.
        center = center.district_center
    if center is None:
        raise ApplicationError(gettext("网格“%(name)s”没有所属的综治中心，请联系管理员。") % {"name": grid.name},
                               code="no_center")
    errors = FieldErrors()
    uploads = photos_check(errors, photos)
    errors.raise_if_any()
    if patrol is not None and (patrol.worker_id != actor.pk or patrol.grid_id != grid.pk):
        patrol = None
    try:
        with transaction.atomic():
            case = case_register(actor=actor, center=center, now=now, matter=MatterInput(
                channel=Channel.GRID_REPORT, category=category, title=title, description=description,
                parties=list(parties), address=address, grid=grid, urgency=urgency, risk_level=risk_level,
                is_group=is_group, group_size=group_size, attachments=[upload for upload, _ in uploads]))
            report = GridReport.objects.create(case=case, grid=grid, patrol=patrol, reporter=actor, client_key=key,
                                               reported_at=now)
            events = []
            if patrol is not None:
                events.append(case_event_build(case=case, type=GridEventType.PATROL_LINKED, actor=actor, now=now, data={
                    "patrol": patrol.pk, "started_at": patrol.started_at, "route_notes": patrol.route_notes}))
                changes = list(CollectedItemChange.objects.filter(patrol=patrol).select_related("item")
                               .order_by("changed_at"))
                if changes:
                    events.append(case_event_build(case=case, type=GridEventType.COLLECTION_LINKED, actor=actor, now=now,
                                                   data={"patrol": patrol.pk,
                                                         "items": sorted({c.item.name for c in changes}),
                                                         "last_changed_at": changes[-1].changed_at}))
            if events:
                case_events_record_many(events=events)
            if case.status == CaseStatus.REGISTERED:  # intake queues a grid report on arrival (QUEUED_ON_ARRIVAL)
                case_send_to_dispatch(actor=actor, case=case, note=gettext("网格上报，进入%(center)s待办") % {
                    "center": center.name}, now=now)
    except IntegrityError:
        existing = GridReport.objects.filter(client_key=key, reporter=actor).select_related("case").first()
        if existing is None:
            raise
        return existing, False
    return report, True
