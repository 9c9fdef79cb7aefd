"""The basic-information ledger (人、地、事、物、组织、网络), with who changed what and when."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import PermissionDeniedError
from governance.models import Grid
from grid.choices import ItemKind
from grid.models import CollectedItem, CollectedItemChange, Patrol
from grid.selectors import worker_grid_ids
from intake.services.cleaning import FieldErrors, clean_text

ITEM_NAME_MAX_CHARS = 100
ITEM_ADDRESS_MAX_CHARS = 200
ITEM_DETAILS_MAX_CHARS = 2000

TRACKED_FIELDS = ("kind", "name", "address", "details", "households", "residents")


def _count(errors: FieldErrors, field: str, value: int | str | None, label: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.fail(field, gettext("%(label)s应为整数。") % {"label": label})
        return None
    if not 0 <= number <= 100_000:
        errors.fail(field, gettext("%(label)s应在 0 到 100000 之间。") % {"label": label})
        return None
    return number


@transaction.atomic
def collected_item_save(
    *, actor: AbstractBaseUser, grid: Grid, kind: str, name: str, address: str = "", details: str = "",
    households: int | str | None = None, residents: int | str | None = None, item: CollectedItem | None = None,
    patrol: Patrol | None = None, now: dt.datetime | None = None,
) -> CollectedItem:
    """Collect a new entry or update one; every change keeps its old and new values."""
    now = now or timezone.now()
    if grid.pk not in worker_grid_ids(worker=actor):
        raise PermissionDeniedError(gettext("只能采集本人负责网格的信息。"))
    if item is not None and item.grid_id != grid.pk:
        raise PermissionDeniedError(gettext("该条信息不属于本网格。"))
    if patrol is not None and (patrol.worker_id != actor.pk or patrol.grid_id != grid.pk):
        patrol = None
    errors = FieldErrors()
    if kind not in ItemKind.values:
        errors.fail("kind", gettext("请选择信息类别（人、地、事、物、组织、网络）。"))
    values = {
        "kind": kind,
        "name": clean_text(errors, "name", name, label=gettext("名称"), max_chars=ITEM_NAME_MAX_CHARS, required=True),
        "address": clean_text(errors, "address", address, label=gettext("地址"), max_chars=ITEM_ADDRESS_MAX_CHARS),
        "details": clean_text(errors, "details", details, label=gettext("情况"), max_chars=ITEM_DETAILS_MAX_CHARS),
        "households": _count(errors, "households", households, gettext("户数")),
        "residents": _count(errors, "residents", residents, gettext("人数")),
    }
    errors.raise_if_any()
    if item is None:
        item = CollectedItem.objects.create(grid=grid, patrol=patrol, created_by=actor, created_at=now,
                                            updated_at=now, **values)
        changes = {key: [None, value] for key, value in values.items() if value not in (None, "")}
    else:
        item = CollectedItem.objects.select_for_update().get(pk=item.pk)
        changes = {key: [getattr(item, key), value] for key, value in values.items() if getattr(item, key) != value}
        if not changes:
            return item
        for key, value in values.items():
            setattr(item, key, value)
        item.updated_at = now
        item.save(update_fields=[*values, "updated_at"])
    CollectedItemChange.objects.create(item=item, actor=actor, patrol=patrol, changes=changes, changed_at=now)
    return item
