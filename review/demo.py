"""The demo district's recent past: a few months of matters, so that a newcomer's dashboard and
assessment are not empty (called by `seed_demo`; running it again changes nothing)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from governance.models import Center
from review.scale import ScaleError, load, world_for
from review.services.summary import summaries_refresh

DEMO_DISTRICT = "QZTS"
DEMO_DAYS = 120
DEMO_PREFIX = "QZTS-H-"


def seed_demo() -> dict[str, int]:
    matters = settings.DEMO_HISTORY_MATTERS
    district = Center.objects.filter(code=DEMO_DISTRICT).first()
    if district is None or matters <= 0:
        return {}
    now = timezone.now()
    try:
        result = load(world=world_for(district), matters=matters, start=now - dt.timedelta(days=DEMO_DAYS),
                      end=now - dt.timedelta(hours=2), now=now, seed=2024, batch_size=matters,
                      code_prefix=DEMO_PREFIX)
    except ScaleError:  # already there (or the district is incomplete): nothing to add
        return {}
    summaries_refresh(now=now)
    return {"history matters": result.matters}
