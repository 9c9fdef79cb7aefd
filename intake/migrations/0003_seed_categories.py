"""Seeds the two-level tree of kinds of matter; the tree and the function live in `intake.category_tree`."""

from django.db import migrations

from intake.category_tree import seed


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_sensitive_view"),
    ]

    # Reversing keeps the rows: matters may already point at them (PROTECT).
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
