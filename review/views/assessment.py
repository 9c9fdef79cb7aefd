"""The monthly assessment pages: the month, a figure's list (drill-down), a flag, publishing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance import selectors as org_selectors
from governance.choices import CenterLevel
from governance.models import Center
from governance.page_actions import Action, perform
from governance.parsing import db_id, small_int
from governance.replica import reads_from_replica
from governance.roles import MAY_PUBLISH_ASSESSMENT, MAY_READ_ASSESSMENT, may, require_may
from grid.worker_selectors import grid_workers_between
from review.choices import Rung
from review.forms import AssessmentPublishForm
from review.selectors import assessment as selectors
from review.selectors import assessment_history, assessment_rows, assessment_scheme
from review.selectors.assessment_figures import (
    FIGURE_BY_KEY,
    FIGURES,
    FLAG_KEYS,
    MATTER_FIGURES,
    RATES,
    TOWN_FIGURES,
    WORKER_FIGURES,
    Month,
)
from review.selectors.ladder import LADDER_COUNTED, STAFF_FIGURES
from review.services.assessment import assessment_publish

PAGE_SIZE = 100


def require_reader(request: HttpRequest, roles: frozenset[str] = MAY_READ_ASSESSMENT) -> None:
    require_may(request.user, roles)


def reader_center(request: HttpRequest, roles: frozenset[str] = MAY_READ_ASSESSMENT) -> Center:
    """The district center whose monthly assessment the reader reads: the assessment of the district's
    departments and towns is the district center's; a town's or a village's people are refused with
    the reason (a town reads its own work report, `review.views.report`)."""
    require_reader(request, roles)
    center = org_selectors.center_for_user(user=request.user)
    if center is None:
        raise Http404("未配置中心")
    if center.level != CenterLevel.DISTRICT:
        raise PermissionDenied(_("月度考核是区社会治理中心对各部门和各镇的考核，由区中心查阅和发布；"
                                 "%(center)s的工作情况请看本中心的工作专报。") % {"center": center.name})
    return center.district_center or center


def month_or_404(text: str) -> Month:
    month = Month.parse(text)
    if month is None:
        raise Http404("月份格式应为 2025-10")
    return month


def _month_from_query(request: HttpRequest, center: Center) -> tuple[Month, Month | None]:
    """The month asked for; without one, the default month and, when that is not this month (the
    first days of a month, before it has figures), this month, to say why."""
    month = Month.parse(request.GET.get("month", ""))
    if month is not None:
        return month, None
    month = assessment_history.assessment_default_month(center=center)
    today = timezone.localdate()
    current = Month(today.year, today.month)
    return month, (current if month != current else None)


def items_url(month: Month, key: str, *, department: int | None = None, town: int | None = None,
              worker: int | None = None, district: bool = False) -> str:
    query: dict[str, Any] = {"figure": key}
    if district:
        query["district"] = 1
    if department is not None:
        query["department"] = department
    if town is not None:
        query["town"] = town
    if worker is not None:
        query["worker"] = worker
    return f"{reverse('review:assessment-items', args=[str(month)])}?{urlencode(query)}"


def _flag_words(flag: dict[str, Any]) -> dict[str, str]:
    """A flag's label and rule in the reader's language: the stored figures (computed in the
    background, or published) keep the words of the language they were computed in."""
    if flag.get("kind") not in FLAG_KEYS or "minimum" not in flag:
        return {}
    label, _figures, _field, rule = FLAG_KEYS[flag["kind"]]
    return {"label": str(label), "rule": str(rule) % {"n": flag["minimum"]}}


def _deduction_label(key: str) -> Any:
    """A deduction is named after its figure, or after its flag (`flag_<kind>`)."""
    if key.startswith("flag_") and key[5:] in FLAG_KEYS:
        return FLAG_KEYS[key[5:]][0]
    figure = FIGURE_BY_KEY.get(key)
    return figure.label if figure is not None else key


def _department_rows(data: dict[str, Any], month: Month) -> list[dict[str, Any]]:
    rows = []
    for row in sorted(data["departments"], key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"])):
        cells = [{"key": f.key, "value": row["figures"].get(f.key, 0),
                  "url": items_url(month, f.key, department=row["id"])} for f in FIGURES]
        rates = [{"key": key, "value": row["rates"].get(key), "subscore": row["subscores"].get(key),
                  "base": row["figures"].get(den, 0), "base_label": FIGURE_BY_KEY[den].label,
                  "base_url": items_url(month, den, department=row["id"])}
                 for key, _label, _num, den, _definition in RATES]
        flags = [{**flag, **_flag_words(flag),
                  "url": reverse("review:assessment-flag", args=[str(month), row["id"], flag["kind"]])}
                 for flag in row["flags"]]
        deductions = [{"label": _deduction_label(key), "value": value} for key, value in row["deductions"].items()]
        rows.append({**row, "cells": cells, "rate_cells": rates, "flag_links": flags, "deduction_list": deductions})
    return rows


def matter_cells(center: Center, month: Month) -> list[dict[str, Any]]:
    """The center's matters of the month, counted live from their timelines (as the work report
    counts them), each with the link to its list (the assessment's lists are the district center's:
    a town's report shows its figures without them)."""
    figures = assessment_rows.matter_figures(center=center, month=month)
    linked = center.level == CenterLevel.DISTRICT
    return [{"key": f.key, "label": f.label, "definition": f.definition, "value": figures[f.key],
             "url": items_url(month, f.key, district=True) if linked else ""} for f in MATTER_FIGURES]


def _town_rows(data: dict[str, Any], month: Month) -> list[dict[str, Any]]:
    return [{**row, "cells": [{"key": f.key, "value": row["figures"].get(f.key, 0),
                               "url": items_url(month, f.key, town=row["id"])} for f in TOWN_FIGURES]}
            for row in data["towns"]]


def _worker_rows(data: dict[str, Any], month: Month) -> list[dict[str, Any]]:
    return [{**row, "cells": [{"key": f.key, "value": row["figures"].get(f.key, 0),
                               "url": items_url(month, f.key, worker=row["id"])} for f in WORKER_FIGURES]}
            for row in data.get("workers", [])]


@login_required
@reads_from_replica
def assessment_month(request: HttpRequest) -> HttpResponse:
    require_reader(request)
    own = org_selectors.center_for_user(user=request.user)
    if own is not None and own.level == CenterLevel.TOWN:  # a town's people: their own town's report
        month = Month.parse(request.GET.get("month", "")) or assessment_history.assessment_default_month(center=own)
        return redirect("review:report", month=str(month))
    center = reader_center(request)
    month, empty_current = _month_from_query(request, center)
    versions = assessment_history.assessment_versions(center=center, month=month)
    live, computed_at = assessment_history.assessment_latest(center=center, month=month)
    shown = versions[0].figures if versions else live
    pending_changes = assessment_history.assessment_diff(versions[0].figures, live) if versions else []
    return render(request, "review/assessment_month.html", {
        "center": center, "month": month, "previous": month.previous, "next": month.next,
        "empty_current": empty_current,
        "computed_at": computed_at,
        "data": shown, "published": versions[0] if versions else None, "versions": versions,
        "pending_changes": pending_changes, "rows": _department_rows(shown, month),
        "towns": _town_rows(shown, month), "figures": FIGURES, "town_figures": TOWN_FIGURES,
        "workers": _worker_rows(shown, month), "worker_figures": WORKER_FIGURES,
        "matters": matter_cells(center, month),
        **_ladder_context(shown),
        "rates": RATES, "may_publish": may(request.user, MAY_PUBLISH_ASSESSMENT),
        "form": AssessmentPublishForm(),
    })


def _ladder_context(shown: dict[str, Any]) -> dict[str, Any]:
    """The accountability ladder per department and the named handlers' figures (a month published
    before they were counted has neither: the tables say so)."""
    rungs = [(rung, Rung(rung).label) for rung in LADDER_COUNTED]
    rows = [{"name": row["name"], "cells": [row["ladder"].get(rung, 0) for rung, _label in rungs]}
            for row in shown["departments"] if "ladder" in row and any(row["ladder"].values())]
    staff = [{"name": row["name"], "department": row["department"],
              "cells": [row["figures"][key] for key in STAFF_FIGURES]} for row in shown.get("staff", [])]
    return {"ladder_rungs": [label for _rung, label in rungs], "ladder_rows": rows, "staff_rows": staff,
            "staff_counted": "staff" in shown}


def _published(version: Any) -> str:
    month = f"{version.year}-{version.month:02d}"
    return _("已发布 %(month)s 第 %(v)s 版，数字已冻结。") % {"month": month, "v": version.version}


PUBLISH = Action(AssessmentPublishForm, assessment_publish, "month", _published)


@login_required
@require_POST
def assessment_publish_view(request: HttpRequest, month: str) -> HttpResponse:
    center = reader_center(request, MAY_PUBLISH_ASSESSMENT)
    parsed = month_or_404(month)
    perform(request, PUBLISH, parsed, center=center)
    return redirect(f"{reverse('review:assessment')}?month={parsed}")


def _query_id(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    parsed = db_id(raw)
    if parsed is None:
        raise Http404("编号无效")
    return parsed


@login_required
@reads_from_replica
def assessment_items(request: HttpRequest, month: str) -> HttpResponse:
    center = reader_center(request)
    parsed = month_or_404(month)
    # An id that is not one (`?department=²`, 10^30) names nothing: 404 like an unknown one.
    department_id = _query_id(request, "department")
    town_id = _query_id(request, "town")
    worker_id = _query_id(request, "worker")
    district = request.GET.get("district") == "1"
    if sum(value is not None for value in (department_id, town_id, worker_id)) + district != 1:
        raise Http404("请指定一个部门、中心或网格员")
    key = request.GET.get("figure", "")
    page = small_int(request.GET.get("page"), minimum=1, maximum=10_000) or 1
    items = selectors.figure_items(center=center, month=parsed, key=key, department_id=department_id,
                                   town_id=town_id, worker_id=worker_id, district=district, limit=PAGE_SIZE,
                                   offset=(page - 1) * PAGE_SIZE)
    if items is None:
        raise Http404("没有这个指标")
    unit_name = center.name if district else _unit_name(center, department_id, town_id, worker_id, parsed)
    versions = assessment_history.assessment_versions(center=center, month=parsed)
    snapshot = None if versions else assessment_history.assessment_snapshot(center=center, month=parsed)
    if district:  # the district's matters are counted live, as the work report counts them
        shown, source = None, ""
    elif versions:
        shown = _frozen_value(versions[0].figures, key, department_id, town_id, worker_id)
        source = _("已发布的第 %(v)s 版") % {"v": versions[0].version}
    elif snapshot is not None:
        shown = _frozen_value(snapshot.figures, key, department_id, town_id, worker_id)
        source = _("%(at)s 的统计") % {"at": timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d %H:%M")}
    else:
        shown, source = None, ""
    return render(request, "review/assessment_items.html", {
        "center": center, "month": parsed, "items": items, "unit_name": unit_name, "key": key,
        "shown": shown, "source": source, "page": page, "page_size": PAGE_SIZE,
        "previous_url": _page_url(request, page - 1) if page > 1 else "",
        "next_url": _page_url(request, page + 1) if page * PAGE_SIZE < items.count else "",
    })


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return f"{request.path}?{query.urlencode()}"


def _unit_name(center: Center, department_id: int | None, town_id: int | None, worker_id: int | None = None,
               month: Month | None = None) -> str:
    if worker_id is not None and month is not None:
        for worker in grid_workers_between(first=month.first, last=month.last):
            if worker["id"] == worker_id:
                return _("网格员 %(name)s") % {"name": worker["name"]}
        raise Http404("本月没有这位网格员")
    if department_id is not None:
        department = center.departments.filter(pk=department_id).values_list("name", flat=True).first()
        if department is None:
            raise Http404("没有这个部门")
        return department
    town = Center.objects.filter(pk=town_id, district=center).values_list("name", flat=True).first()
    if town is None:
        raise Http404("没有这个中心")
    return town


def _frozen_value(figures: dict[str, Any], key: str, department_id: int | None, town_id: int | None,
                  worker_id: int | None = None) -> int | None:
    if worker_id is not None:
        rows, wanted = figures.get("workers", []), worker_id
    elif department_id is not None:
        rows, wanted = figures["departments"], department_id
    else:
        rows, wanted = figures["towns"], town_id
    for row in rows:
        if row["id"] == wanted:
            return row["figures"].get(key)
    return None


@login_required
def assessment_flag(request: HttpRequest, month: str, department_id: int, kind: str) -> HttpResponse:
    center = reader_center(request)
    parsed = month_or_404(month)
    if kind not in FLAG_KEYS:
        raise Http404("没有这个标记")
    label, keys, field, rule = FLAG_KEYS[kind]
    name = _unit_name(center, department_id, None)
    scheme = assessment_scheme.scheme_for(center=center, year=parsed.year)
    sections = []
    for key in keys:
        items = selectors.figure_items(center=center, month=parsed, key=key, department_id=department_id)
        sections.append({"items": items, "url": items_url(parsed, key, department=department_id)})
    return render(request, "review/assessment_flag.html", {
        "center": center, "month": parsed, "label": label, "rule": rule % {"n": getattr(scheme, field)},
        "unit_name": name, "sections": sections, "total": sum(s["items"].total for s in sections),
    })
