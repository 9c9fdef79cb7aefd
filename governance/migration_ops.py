"""Migration operations for the large tables (matters, timeline events, assignments, notifications,
deadline steps): an index is built without locking writes, on PostgreSQL with CREATE INDEX
CONCURRENTLY, elsewhere (SQLite, the embedded default) as a plain index. A migration that uses them
sets `atomic = False`; `tests/test_migration_rules.py` requires them for new migrations."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.postgres import operations as postgres
from django.db.migrations.operations import AddIndex, RemoveIndex


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
