"""The timeline's hash chain (intake/chain.py): the two columns, then every existing event sealed in
its matter's chain, 1,000 matters per batch, each batch committed (the constraint that refuses forks follows in 0014)."""

from django.conf import settings
from django.db import migrations, models


def seal_existing(apps, schema_editor):
    from intake.chain import timeline_seal_unsealed

    timeline_seal_unsealed(schema_editor.connection, batch=1000)


class Migration(migrations.Migration):
    # The batches commit as they go (no lock on the timeline held to the end).
    atomic = False

    dependencies = [
        ('intake', '0012_dashboard_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TimelineCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField(db_index=True, verbose_name='开始时间')),
                ('finished_at', models.DateTimeField(verbose_name='结束时间')),
                ('matters', models.PositiveIntegerField(default=0, verbose_name='事项数')),
                ('events', models.PositiveIntegerField(default=0, verbose_name='事件数')),
                ('broken', models.PositiveIntegerField(default=0, verbose_name='断链事项数')),
                ('breaks', models.JSONField(blank=True, default=list, verbose_name='断点')),
            ],
            options={
                'verbose_name': '时间线核验',
                'verbose_name_plural': '时间线核验',
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='caseevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, verbose_name='摘要'),
        ),
        migrations.AddField(
            model_name='caseevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, verbose_name='前一事件摘要'),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
