"""Issue 25: each sweep run records the time it fired its steps at and its worst lag, the status page's
figures of the day (read from the runs, not from the day's steps)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch', '0025_department_deadline_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='sweeprun',
            name='fired_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='执行时点'),
        ),
        migrations.AddField(
            model_name='sweeprun',
            name='worst_lag',
            field=models.DurationField(blank=True, null=True, verbose_name='最大延迟'),
        ),
        migrations.AddIndex(
            model_name='sweeprun',
            index=models.Index(fields=['fired_at'], name='sweep_run_fired'),
        ),
    ]
