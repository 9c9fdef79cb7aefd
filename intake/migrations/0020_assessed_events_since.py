"""Issue 25: the assessment's events about the month's assignments are read from the month's start
(`caseevent_assessed_since`) instead of by their assignment key over every such event ever written
(`caseevent_assignment`, which no query reads any more). Built and dropped without locking the
timeline's writes (CONCURRENTLY on PostgreSQL)."""

from django.conf import settings
from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('intake', '0019_index_audit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='caseevent',
            index=models.Index(condition=models.Q(('type__in', ('assignment.decline_accepted', 'assignment.decline_refused', 'assignment.declined', 'assignment.returned_for_rework', 'case.reopened'))), fields=['occurred_at'], name='caseevent_assessed_since'),
        ),
        RemoveIndexConcurrently(
            model_name='caseevent',
            name='caseevent_assignment',
        ),
    ]
