"""Reads of the matters' clocks (issue 22 items 1-3; the steps are written by
`dispatch.services.clocks`): the limits in force, and the clock running on each matter with its
countdown, for the window's pages, the board, 待核查 and 待回访."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.choices import StepKind
from dispatch.models import DeadlineStep
from dispatch.selectors.mode import mode_current
from governance.cache import OPERATING_MODE, cached_read
from governance.models import Center

# The clocks, by the `subject_type` of their steps.
SEND_ON = "case.send_on"
DISPATCH = "case.dispatch"
VERIFY = "case.verify"
REVISIT = "case.revisit"
EXPLAIN = "case.explain"
CLOCK_SUBJECT_TYPES = (SEND_ON, DISPATCH, VERIFY, REVISIT, EXPLAIN)
CLOCK_LABELS = {SEND_ON: _("移送时限"), DISPATCH: _("派单时限"), VERIFY: _("核查时限"), REVISIT: _("回访时限"),
                EXPLAIN: _("解释回访时限")}

# 核查时限: on site by the end of the working day after the report-back (or the village's settlement);
# the grid workers' figures count a verification on time by the same rule.
VERIFY_WITHIN_WORKING_DAYS = 1
# 回访: within the next working day after the verification (or the settlement on the spot).
REVISIT_WITHIN_WORKING_DAYS = 1
# 解释回访: the applicant is called by the end of the working day after the assignment went overdue.
EXPLAIN_WITHIN_WORKING_DAYS = 1


def clock_minutes(*, center: Center) -> dict[str, int]:
    """The 移送 and 派单 limits (minutes) of the mode in force at the matter's district (cached until a
    mode switch commits, like the operating mode registration reads)."""
    district_id = center.district_id if getattr(center, "district_id", None) else center.pk

    def load() -> dict[str, int]:
        mode = mode_current(center=district_id)
        return {SEND_ON: int(mode.send_on_minutes), DISPATCH: int(mode.dispatch_minutes)}

    return cached_read(OPERATING_MODE, f"clock_minutes:{district_id}", load)


def case_clocks(*, case_ids: Iterable[int], now: dt.datetime | None = None) -> dict[int, list[dict[str, Any]]]:
    """The clocks running on these matters (one query): per matter, each clock's label, deadline,
    seconds left (negative once past), whether it lapsed (the overdue step fired) and was escalated."""
    now = now or timezone.now()
    ids = list(case_ids)
    if not ids:
        return {}
    rows = (DeadlineStep.objects.filter(subject_type__in=CLOCK_SUBJECT_TYPES, subject_id__in=ids,
                                        cancelled_at__isnull=True, kind__in=[StepKind.OVERDUE, StepKind.ESCALATION])
            .order_by("subject_id", "subject_type", "due_at").values_list("subject_id", "subject_type", "kind",
                                                                          "due_at", "fired_at"))
    clocks: dict[tuple[int, str], dict[str, Any]] = {}
    for case_id, subject_type, kind, due_at, fired_at in rows:
        clock = clocks.setdefault((case_id, subject_type), {
            "clock": subject_type, "label": CLOCK_LABELS[subject_type], "due_at": None, "remaining_seconds": None,
            "lapsed": False, "escalated": False})
        if kind == StepKind.OVERDUE:
            clock.update(due_at=due_at, remaining_seconds=int((due_at - now).total_seconds()),
                         lapsed=fired_at is not None)
        elif fired_at is not None:
            clock["escalated"] = True
    result: dict[int, list[dict[str, Any]]] = {}
    for (case_id, _subject_type), clock in clocks.items():
        if clock["due_at"] is not None:
            result.setdefault(case_id, []).append(clock)
    return result


def case_ids_to_explain() -> QuerySet[DeadlineStep]:
    """The matters on which the explanation clock runs now (ids, as a subquery)."""
    return DeadlineStep.objects.filter(subject_type=EXPLAIN, cancelled_at__isnull=True).values("subject_id")
