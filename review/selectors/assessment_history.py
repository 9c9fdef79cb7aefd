"""A month's assessment over time: the background refresh's snapshot, the month the pages open on,
the published versions and what changed between two computations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import Center
from review.models import AssessmentSnapshot, AssessmentVersion
from review.selectors.assessment import assessment_compute, month_has_figures
from review.selectors.assessment_figures import (
    FIGURES,
    FLAG_KEYS,
    RATES,
    TOWN_FIGURE_BY_KEY,
    WORKER_FIGURE_BY_KEY,
    Month,
)


def assessment_snapshot(*, center: Center, month: Month) -> AssessmentSnapshot | None:
    return AssessmentSnapshot.objects.filter(center=center, year=month.year, month=month.month).first()


def assessment_latest(*, center: Center, month: Month) -> tuple[dict[str, Any], dt.datetime | None]:
    """The background refresh's figures and when they were computed; computed now when there are none
    yet (a month nobody has looked at)."""
    snapshot = assessment_snapshot(center=center, month=month)
    if snapshot is not None:
        return snapshot.figures, snapshot.computed_at
    return assessment_compute(center=center, month=month), None


DEFAULT_MONTH_LOOK_BACK = 12


def assessment_default_month(*, center: Center, now: dt.datetime | None = None) -> Month:
    """The month the assessment (and the dashboard's ranking) opens on when none is asked for: this
    month once it has figures (a matter assigned or a summons decided in it); in the first days of a
    month, before it has any, the last month that has (at most a year back); else this month."""
    today = timezone.localdate(now or timezone.now())
    current = month = Month(today.year, today.month)
    for _i in range(DEFAULT_MONTH_LOOK_BACK + 1):
        if month_has_figures(center, month):
            return month
        month = month.previous
    return current


# --- versions -----------------------------------------------------------------------------------
def assessment_versions(*, center: Center, month: Month) -> list[AssessmentVersion]:
    return list(AssessmentVersion.objects.filter(center=center, year=month.year, month=month.month)
                .select_related("published_by").order_by("-version"))


def assessment_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two computations, figure by figure, in words."""
    labels: dict[str, Any] = {f.key: f.label for f in FIGURES}
    labels.update({key: label for key, label, *_rest in RATES})
    changes: list[dict[str, Any]] = []
    before = {row["id"]: row for row in old.get("departments", [])}
    for row in new.get("departments", []):
        prior = before.get(row["id"])
        if prior is None:
            changes.append({"unit": row["name"], "what": str(_("新增部门")), "old": None, "new": row["score"]})
            continue
        for key, value in row["figures"].items():
            if prior["figures"].get(key, 0) != value:
                changes.append({"unit": row["name"], "key": key, "what": str(labels.get(key, key)),
                                "old": prior["figures"].get(key, 0), "new": value})
        for key, value in row["rates"].items():
            if prior["rates"].get(key) != value:
                changes.append({"unit": row["name"], "key": key, "what": str(labels[key]),
                                "old": prior["rates"].get(key), "new": value})
        for key, what in (("score", _("得分")), ("rank", _("排名"))):
            if prior.get(key) != row.get(key):
                changes.append({"unit": row["name"], "key": key, "what": str(what),
                                "old": prior.get(key), "new": row.get(key)})
        old_flags = {f["kind"] for f in prior.get("flags", [])}
        new_flags = {f["kind"] for f in row.get("flags", [])}
        if old_flags != new_flags:
            label_of: Callable[[set[str]], str] = lambda kinds: "、".join(  # noqa: E731
                str(FLAG_KEYS[k][0]) for k in sorted(kinds)) or "—"
            changes.append({"unit": row["name"], "key": "flags", "what": str(_("标记")),
                            "old": label_of(old_flags), "new": label_of(new_flags)})
    worker_before = {row["id"]: row for row in old.get("workers", [])}
    for row in new.get("workers", []):
        prior = worker_before.get(row["id"], {"figures": {}})
        for key, value in row["figures"].items():
            if prior["figures"].get(key, 0) != value:
                changes.append({"unit": row["name"], "key": key, "what": str(WORKER_FIGURE_BY_KEY[key].label),
                                "old": prior["figures"].get(key, 0), "new": value})
    town_before = {row["id"]: row for row in old.get("towns", [])}
    for row in new.get("towns", []):
        prior = town_before.get(row["id"], {"figures": {}})
        for key, value in row["figures"].items():
            if prior["figures"].get(key, 0) != value:
                changes.append({"unit": row["name"], "key": key, "what": str(TOWN_FIGURE_BY_KEY[key].label),
                                "old": prior["figures"].get(key, 0), "new": value})
    return changes
