"""The demo's part of intake: make sure the seeded category tree is there, with its answer limits.

The tree lives in one place, `intake.category_tree`, which the data migration also runs; rerunning
its idempotent function (get_or_create by code) lets `seed_demo` restore it on a database that was
flushed (transactional tests, `manage.py flush`).
"""

from __future__ import annotations

from django.apps import apps

from intake.category_tree import seed, seed_limits, seed_phrases
from intake.models import Category


def seed_demo() -> dict[str, int]:
    before = Category.objects.count()
    seed(apps, None)
    seed_phrases(apps, None)
    seed_limits(apps, None)
    return {"categories": Category.objects.count() - before}
