"""Issue 25: a town's matters of a period (`case_town_recent`: town, registered_at) instead of the town's
plain index, which a month's report ANDed with the whole district's month. Built and dropped without
locking the matters' writes (CONCURRENTLY on PostgreSQL)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently, FieldIndexDroppedConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('governance', '0006_person_channels'),
        ('intake', '0020_assessed_events_since'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='case',
            index=models.Index(fields=['town', 'registered_at'], name='case_town_recent'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='case',
            name='town',
            field=models.ForeignKey(blank=True, db_index=False, help_text='由网格推得，便于按镇筛选。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='town_cases', to='governance.grid', verbose_name='所属镇'),
        ),
    ]
