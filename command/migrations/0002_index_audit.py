"""Issue 25's index audit (governance.index_uses): the indexes of the radar's matters and the warning letters
that no query reads, or that an index starting with the same column already serves, dropped (DROP INDEX
CONCURRENTLY on PostgreSQL)."""

import django.db.models.deletion
from django.db import migrations, models

from governance.migration_ops import FieldIndexDroppedConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('command', '0001_initial'),
        ('governance', '0006_person_channels'),
        ('intake', '0018_page_budget_indexes'),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name='warningletter',
            name='warning_letter_open',
        ),
        FieldIndexDroppedConcurrently(
            model_name='risksignalcase',
            name='case',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='intake.case'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='risksignalcase',
            name='signal',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='signal_cases', to='command.risksignal'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='warningletter',
            name='department',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='warning_letters', to='governance.department', verbose_name='收函单位'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='warningletter',
            name='signal',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='letters', to='command.risksignal', verbose_name='研判信号'),
        ),
    ]
