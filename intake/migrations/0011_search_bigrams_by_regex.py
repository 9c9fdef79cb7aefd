"""The character pairs of 0006 computed by two regular expressions instead of a query per row.

0006's `intake_bigrams` ran a small query for every row (`generate_series` and `string_agg` over the
text): about 120 microseconds for a matter of 180 characters, the larger part of what PostgreSQL
spends writing a matter, since the generated column `search_pairs` calls it on every insert. The
same pairs come from doubling every character ("噪音扰民" -> "噪噪音音扰扰民民"), dropping the first
and last character ("噪音音扰扰民") and putting a space after every second one ("噪音 音扰 扰民 "):
about 16 microseconds, and a single expression, so the planner can inline it. The words the column
and the search make of it are the same as before (`to_tsvector` ignores the trailing space), so the
stored column and its index stay valid and nothing is rewritten; the test in
`intake/tests/test_queries.py` compares the two functions on awkward text.
"""

from django.db import migrations

REGEX = r"""
CREATE OR REPLACE FUNCTION intake_bigrams(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT regexp_replace(
    substr(regexp_replace(lower(t), '(.)', '\1\1', 'g'), 2, greatest(2 * char_length(t) - 2, 0)),
    '(..)', '\1 ', 'g')
$$
"""
QUERY = """
CREATE OR REPLACE FUNCTION intake_bigrams(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(string_agg(substr(lower(t), i, 2), ' '), '')
  FROM generate_series(1, greatest(char_length(t) - 1, 0)) AS i
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REGEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(QUERY)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0010_category_phrases"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
