"""网格巡查: start and finish a patrol from the phone, exactly once even when the phone retries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Grid
from grid.choices import PatrolStatus
from grid.models import Patrol, PatrolPhoto
from grid.selectors import worker_grid_ids
from grid.services._files import photos_check
from intake.services.cleaning import FieldErrors, clean_text
from intake.validators import UploadedFileLike

ROUTE_NOTES_MAX_CHARS = 2000


def _require_worker_of(actor: AbstractBaseUser, grid: Grid) -> None:
    if grid.pk not in worker_grid_ids(worker=actor):
        raise PermissionDeniedError(gettext("只能在本人负责的网格巡查。"))


def clean_client_key(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 64 or not all(ch.isalnum() or ch in "-_" for ch in value):
        raise ApplicationError(gettext("离线记录的编号无效。"), field="client_key")
    return value


def patrol_start(
    *, actor: AbstractBaseUser, grid: Grid, route_notes: str = "", client_key: str | None = None,
    started_at: dt.datetime | None = None, now: dt.datetime | None = None,
) -> Patrol:
    """Start a patrol. `started_at` is when the phone started it (kept offline, sent later); a
    retry with the same `client_key` returns the patrol already started."""
    now = now or timezone.now()
    client_key = clean_client_key(client_key)
    if client_key:
        existing = Patrol.objects.filter(client_key=client_key, worker=actor).first()
        if existing is not None:
            return existing
    _require_worker_of(actor, grid)
    errors = FieldErrors()
    route_notes = clean_text(errors, "route_notes", route_notes, label=gettext("巡查情况"),
                             max_chars=ROUTE_NOTES_MAX_CHARS)
    errors.raise_if_any()
    if started_at is None or started_at > now or started_at < now - dt.timedelta(days=2):
        started_at = now
    if Patrol.objects.filter(worker=actor, status=PatrolStatus.ON_PATROL).exists():
        raise ApplicationError(gettext("您有一次巡查尚未结束，请先结束它。"), code="patrol_open")
    try:
        with transaction.atomic():
            return Patrol.objects.create(grid=grid, worker=actor, started_at=started_at, route_notes=route_notes,
                                         client_key=client_key)
    except IntegrityError:
        existing = Patrol.objects.filter(client_key=client_key, worker=actor).first()
        if existing is None:
            raise
        return existing


def patrol_finish(
    *, actor: AbstractBaseUser, patrol: Patrol, route_notes: str = "", photos: Iterable[UploadedFileLike] = (),
    now: dt.datetime | None = None,
) -> Patrol:
    """Finish a patrol with its route notes and photos. Finishing twice (the phone retried) keeps
    the first: the second call changes nothing and stores no photo."""
    now = now or timezone.now()
    if patrol.worker_id != actor.pk:
        raise PermissionDeniedError(gettext("只能结束本人的巡查。"))
    errors = FieldErrors()
    route_notes = clean_text(errors, "route_notes", route_notes, label=gettext("巡查情况"),
                             max_chars=ROUTE_NOTES_MAX_CHARS)
    uploads = photos_check(errors, photos)
    errors.raise_if_any()
    notes = "\n".join(part for part in (patrol.route_notes, route_notes) if part)
    stored: list[str] = []
    field = PatrolPhoto._meta.get_field("file")
    try:
        with transaction.atomic():
            changed = Patrol.objects.filter(pk=patrol.pk, status=PatrolStatus.ON_PATROL).update(
                status=PatrolStatus.FINISHED, finished_at=now, route_notes=notes)
            if changed != 1:
                patrol.refresh_from_db()
                return patrol
            rows = []
            for upload, checked in uploads:
                base = upload.name.rsplit("/", 1)[-1]
                upload.seek(0)
                saved = field.storage.save(field.generate_filename(None, base), upload, max_length=field.max_length)
                stored.append(saved)
                rows.append(PatrolPhoto(patrol=patrol, file=saved, name=base[:200], size=upload.size,
                                        content_type=checked.content_type, uploaded_by=actor, uploaded_at=now))
            PatrolPhoto.objects.bulk_create(rows)
    except BaseException:
        for name in stored:
            field.storage.delete(name)
        raise
    patrol.status, patrol.finished_at, patrol.route_notes = PatrolStatus.FINISHED, now, notes
    return patrol

