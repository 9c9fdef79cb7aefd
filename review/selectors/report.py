"""The monthly work report (工作专报): its content, read from the data of the month."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from command.selectors.work import command_matters
from governance.dbplan import without_jit
from governance.models import Center
from intake.choices import OPEN_STATUSES, Channel, RiskLevel
from intake.models import Case, Category
from review.models import WorkReport
from review.selectors.assessment_figures import FLAG_KEYS, Month
from review.selectors.assessment_history import assessment_latest, assessment_versions
from review.selectors.assessment_rows import matter_figures
from review.selectors.ladder import criticisms_between

KEY_RISKS = (RiskLevel.HIGH, RiskLevel.MAJOR)


def category_label(parent: str | None, name: str | None) -> str:
    """A category as the leader reads it: the leaf with its parent ("矛盾纠纷 / 邻里")."""
    if not name:
        return "—"
    return f"{parent} / {name}" if parent else name


def report_get(*, center: Center, month: Month) -> WorkReport:
    """The month's report row (unsaved when nobody has written or exported it yet)."""
    return (WorkReport.objects.filter(center=center, year=month.year, month=month.month)
            .select_related("commentary_by").first()
            or WorkReport(center=center, year=month.year, month=month.month))


@without_jit()
def report_content(*, center: Center, month: Month, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    start, end = month.bounds()
    cases = Case.objects.filter(command_matters(center=center), registered_at__gte=start, registered_at__lt=end)
    # Registered, settled on the spot and closed: what the timelines record of the month's matters,
    # the assessment's definition (`matter_figures`), never the status they happen to be in now.
    matters = matter_figures(center=center, month=month)
    totals = {"registered": matters["registered"], "closed": matters["closed"], "settled": matters["settled_on_spot"],
              "open": 0, "overdue": 0, "key": 0}
    # The open, overdue and key matters, by channel and by category: one pass over the month's matters
    # (a read each took 80-150 ms at 2M), summed here from at most channels x categories rows.
    # Grouped by the category's id (hashed in memory; grouped by its names, PostgreSQL sorted the rows on disk).
    by_channel: Counter[str] = Counter()
    by_category: Counter[int | None] = Counter()
    for row in (cases.order_by().values("channel", "category_id")
                .annotate(n=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
                          overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
                          key=Count("pk", filter=Q(risk_level__in=KEY_RISKS) | Q(is_group=True)))):
        for figure in ("open", "overdue", "key"):
            totals[figure] += row[figure]
        by_channel[row["channel"]] += row["n"]
        by_category[row["category_id"]] += row["n"]
    channel_labels = dict(Channel.choices)
    channels = [{"label": str(channel_labels.get(channel, channel)), "value": n}
                for channel, n in sorted(by_channel.items(), key=lambda item: (-item[1], item[0]))]
    named = Category.objects.select_related("parent").in_bulk([pk for pk in by_category if pk is not None])
    rows = []
    for pk, n in by_category.items():
        category = named.get(pk)
        parent = category.parent.name if category and category.parent else None
        rows.append((n, category.name if category else "", category_label(parent, category and category.name)))
    categories = [{"label": label, "value": n} for n, _name, label in sorted(rows, key=lambda row: (-row[0], row[1]))]
    key_matters = list(cases.filter(Q(risk_level__in=KEY_RISKS) | Q(is_group=True))
                       .select_related("category", "town").order_by("-risk_level", "registered_at")[:10])
    versions = assessment_versions(center=center, month=month)
    assessment = versions[0].figures if versions else assessment_latest(center=center, month=month)[0]
    ranking = sorted((row for row in assessment["departments"] if row["rank"] is not None),
                     key=lambda row: row["rank"])
    unranked = [row for row in assessment["departments"] if row["rank"] is None and (row["flags"] or row["deductions"])]
    # The flags come first (seed 000 七, 考核问效): each with its department, rule and the points it cost.
    flags = [{"department": row["name"], "label": flag["label"], "count": flag["count"], "rule": flag["rule"],
              "deduction": flag.get("deduction", 0)}
             for row in assessment["departments"] for flag in row["flags"]]
    risks = []
    if totals["overdue"]:
        risks.append(f"本月登记的事项中有 {totals['overdue']} 件已超期未办结。")
    if totals["key"]:
        risks.append(f"高风险、重大或群体性事项 {totals['key']} 件，需持续跟踪。")
    return {
        "month": month, "center": center.name, "totals": totals, "channels": channels, "categories": categories,
        "key_matters": key_matters, "ranking": ranking, "unranked": unranked, "flags": flags, "risks": risks,
        "published": versions[0] if versions else None, "calendar": assessment["calendar"],
        "flag_kinds": {key: str(value[0]) for key, value in FLAG_KEYS.items()},
        # The 通报批评 of the accountability ladder issued in the month (seed 004: 进行通报批评).
        "criticisms": criticisms_between(center=center, start=start, end=end),
    }
