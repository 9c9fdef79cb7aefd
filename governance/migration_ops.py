"""Migration operations for the large tables (matters, timeline events, assignments, notifications,
deadline steps): an index is built without locking writes, on PostgreSQL with CREATE INDEX
CONCURRENTLY, elsewhere (SQLite, the embedded default) as a plain index. A migration that uses them
sets `atomic = False`; `tests/test_migration_rules.py` requires them for new migrations."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations.operations import AddIndex, RemoveIndex, SeparateDatabaseAndState
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState


class _ConcurrentlyOnPostgreSQL:
    """PostgreSQL's concurrent operation; on another database the `plain` operation, which builds
    or drops the same index in the usual way."""

    plain: type[AddIndex] | type[RemoveIndex]

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        run = super().database_forwards if schema_editor.connection.vendor == "postgresql" else \
            functools.partial(self.plain.database_forwards, self)
        run(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        run = super().database_backwards if schema_editor.connection.vendor == "postgresql" else \
            functools.partial(self.plain.database_backwards, self)
        run(app_label, schema_editor, from_state, to_state)


class AddIndexConcurrently(_ConcurrentlyOnPostgreSQL, postgres.AddIndexConcurrently):
    plain = AddIndex


class RemoveIndexConcurrently(_ConcurrentlyOnPostgreSQL, postgres.RemoveIndexConcurrently):
    plain = RemoveIndex


class StateOnly(SeparateDatabaseAndState):
    """Operations on the project's state alone (models moving between apps with their tables), applied
    without re-rendering the models they relate to after each one: the rendered apps are dropped first
    and rendered once, when next read. Each relational operation would otherwise re-render every model
    related to it (the user model relates to most): about 15 s per migration of twenty models."""

    def __init__(self, operations: list[Operation]) -> None:
        super().__init__(state_operations=operations)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [self.state_operations], {}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.__dict__.pop("apps", None)
        super().state_forwards(app_label, state)
