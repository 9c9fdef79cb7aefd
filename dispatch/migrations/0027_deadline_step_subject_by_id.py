"""Issue 25: `deadline_step_subject` led by the subject's id (a page's matters' clocks read their own
steps, not every step of the clocks' types). Dropped and built again without locking the steps' writes
(CONCURRENTLY on PostgreSQL)."""

from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('dispatch', '0026_sweep_run_lag'),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name='deadlinestep',
            name='deadline_step_subject',
        ),
        AddIndexConcurrently(
            model_name='deadlinestep',
            index=models.Index(condition=models.Q(('subject_type', ''), _negated=True), fields=['subject_id', 'subject_type'], name='deadline_step_subject'),
        ),
    ]
