"""Personal data at rest (issue 24 item 8): a key person's ID number and phone are stored encrypted,
with a blind index each: new columns, every row copied in batches of 500, the clear columns dropped,
the encrypted ones renamed."""

import governance.fields
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from governance.crypto import pii_encrypt_existing

    pii_encrypt_existing(apps.get_model("grid", "KeyPerson"), ("id_number", "phone"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("grid", "0006_drop_copied_grid_grants"),
    ]

    operations = [
        migrations.AddField("keyperson", "id_number_enc", governance.fields.EncryptedCharField(
            blank=True, default="", max_chars=18, verbose_name="公民身份号码")),
        migrations.AddField("keyperson", "phone_enc", governance.fields.EncryptedCharField(
            blank=True, default="", max_chars=20, verbose_name="联系电话")),
        migrations.AddField("keyperson", "id_number_digest", governance.fields.BlindIndexField(
            db_index=True, source="id_number")),
        migrations.AddField("keyperson", "phone_digest", governance.fields.BlindIndexField(
            db_index=True, source="phone")),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
        migrations.RemoveField("keyperson", "id_number"),
        migrations.RemoveField("keyperson", "phone"),
        migrations.RenameField("keyperson", "id_number_enc", "id_number"),
        migrations.RenameField("keyperson", "phone_enc", "phone"),
    ]
