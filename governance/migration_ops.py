"""Migration operations for the large tables (matters, timeline events, assignments, notifications,
deadline steps): an index is built without locking writes, on PostgreSQL with CREATE INDEX
CONCURRENTLY, elsewhere (SQLite, the embedded default) as a plain index. A migration that uses them
sets `atomic = False`; `tests/test_migration_rules.py` requires them for new migrations."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.postgres import operations as postgres
from django.db import models
from django.db.migrations.operations import AddIndex, AlterField, RemoveIndex, SeparateDatabaseAndState
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


class FieldIndexDroppedConcurrently(AlterField):
    """A field of a large table loses its own index (`db_index` off; a foreign key keeps its constraint):
    on PostgreSQL its index and the `_like` twin of a text column are dropped with DROP INDEX
    CONCURRENTLY, so no write waits on the table, and built back the same way backwards; elsewhere the
    plain AlterField. Issue 25's index audit: an index no query reads, or one that an index starting
    with the same column already serves (`governance.index_uses`)."""

    def _statements(self, schema_editor: Any, state: ProjectState, app_label: str) -> list[Any]:
        """The CREATE INDEX statements of the field as it is in `state` (with its index)."""
        model = state.apps.get_model(app_label, self.model_name)
        return schema_editor._field_indexes_sql(model, model._meta.get_field(self.name))

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        for statement in self._statements(schema_editor, from_state, app_label):
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {statement.parts['name']}")

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
            return
        for statement in self._statements(schema_editor, to_state, app_label):
            schema_editor.execute(str(statement).replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY IF NOT EXISTS", 1))

    def describe(self) -> str:
        return f"Drop the index of {self.model_name}.{self.name} (concurrently on PostgreSQL)"


class LikeIndexDroppedConcurrently(SeparateDatabaseAndState):
    """A text column keeps its plain index and loses the `_like` twin that PostgreSQL adds beside it for
    LIKE 'prefix%' outside the C collation, where no query matches a prefix (the plain index serves
    `=` and `IN` alike). In the models the field's `db_index` becomes an index of Meta.indexes named
    `name`: the same index, renamed when its generated name is longer than Meta allows. On PostgreSQL
    the twin goes with DROP INDEX CONCURRENTLY (no write waits) and comes back the same way backwards."""

    def __init__(self, model_name: str, field_name: str, field: models.Field, name: str) -> None:
        self.model_name, self.field_name, self.field, self.name = model_name, field_name, field, name
        super().__init__(state_operations=[AlterField(model_name, field_name, field),
                                           AddIndex(model_name, models.Index(fields=[field_name], name=name))])

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [], {"model_name": self.model_name, "field_name": self.field_name,
                                             "field": self.field, "name": self.name}

    def _field_indexes(self, schema_editor: Any, state: ProjectState, app_label: str) -> tuple[Any, list[Any]]:
        """The model as in `state` (the field with its own index) and the field's CREATE INDEX statements:
        the plain index, then (PostgreSQL) its `_like` twin."""
        model = state.apps.get_model(app_label, self.model_name)
        return model, schema_editor._field_indexes_sql(model, model._meta.get_field(self.field_name))

    def _rename(self, schema_editor: Any, model: Any, old: str, new: str) -> None:
        if old != new:
            schema_editor.rename_index(model, models.Index(fields=[self.field_name], name=old),
                                       models.Index(fields=[self.field_name], name=new))

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model, (plain, *twins) = self._field_indexes(schema_editor, from_state, app_label)
        for twin in twins:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {twin.parts['name']}")
        self._rename(schema_editor, model, str(plain.parts["name"]).strip('"'), self.name)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model, (plain, *twins) = self._field_indexes(schema_editor, to_state, app_label)
        self._rename(schema_editor, model, self.name, str(plain.parts["name"]).strip('"'))
        for twin in twins:
            schema_editor.execute(str(twin).replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY IF NOT EXISTS", 1))

    def describe(self) -> str:
        return f"Keep the index of {self.model_name}.{self.field_name} as {self.name}, drop its pattern twin"


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
