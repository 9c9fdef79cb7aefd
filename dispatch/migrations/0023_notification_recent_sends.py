from django.db import migrations, models

from governance.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # the index is built concurrently on PostgreSQL (tests/test_migration_rules.py)

    dependencies = [
        ("dispatch", "0022_voice_calls"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="notification",
            index=models.Index(fields=["recipient", "channel", "sent_at"], name="notification_recent_sends"),
        ),
    ]
