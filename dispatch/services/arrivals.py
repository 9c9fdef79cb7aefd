"""A matter arrives on the dispatch queue: the duty director on duty hears of it at once."""

from __future__ import annotations

import datetime as dt

from dispatch.links import link_to
from dispatch.selectors.roster import duty_director_on_duty
from dispatch.services.common import notify_on_commit
from dispatch.services.wartime import wartime_case_raise
from intake.choices import Urgency
from intake.models import Case


def case_queued_notify(*, case: Case, now: dt.datetime) -> None:
    """Registered as intake's case-queued hook: notify the duty director of the matter's center on
    duty at `now` (by SMS too when the matter is urgent). Runs inside the queuing transaction; the
    notification is sent after commit, once per arrival. In wartime a high-risk matter is first
    raised a level (提级管理), so the director of the center it is raised to hears of it."""
    wartime_case_raise(case=case, now=now)
    director = duty_director_on_duty(center=case.center, at=now).director
    if director is None:
        return
    ref = f"（{case.external_source} {case.external_ref}）" if case.external_ref else ""
    notify_on_commit(
        recipients=[director], kind="case.pending_dispatch",
        title=f"待调度：{case.code} {case.title}{ref}"[:200],
        body=f"{case.get_channel_display()} · {case.category.name if case.category_id else ''}",
        link=link_to("work-case", case.pk),
        dedupe_key=f"case:{case.pk}:queued:{now.isoformat()}", now=now,
        urgent=case.urgency in (Urgency.URGENT, Urgency.CRITICAL),
    )
