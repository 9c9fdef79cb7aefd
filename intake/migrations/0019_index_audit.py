"""Issue 25's index audit (governance.index_uses): the indexes of the matters, the timeline, the parties and the
views of personal data that no query reads, or that an index starting with the same column already serves,
dropped without locking the tables' writes (DROP INDEX CONCURRENTLY on PostgreSQL). The status, the event
type and the credit code keep their plain index (now in Meta.indexes) and lose its pattern twin."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from governance.migration_ops import (
    FieldIndexDroppedConcurrently,
    LikeIndexDroppedConcurrently,
    RemoveIndexConcurrently,
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('governance', '0006_person_channels'),
        ('intake', '0018_page_budget_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name='case',
            name='intake_case_status_f22586_idx',
        ),
        RemoveIndexConcurrently(
            model_name='case',
            name='intake_case_first_r_ee626e_idx',
        ),
        RemoveIndexConcurrently(
            model_name='case',
            name='intake_case_town_id_7b8a16_idx',
        ),
        RemoveIndexConcurrently(
            model_name='caseevent',
            name='intake_case_case_id_c4fbd7_idx',
        ),
        RemoveIndexConcurrently(
            model_name='sensitiveview',
            name='intake_sens_party_i_ea5700_idx',
        ),
        RemoveIndexConcurrently(
            model_name='sensitiveview',
            name='intake_sens_actor_i_b8c994_idx',
        ),
        FieldIndexDroppedConcurrently(
            model_name='case',
            name='category',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='intake.category', verbose_name='事项类别'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='case',
            name='center',
            field=models.ForeignKey(db_index=False, help_text='事项上提、下交时随之改变。', on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='governance.center', verbose_name='当前承办中心'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='case',
            name='district',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='district_cases', to='governance.center', verbose_name='所属区'),
        ),
        LikeIndexDroppedConcurrently(
            model_name='case',
            field_name='status',
            field=models.CharField(choices=[('registered', '已登记'), ('pending_dispatch', '待调度'), ('settled_on_spot', '当场办结'), ('in_progress', '办理中'), ('reported', '已反馈'), ('verified', '已核查'), ('revisited', '已回访'), ('closed', '已办结')], default='registered', max_length=20, verbose_name='状态'),
            name='intake_case_status_9a838620',
        ),
        FieldIndexDroppedConcurrently(
            model_name='case',
            name='window',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='governance.servicewindow', verbose_name='受理窗口'),
        ),
        LikeIndexDroppedConcurrently(
            model_name='caseevent',
            field_name='type',
            field=models.CharField(help_text='如 case.registered', max_length=60, verbose_name='事件'),
            name='intake_caseevent_type_b9abc3af',
        ),
        FieldIndexDroppedConcurrently(
            model_name='caseparty',
            name='case',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='case_parties', to='intake.case'),
        ),
        LikeIndexDroppedConcurrently(
            model_name='party',
            field_name='credit_code',
            field=models.CharField(blank=True, max_length=18, verbose_name='统一社会信用代码'),
            name='party_credit_code',
        ),
        FieldIndexDroppedConcurrently(
            model_name='sensitiveview',
            name='case',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='intake.case', verbose_name='事项'),
        ),
    ]
