"""The monthly work report (工作专报): its content, read from the data of the month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from governance.models import Center
from intake.choices import OPEN_STATUSES, CaseStatus, Channel, RiskLevel
from intake.models import Case
from review.models import WorkReport
from review.selectors.assessment import FLAG_KEYS, Month, assessment_latest, assessment_versions

KEY_RISKS = (RiskLevel.HIGH, RiskLevel.MAJOR)


def report_get(*, center: Center, month: Month) -> WorkReport:
    """The month's report row (unsaved when nobody has written or exported it yet)."""
    return (WorkReport.objects.filter(center=center, year=month.year, month=month.month)
            .select_related("commentary_by").first()
            or WorkReport(center=center, year=month.year, month=month.month))


def report_content(*, center: Center, month: Month, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    start, end = month.bounds()
    cases = Case.objects.filter(district=center, registered_at__gte=start, registered_at__lt=end)
    totals = cases.aggregate(
        registered=Count("pk"),
        closed=Count("pk", filter=Q(status=CaseStatus.CLOSED)),
        settled=Count("pk", filter=Q(status=CaseStatus.SETTLED_ON_SPOT)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        key=Count("pk", filter=Q(risk_level__in=KEY_RISKS) | Q(is_group=True)),
    )
    channel_labels = dict(Channel.choices)
    channels = [{"label": str(channel_labels.get(row["channel"], row["channel"])), "value": row["n"]}
                for row in cases.order_by().values("channel").annotate(n=Count("pk")).order_by("-n")]
    categories = [{"label": row["category__parent__name"] or row["category__name"], "value": row["n"]}
                  for row in cases.order_by().values("category__parent__name", "category__name")
                  .annotate(n=Count("pk")).order_by("-n")[:10]]
    key_matters = list(cases.filter(Q(risk_level__in=KEY_RISKS) | Q(is_group=True))
                       .select_related("category", "town").order_by("-risk_level", "registered_at")[:10])
    versions = assessment_versions(center=center, month=month)
    assessment = versions[0].figures if versions else assessment_latest(center=center, month=month)[0]
    ranking = sorted((row for row in assessment["departments"] if row["rank"] is not None),
                     key=lambda row: row["rank"])
    flags = [{"department": row["name"], "label": flag["label"], "count": flag["count"], "rule": flag["rule"]}
             for row in assessment["departments"] for flag in row["flags"]]
    risks = []
    if totals["overdue"]:
        risks.append(f"本月登记的事项中有 {totals['overdue']} 件已超期未办结。")
    for flag in flags:
        risks.append(f"{flag['department']}：{flag['label']}（{flag['count']} 件）。")
    if totals["key"]:
        risks.append(f"高风险、重大或群体性事项 {totals['key']} 件，需持续跟踪。")
    return {
        "month": month, "center": center.name, "totals": totals, "channels": channels, "categories": categories,
        "key_matters": key_matters, "ranking": ranking, "flags": flags, "risks": risks,
        "published": versions[0] if versions else None, "calendar": assessment["calendar"],
        "flag_kinds": {key: str(value[0]) for key, value in FLAG_KEYS.items()},
    }
