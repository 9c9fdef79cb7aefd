"""The board's partial index in the board's own order (center, deadline, id), status included, and a
center's assignments by month (the assessment's cohort): built beside the old one without locking the
assignments (CREATE INDEX CONCURRENTLY on PostgreSQL), then the old one dropped the same way."""

from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("dispatch", "0012_person_channels"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="assignment",
            index=models.Index(condition=models.Q(("status__in", ("acknowledged", "assigned", "declined", "reported",
                                                                   "rework"))),
                               fields=["center", "due_at", "id"], include=["status"], name="assignment_board_due"),
        ),
        RemoveIndexConcurrently(model_name="assignment", name="assignment_board_live"),
        AddIndexConcurrently(
            model_name="assignment",
            index=models.Index(fields=["center", "assigned_at"], name="assignment_center_month"),
        ),
    ]
