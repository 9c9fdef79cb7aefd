"""The answer a matter's applicant is given: the department's report the center accepted."""

from __future__ import annotations

from collections.abc import Iterable

from dispatch.choices import AssignmentRole, AssignmentStatus
from dispatch.models import Assignment


def case_answers(*, case_ids: Iterable[int]) -> dict[int, str]:
    """Per matter, the report-back of its completed lead or sole assignment (in joint handling the
    lead's merged answer; co-departments' parts are not the answer). Completed means the matter was
    verified, revisited and closed with that report, i.e. the center approved it; the latest wins
    when a matter was handled more than once. Registered as intake's `case_answers` hook."""
    ids = list(case_ids)
    if not ids:
        return {}
    answers: dict[int, str] = {}
    rows = (Assignment.objects.filter(case_id__in=ids, status=AssignmentStatus.COMPLETED)
            .exclude(role=AssignmentRole.CO).exclude(report="")
            .order_by("case_id", "reported_at", "pk").values_list("case_id", "report"))
    for case_id, report in rows:
        answers[case_id] = report
    return answers
