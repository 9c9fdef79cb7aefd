"""Two events can never follow the same one: a unique (matter, previous hash) constraint. On
PostgreSQL its index is built concurrently (no write lock on the timeline while it builds), then
attached as the constraint."""

from django.db import migrations, models

NAME = "caseevent_chain_no_fork"
CONSTRAINT = models.UniqueConstraint(fields=("case", "prev_hash"), name=NAME)


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {NAME} "
                              "ON intake_caseevent (case_id, prev_hash)")
        schema_editor.execute(f"ALTER TABLE intake_caseevent ADD CONSTRAINT {NAME} UNIQUE USING INDEX {NAME}")
    else:
        schema_editor.execute(f"CREATE UNIQUE INDEX {NAME} ON intake_caseevent (case_id, prev_hash)")


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE intake_caseevent DROP CONSTRAINT {NAME}")
    else:
        schema_editor.execute(f"DROP INDEX {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('intake', '0013_timeline_hash_chain'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name='caseevent', constraint=CONSTRAINT)],
            database_operations=[migrations.RunPython(add, remove)],
        ),
    ]
