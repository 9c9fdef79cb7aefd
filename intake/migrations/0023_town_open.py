"""Issue 25: a town's open matters (`case_town_open`: town, status, due_at, open ones only), its
dashboard's open and overdue counts, instead of the town's whole history ANDed with the plain status
index; that index, read by nothing else (the index audit of `make bench` and the crawler), is dropped.
Built and dropped without locking the matters' writes (CONCURRENTLY on PostgreSQL)."""

from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('intake', '0022_key_matters_index'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='case',
            index=models.Index(condition=models.Q(('status', 'closed'), _negated=True), fields=['town', 'status', 'due_at'], name='case_town_open'),
        ),
        RemoveIndexConcurrently(
            model_name='case',
            name='intake_case_status_9a838620',
        ),
    ]
