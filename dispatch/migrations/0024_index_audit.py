"""Issue 25's index audit (governance.index_uses): the indexes of the assignments, the messages, the revisit
exclusions, the routing history and the summonses' departments that no query reads, or that an index starting
with the same column already serves, dropped without locking the tables' writes (DROP INDEX CONCURRENTLY on
PostgreSQL). The assignment's status keeps its plain index (renamed assignment_status, in Meta.indexes) and
loses its pattern twin."""

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
        ('contenttypes', '0002_remove_content_type_name'),
        ('dispatch', '0023_notification_recent_sends'),
        ('governance', '0006_person_channels'),
        ('intake', '0018_page_budget_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name='assignment',
            name='dispatch_as_case_id_9c5d91_idx',
        ),
        FieldIndexDroppedConcurrently(
            model_name='assignment',
            name='acknowledged_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        FieldIndexDroppedConcurrently(
            model_name='assignment',
            name='assigned_by',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='交办人'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='assignment',
            name='center',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='governance.center', verbose_name='交办中心'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='assignment',
            name='department',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='governance.department', verbose_name='承办部门'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='assignment',
            name='duty_director',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='当班轮值主任'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='assignment',
            name='policy',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='dispatch.deadlinepolicy', verbose_name='时限设置'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='assignment',
            name='previous',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='dispatch.assignment', verbose_name='改派自'),
        ),
        LikeIndexDroppedConcurrently(
            model_name='assignment',
            field_name='status',
            field=models.CharField(choices=[('assigned', '待签收'), ('acknowledged', '办理中'), ('declined', '退回待裁定'), ('reported', '已反馈'), ('rework', '退回重办'), ('completed', '已办结'), ('withdrawn', '已撤回')], default='assigned', max_length=14, verbose_name='状态'),
            name='assignment_status',
        ),
        FieldIndexDroppedConcurrently(
            model_name='notification',
            name='content_type',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to='contenttypes.contenttype', verbose_name='关联对象类型'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='notification',
            name='recipient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='接收人'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='revisitexclusion',
            name='case',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='revisit_exclusions', to='intake.case'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='revisitexclusion',
            name='duplicate_of',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='intake.case', verbose_name='重复于'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='routinghistory',
            name='center',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='governance.center'),
        ),
        FieldIndexDroppedConcurrently(
            model_name='summonsdepartment',
            name='summons',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='departments', to='dispatch.summons'),
        ),
    ]
