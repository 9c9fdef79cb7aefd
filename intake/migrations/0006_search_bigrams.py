"""Two-character Chinese search served by an index (PostgreSQL only).

Trigrams need three characters, and most Chinese search words have two (噪音, 欠薪, 漏水, 拆迁): with
only the trigram indexes of 0004 such a search scans the table (2.8 s over a million matters). Here
an immutable function turns text into its overlapping character pairs ("噪音扰民" -> "噪音 音扰 扰民"),
a generated column keeps them as a tsvector (PostgreSQL computes it on insert and update; Django
never sees the column), and a GIN index over it answers "contains this pair" from the index. The
column is stored rather than an expression index so that re-checking a candidate row does not
recompute the pairs: with frequent words that recomputation cost seconds over a million matters.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION intake_bigrams(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(string_agg(substr(lower(t), i, 2), ' '), '')
  FROM generate_series(1, greatest(char_length(t) - 1, 0)) AS i
$$
"""
COLUMN = """
ALTER TABLE intake_case ADD COLUMN IF NOT EXISTS search_pairs tsvector
GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, intake_bigrams(title || ' ' || description))) STORED
"""
INDEX = "CREATE INDEX IF NOT EXISTS intake_case_search_pairs_gin ON intake_case USING gin (search_pairs)"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(COLUMN)
    schema_editor.execute(INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS intake_case_search_pairs_gin")
    schema_editor.execute("ALTER TABLE intake_case DROP COLUMN IF EXISTS search_pairs")
    schema_editor.execute("DROP FUNCTION IF EXISTS intake_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_platformkey"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
