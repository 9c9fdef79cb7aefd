"""One way to move a stateful row from one status to another (issue 26).

Each stateful model declares its transition table beside its choices (`CASE_TRANSITIONS`,
`ASSIGNMENT_TRANSITIONS`, `SUMMONS_TRANSITIONS`, `SIGNAL_TRANSITIONS`, `LETTER_TRANSITIONS`,
`CONSULTATION_TRANSITIONS`: each status → the statuses that may follow it) and registers it with
`register_table` from its app's `ready()`. Every service moves a row through `guarded_move`: the table
must allow the move (and the action its own starting statuses, `expected`), and the move is one
conditional UPDATE on the status the row was read in, so that the same move made twice, or by two
people at once, happens once (the second is told `stale_state`). `tests/test_transitions.py` walks
every registered table.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext

from governance.errors import ApplicationError

Transitions = Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Table:
    """A model's transition table over the status field's choices."""

    model: type[models.Model]
    transitions: Transitions
    statuses: type[models.TextChoices]
    field: str = "status"


TABLES: dict[str, Table] = {}


def register_table(table: Table) -> None:
    TABLES[table.model._meta.label] = table


def table_for(model: type[models.Model]) -> Table:
    return TABLES[model._meta.label]


def transition_refused(table: Table, from_status: str, to_status: str) -> ApplicationError:
    names = {"what": table.model._meta.verbose_name, "from": table.statuses(from_status).label,
             "to": table.statuses(to_status).label}
    message = (gettext("%(what)s已是“%(to)s”，无需重复操作。") if from_status == to_status
               else gettext("%(what)s当前状态为“%(from)s”，不能变为“%(to)s”。")) % names
    return ApplicationError(message, code="invalid_transition", extra={"from": from_status, "to": to_status})


def stale_state(model: type[models.Model]) -> ApplicationError:
    return ApplicationError(gettext("%(what)s状态已被他人更改，请刷新后重试。") % {"what": model._meta.verbose_name},
                            code="stale_state")


def transition_check(row: models.Model, to: str, *, expected: Collection[str] | None = None) -> Table:
    """Refuse the move of `row` to `to` unless its table allows it from the status the row was read
    in (and that status is one of the action's `expected`)."""
    table = table_for(type(row))
    from_status = getattr(row, table.field)
    if (expected is not None and from_status not in expected) or to not in table.transitions.get(from_status, ()):
        raise transition_refused(table, from_status, to)
    return table


def guarded_move(row: models.Model, to: str, *, expected: Collection[str] | None = None, **fields: Any) -> str:
    """Move `row` to `to` (with `fields`) by a conditional UPDATE on the status it was read in; the row
    object is updated too (but for expressions such as F()). Returns the status it left."""
    table = transition_check(row, to, expected=expected)
    from_status = getattr(row, table.field)
    changed = type(row)._default_manager.filter(pk=row.pk, **{table.field: from_status}).update(
        **{table.field: to}, **fields)
    if changed != 1:
        raise stale_state(type(row))
    for name, value in {table.field: to, **fields}.items():
        if not hasattr(value, "resolve_expression"):
            setattr(row, name, value)
    return from_status


def guarded_bulk_move(model: type[models.Model], pks: Collection[int], *, from_statuses: Collection[str], to: str,
                      **fields: Any) -> int:
    """Move every row of `pks` still in one of `from_statuses` to `to` (a matter's open assignments
    withdrawn, its reported ones completed): each of those moves must be in the model's table."""
    table = table_for(model)
    for from_status in from_statuses:
        if to not in table.transitions.get(from_status, ()):
            raise transition_refused(table, from_status, to)
    return model._default_manager.filter(pk__in=list(pks), **{f"{table.field}__in": list(from_statuses)}).update(
        **{table.field: to}, **fields)
