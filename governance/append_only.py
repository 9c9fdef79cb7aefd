"""Append-only records (the matter's timeline, audit logs, the mode switches, published months): the one
way a model says that its rows are only ever added, never changed or deleted (saleor OrderEvent,
zulip RealmAuditLog).

A model derives from `AppendOnlyModel`: saving a row that is already stored, deleting a row, and its
manager's `update()` / `delete()` (and so `bulk_update()` and `update_or_create()` of a stored row)
raise `AppendOnlyError`. Deleting a row's parent still removes it (a CASCADE runs through the base
manager, in SQL), and SET_NULL still empties its links: those belong to the parent's life, not to an
edit of the record. The admin shows such rows through `governance.admin.ReadOnlyAdmin`.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class AppendOnlyError(Exception):
    """A stored row of an append-only model was about to be changed or deleted."""


def _refuse(model: type[models.Model], what: str) -> NoReturn:
    raise AppendOnlyError(f"{model._meta.label} rows are append-only: they are never {what}")


class AppendOnlyQuerySet(models.QuerySet):
    """The manager of an append-only model: rows are inserted and read, never updated or deleted."""

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse(self.model, "updated")

    def delete(self) -> NoReturn:
        _refuse(self.model, "deleted")

    # As Django marks its own: not callable from a template, and not copied onto the manager.
    update.alters_data = True  # type: ignore[attr-defined]
    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class AppendOnlyModel(models.Model):
    """A model whose rows are only ever inserted (see the module's docstring)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refuse_if_stored(force_insert=bool(kwargs.get("force_insert")))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse(type(self), "deleted")

    def refuse_if_stored(self, *, force_insert: bool = False) -> None:
        """Raise unless saving this row inserts it. A row with a primary key counts as stored unless
        the insert is forced: Django would UPDATE the row that key names."""
        if not self._state.adding or (self.pk is not None and not force_insert):
            _refuse(type(self), "changed")
