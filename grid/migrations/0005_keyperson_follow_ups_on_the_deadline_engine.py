"""Key-person follow-up visits move from the grid's own beat sweep onto the deadline engine: the
visits not done yet get their steps (the same plan as `keyperson_follow_up_schedule`)."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone

SUBJECT = "grid.keyperson_follow_up"


def schedule_open_follow_ups(apps, schema_editor):
    FollowUp = apps.get_model("grid", "KeyPersonFollowUp")
    DeadlineStep = apps.get_model("dispatch", "DeadlineStep")
    now = timezone.now()
    scheduled = set(DeadlineStep.objects.filter(subject_type=SUBJECT).values_list("subject_id", flat=True))
    rows = []
    for f in FollowUp.objects.filter(done_at__isnull=True).exclude(pk__in=scheduled).iterator():
        reminder = f.due_at - dt.timedelta(days=1)
        if f.reminded_at is None and reminder > now:
            rows.append(DeadlineStep(kind="due_reminder", subject_type=SUBJECT, subject_id=f.pk, due_at=reminder))
        rows.append(DeadlineStep(kind="overdue", subject_type=SUBJECT, subject_id=f.pk, due_at=f.due_at))
        rows.append(DeadlineStep(kind="escalation", subject_type=SUBJECT, subject_id=f.pk, level=1,
                                 targets=["commander"], due_at=f.due_at + dt.timedelta(days=3)))
    DeadlineStep.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('grid', '0004_wartime'),
        ('dispatch', '0005_deadlinestep_subject'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='keypersonfollowup',
            name='keyperson_followup_pending',
        ),
        migrations.AddField(
            model_name='keypersonfollowup',
            name='escalated_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='督办时间'),
        ),
        migrations.AddField(
            model_name='keypersonfollowup',
            name='overdue_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='超期时间'),
        ),
        migrations.RunPython(schedule_open_follow_ups, migrations.RunPython.noop),
    ]
