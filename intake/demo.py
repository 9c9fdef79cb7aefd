"""The demo's part of intake: make sure the seeded category tree is there.

The tree lives in one place, the data migration that seeds it; this reruns the same idempotent
function (get_or_create by code) so that `seed_demo` also restores it on a database that was
flushed (transactional tests, `manage.py flush`).
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps

from intake.models import Category

_SEED_MIGRATION = "intake.migrations.0003_seed_categories"


def seed_demo() -> dict[str, int]:
    before = Category.objects.count()
    import_module(_SEED_MIGRATION).seed(apps, None)
    return {"categories": Category.objects.count() - before}
