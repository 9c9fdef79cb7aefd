"""A center's matters reported back by how long they wait (the verification queue), a grid's open
matters by deadline (the grid's page), and whether a matter's timeline records an event
of a type, read from the index alone (the assessment's and the work report's facts of a month's
matters); the single-column index of the timeline's matter goes, `caseevent_case_type` leads with it.
Built without locking the tables' writes (CONCURRENTLY on PostgreSQL) before the old one is dropped."""

import django.db.models.deletion
from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("intake", "0017_answer_limits"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(condition=models.Q(("status", "closed"), _negated=True), fields=["grid", "due_at"],
                               name="case_grid_open_due"),
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(condition=models.Q(("status", "reported")), fields=["center", "updated_at"],
                               name="case_center_reported"),
        ),
        AddIndexConcurrently(
            model_name="caseevent",
            index=models.Index(fields=["case", "type"], name="caseevent_case_type"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="events", to="intake.case"),
        ),
    ]
