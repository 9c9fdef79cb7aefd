"""Personal data at rest (issue 24 item 8): a party's ID number and phone are stored encrypted, with
a blind index each. New columns, every row copied into them in batches of 500, the clear columns
dropped, the encrypted ones renamed; the indexes on the digests built concurrently."""

import governance.fields
from django.db import migrations, models

from governance import migration_ops


def encrypt_existing(apps, schema_editor):
    from governance.crypto import pii_encrypt_existing

    pii_encrypt_existing(apps.get_model("intake", "Party"), ("id_number", "phone"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("intake", "0015_event_assignment_and_open_grid_indexes"),
    ]

    operations = [
        migrations.AddField("party", "id_number_enc", governance.fields.EncryptedCharField(
            blank=True, default="", max_chars=18, verbose_name="公民身份号码")),
        migrations.AddField("party", "phone_enc", governance.fields.EncryptedCharField(
            blank=True, default="", max_chars=20, verbose_name="联系电话")),
        migrations.AddField("party", "id_number_digest", governance.fields.BlindIndexField(source="id_number")),
        migrations.AddField("party", "phone_digest", governance.fields.BlindIndexField(source="phone")),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
        migrations.RemoveField("party", "id_number"),
        migrations.RemoveField("party", "phone"),
        migrations.RenameField("party", "id_number_enc", "id_number"),
        migrations.RenameField("party", "phone_enc", "phone"),
        migration_ops.AddIndexConcurrently("party", models.Index(fields=["id_number_digest"],
                                                                 name="party_id_number_digest")),
        migration_ops.AddIndexConcurrently("party", models.Index(fields=["phone_digest"], name="party_phone_digest")),
    ]
