"""Trigram indexes for searching Chinese text in titles and descriptions (PostgreSQL only).

Django's `icontains` on PostgreSQL compiles to `UPPER("col"::text) LIKE UPPER(%s)`, so the GIN
indexes are built on exactly that expression; pg_trgm then serves `%劳动争议%` substrings of three
or more characters from the index. Other databases (SQLite in development) search by scanning.
"""

from django.db import migrations

INDEXES = [
    ("intake_case_title_trgm", "title"),
    ("intake_case_description_trgm", "description"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON intake_case USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0003_seed_categories"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
