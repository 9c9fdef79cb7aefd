"""Issue 25's index audit (governance.index_uses): the indexes of the accountability ladder and the referrals that
no query reads, or that an index starting with the same column already serves, dropped (DROP INDEX
CONCURRENTLY on PostgreSQL)."""

import django.db.models.deletion
from django.db import migrations, models

from governance.migration_ops import FieldIndexDroppedConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('dispatch', '0024_index_audit'),
        ('governance', '0006_person_channels'),
        ('intake', '0019_index_audit'),
        ('review', '0015_command_moves_out'),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name='accountabilityrung',
            name='ladder_rung_department',
        ),
        RemoveIndexConcurrently(
            model_name='efficiencyreferral',
            name='referral_center_status',
        ),
        FieldIndexDroppedConcurrently(
            model_name='accountabilityrung',
            name='assignment',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='ladder_rungs', to='dispatch.assignment', verbose_name='交办'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='accountabilityrung',
            name='center',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='governance.center', verbose_name='交办中心'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='efficiencyreferral',
            name='case',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='intake.case', verbose_name='事项'),
        ),
    ]
