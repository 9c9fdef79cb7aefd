"""Issue 25: a district's key matters of a period (`case_district_key_recent`: high or major risk, or a
group's), the month report's 重点事项, instead of reading the whole month. Built without locking the
matters' writes (CONCURRENTLY on PostgreSQL)."""

from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('intake', '0021_town_recent'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='case',
            index=models.Index(condition=models.Q(('risk_level__in', ['high', 'major']), ('is_group', True), _connector='OR'), fields=['district', 'registered_at'], name='case_district_key_recent'),
        ),
    ]
