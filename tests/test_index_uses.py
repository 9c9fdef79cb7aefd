"""Every index of the tables that grow with the matters names the query that uses it
(`governance.index_uses`, issue 25's index audit): a new index without an entry fails here, and so does
an entry whose index is gone.

On every database the indexes are derived from the models as PostgreSQL names them (the migrations are
the models' own operations, checked by `makemigrations --check`), plus the few that migrations create
in SQL; on PostgreSQL the test database's own `pg_indexes` are compared too."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from governance.index_uses import AUDITED_TABLES, INDEX_USES, is_kept_without_scans

# Made by migrations in SQL (PostgreSQL only), not by the models: intake 0004 (the trigram indexes)
# and 0011 (the character pairs' GIN over the generated column).
SQL_INDEXES = {
    "intake_case": {"intake_case_title_trgm", "intake_case_description_trgm", "intake_case_search_pairs_gin"},
}
# PostgreSQL's limit on a name: Django shortens the names it makes to it.
POSTGRESQL_NAME_LENGTH = 63


def _name(table: str, columns: list[str], suffix: str = "") -> str:
    """The name Django's schema editor gives an index on PostgreSQL (the hash of the table and
    columns, shortened to PostgreSQL's limit), whatever the database the test runs on."""
    editor = SimpleNamespace(connection=SimpleNamespace(ops=SimpleNamespace(max_name_length=lambda: POSTGRESQL_NAME_LENGTH)))
    return BaseDatabaseSchemaEditor._create_index_name(editor, table, columns, suffix=suffix)


def _is_text(field: models.Field) -> bool:
    """PostgreSQL adds a `_like` index (pattern operators) beside the index of a text column."""
    return field.get_internal_type() in {"CharField", "TextField", "SlugField", "EmailField", "URLField"}


def _model_indexes(model: type[models.Model]) -> set[str]:
    """The indexes PostgreSQL holds for `model`, by name."""
    meta = model._meta
    table = meta.db_table
    names = {f"{table}_pkey"}
    for field in meta.local_fields:
        if field.primary_key or not field.column:
            continue
        if field.unique:
            names.add(f"{table}_{field.column}_key")
        elif field.db_index:
            names.add(_name(table, [field.column]))
        if (field.unique or field.db_index) and _is_text(field):
            names.add(_name(table, [field.column], "_like"))
    for columns in meta.unique_together:
        names.add(_name(table, [meta.get_field(name).column for name in columns], "_uniq"))
    names |= {index.name for index in meta.indexes}
    names |= {constraint.name for constraint in meta.constraints if isinstance(constraint, models.UniqueConstraint)}
    return names


def _audited_models() -> dict[str, type[models.Model]]:
    return {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in AUDITED_TABLES}


def test_every_audited_table_is_a_model():
    assert sorted(_audited_models()) == sorted(AUDITED_TABLES)
    assert sorted(INDEX_USES) == sorted(AUDITED_TABLES)


def test_every_index_names_its_query_and_every_entry_its_index():
    models_by_table = _audited_models()
    for table in AUDITED_TABLES:
        expected = _model_indexes(models_by_table[table]) | SQL_INDEXES.get(table, set())
        registered = set(INDEX_USES[table])
        assert expected - registered == set(), f"{table}: indexes without their query in governance.index_uses"
        assert registered - expected == set(), f"{table}: entries of governance.index_uses naming no index"


def test_every_use_says_something():
    for table, uses in INDEX_USES.items():
        for index, use in uses.items():
            assert len(use) > 20, (table, index, use)
            if not is_kept_without_scans(use):
                function = use.split(":", 1)[0].split(" ", 1)[0]
                assert function.count(".") >= 2, (table, index, use)  # app.module.function


@pytest.mark.django_db
@pytest.mark.postgres
def test_the_registry_is_the_databases_indexes():
    if connection.vendor != "postgresql":
        pytest.skip("pg_indexes is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() "
                       "AND tablename = ANY(%s)", [list(AUDITED_TABLES)])
        found: dict[str, set[str]] = {}
        for table, index in cursor.fetchall():
            found.setdefault(table, set()).add(index)
    assert found == {table: set(uses) for table, uses in INDEX_USES.items()}
