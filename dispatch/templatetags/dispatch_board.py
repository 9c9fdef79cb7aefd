"""The board's long tables built in Python: the waiting matters (each with its dispatch form), the
live assignments and the summonses' cards. In template code the 50 rows x two department pickers and the 200 assignment rows
were most of the page's time (a variable lookup, a translation, a `{% url %}` or a date filter costs
tens of microseconds each, thousands of times); here every label, URL and the option list are
prepared once per page and each row is a few string operations. Every text is escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from dispatch.models import Assignment, Summons
from dispatch.selectors.work import BoardAssignment
from governance.models import Department
from governance.page_actions import ONCE, new_key
from governance.rows_html import choice_labels, url_for
from intake.models import Case

register = template.Library()

_OVERDUE = ' class="overdue"'
_DANGER = ' class="table-danger"'


def _when(value: dt.datetime | None) -> str:
    """As the template filter `date:"m-d H:i"`: local time; nothing when there is no value."""
    return timezone.localtime(value).strftime("%m-%d %H:%M") if value else ""


def _truncate(text: str, length: int) -> str:
    """As `truncatechars`: at most `length` characters, an ellipsis counting as one."""
    return text if len(text) <= length else text[: length - 1] + "…"


def _options(departments: Iterable[Department]) -> tuple[str, dict[int, tuple[str, str]]]:
    """The `<option>` list of the departments and, per department, its option and its selected form."""
    by_pk = {}
    for dept in departments:
        plain = f'<option value="{int(dept.pk)}">{escape(dept.name)}</option>'
        by_pk[dept.pk] = (plain, plain.replace('">', '" selected>', 1))
    return "".join(plain for plain, _selected in by_pk.values()), by_pk


def _with_selected(options: str, by_pk: dict[int, tuple[str, str]], chosen: Iterable[int]) -> str:
    for pk in chosen:
        if pk in by_pk:
            plain, selected = by_pk[pk]
            options = options.replace(plain, selected, 1)
    return options


@register.simple_tag
def department_options(departments: Iterable[Department], selected: Department | Iterable[Department] | None) -> SafeString:
    """`<option>` of each department, the selected one(s) marked."""
    if selected is None:
        chosen: set[int] = set()
    elif isinstance(selected, Department):
        chosen = {selected.pk}
    else:
        chosen = {dept.pk for dept in selected}
    options, by_pk = _options(departments)
    return mark_safe(_with_selected(options, by_pk, chosen))  # noqa: S308 - names escaped, ids are integers


def _suggestion_html(suggestion: Any, words: dict[str, str]) -> str:
    if suggestion is None:
        return ""
    parts = []
    if suggestion.lead:
        parts.append(f"{escape(suggestion.lead.name)}（{words['lead']}）")
    parts.extend(f"，{escape(dept.name)}（{words['co']}）" for dept in suggestion.co)
    if suggestion.territory:
        parts.append(f"<br>{words['territory']}：{escape(suggestion.territory.name)}")
    if suggestion.history:
        seen = "、".join(f"{escape(dept.name)} {int(n)}" for dept, n in suggestion.history)
        parts.append(f'<br><span class="text-muted">{words["history"]}：{seen}</span>')
    return "".join(parts)


def _clocks_html(clocks: Iterable[dict[str, Any]], words: dict[str, str]) -> str:
    """A matter's running clocks with their countdowns (the markup of `intake/_clock.html`)."""
    out = []
    for clock in clocks:
        remaining = int(clock["remaining_seconds"])
        lapsed = (f' <span class="badge text-bg-danger" data-testid="clock-lapsed">{words["lapsed"]}</span>'
                  if clock["lapsed"] else "")
        escalated = (f' <span class="badge text-bg-dark" data-testid="clock-escalated">{words["escalated"]}</span>'
                     if clock["escalated"] else "")
        out.append(f'<br><span class="d-inline-block small{" text-danger" if clock["lapsed"] else ""}" '
                   f'data-testid="clock" data-clock="{escape(clock["clock"])}">{escape(str(clock["label"]))} '
                   f'{_when(clock["due_at"])} · <span class="countdown fw-bold" data-remaining="{remaining}">'
                   f'{remaining}</span>{lapsed}{escalated}</span>')
    return "".join(out)


@register.simple_tag(takes_context=True)
def board_pending_rows(context: template.Context) -> SafeString:
    """The rows of the waiting matters (`rows`: (matter, suggestion) pairs), with a dispatch form
    each when the user may dispatch: the suggested lead and co-departments preselected."""
    # Each text written out in its own gettext() call: makemessages finds only literal msgids.
    words = {key: escape(text) for key, text in (
        ("order", gettext("工单")), ("due", gettext("期限")), ("lead", gettext("牵头")), ("co", gettext("协办")),
        ("territory", gettext("属地")), ("history", gettext("近90天同类")), ("mode", gettext("办理方式")),
        ("lead_department", gettext("承办/牵头部门")), ("co_departments", gettext("协办部门")),
        ("instructions", gettext("交办意见")), ("dispatch", gettext("派单")),
        ("choose", gettext("请选择承办部门")), ("leader", gettext("督办领导")),
        ("leader_hint", gettext("督办领导（办理方式为督办时必选）")), ("lapsed", gettext("已超时")),
        ("escalated", gettext("已报指挥长")))}
    channels, urgencies, risks = (choice_labels(Case, name) for name in ("channel", "urgency", "risk_level"))
    case_url = url_for("dispatch:work-case")
    dispatch_url = url_for("dispatch:work-case-dispatch")
    can_dispatch = context.get("can_dispatch")
    # Read-only (an off-duty duty director): the button stays, greyed, its reason in its title and
    # above the table (`dispatch/work/_duty_standing.html`).
    blocked = escape(context.get("dispatch_blocked") or "")
    if can_dispatch:
        csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(context.get("csrf_token", "")))}">'
        options, by_pk = _options(context["board"].departments)
        modes = [(escape(value), escape(str(label))) for value, label in context["modes"]]
        leader_options = "".join(
            f'<option value="{int(user.pk)}">{escape(user.get_full_name() or user.get_username())}</option>'
            for user in context.get("leaders") or ())
    clocks = context.get("clocks") or {}
    out = []
    for case, suggestion in context["rows"]:
        overdue = case.is_overdue
        ref = (f' <span class="badge text-bg-light border" data-testid="external-ref">{escape(case.external_source)} '
               f'{words["order"]} {escape(case.external_ref)}</span>') if case.external_ref else ""
        due = (f'，{words["due"]} <span{_OVERDUE if overdue else ""}>{_when(case.due_at)}</span>'
               if case.due_at else "")
        category = case.category
        category_name = (f"{category.parent.name}/{category.name}" if category.parent_id and category.parent
                         else category.name)
        place = f"{escape(case.town.name) if case.town else ''} {escape(case.grid.name) if case.grid else ''}"
        out.append(
            f'<tr data-case="{int(case.pk)}"{_DANGER if overdue else ""}>'
            f'<td><a href="{case_url(case.pk)}">{escape(case.code)}</a>{ref}<br>{escape(case.title)}<br>'
            f'<small class="text-muted">{channels.get(case.channel, escape(case.channel))}</small><br>'
            f'<small class="text-muted">{_when(case.registered_at)}{due}</small>{_clocks_html(clocks.get(case.pk, ()), words)}</td>'
            f'<td>{escape(category_name)}<br><small>{place}</small></td>'
            f'<td>{urgencies.get(case.urgency, escape(case.urgency))} / '
            f'{risks.get(case.risk_level, escape(case.risk_level))}</td>'
            f'<td class="small" data-testid="suggestion">{_suggestion_html(suggestion, words)}</td>'
        )
        if can_dispatch:
            joint = bool(suggestion and suggestion.co)
            mode_options = "".join(
                f'<option value="{value}"{" selected" if joint and value == "joint" else ""}>{label}</option>'
                for value, label in modes)
            # Without a suggestion no department is preselected: the empty choice is, and 派单 without
            # a choice is refused (the form requires one), so one careless click sends nothing anywhere.
            lead = _with_selected(options, by_pk, [suggestion.lead.pk] if suggestion and suggestion.lead else [])
            lead = f'<option value="">{words["choose"]}</option>{lead}'
            co = _with_selected(options, by_pk, [dept.pk for dept in suggestion.co] if suggestion else [])
            out.append(
                f'<td><form method="post" action="{dispatch_url(case.pk)}" class="small" data-testid="dispatch-form">'
                f'{csrf}<select name="mode" class="form-select form-select-sm mb-1" aria-label="{words["mode"]}">'
                f'{mode_options}</select>'
                f'<select name="lead_department" class="form-select form-select-sm mb-1" '
                f'aria-label="{words["lead_department"]}">{lead}</select>'
                f'<select name="co_departments" multiple class="form-select form-select-sm mb-1" '
                f'aria-label="{words["co_departments"]}">{co}</select>'
                f'<select name="supervising_leader" class="form-select form-select-sm mb-1" '
                f'aria-label="{words["leader"]}" data-testid="supervising-leader">'
                f'<option value="">{words["leader_hint"]}</option>{leader_options}</select>'
                f'<input name="instructions" class="form-control form-control-sm mb-1" '
                f'placeholder="{words["instructions"]}">'
                f'<input type="hidden" name="{ONCE}" value="{new_key()}">'
                f'<button class="btn btn-primary btn-sm">{words["dispatch"]}</button></form></td>'
            )
        elif blocked:
            out.append(f'<td><button type="button" class="btn btn-secondary btn-sm" disabled title="{blocked}" '
                       f'data-testid="dispatch-disabled">{words["dispatch"]}</button></td>')
        out.append("</tr>\n")
    return mark_safe("".join(out))  # noqa: S308 - every text escaped above, ids are integers


@register.simple_tag
def board_assignment_rows(assignments: Iterable[BoardAssignment]) -> SafeString:
    """The rows of the live assignments: matter, department and role, status, the two deadlines."""
    roles, statuses = choice_labels(Assignment, "role"), choice_labels(Assignment, "status")
    redo = escape(gettext("重办"))
    assignment_url = url_for("dispatch:work-assignment")
    out = []
    for row in assignments:
        redone = f"，{redo}{int(row.redo_count)}" if row.redo_count else ""
        out.append(
            f'<tr{_DANGER if row.is_overdue else ""}><td><a href="{assignment_url(row.pk)}">'
            f'{escape(row.case_code)}</a> {escape(_truncate(row.case_title, 24))}</td>'
            f'<td>{escape(row.department_name)}（{roles.get(row.role, escape(row.role))}）</td>'
            f'<td>{statuses.get(row.status, escape(row.status))}{redone}</td>'
            f'<td{_OVERDUE if row.ack_overdue else ""}>{_when(row.ack_due_at)}</td>'
            f'<td{_OVERDUE if row.is_overdue else ""}>{_when(row.due_at)}</td></tr>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 - every text escaped above, ids are integers


@register.simple_tag
def board_summons_cards(summonses: Iterable[Summons]) -> SafeString:
    """A card per summons (`dispatch_board`'s, their rows marked by `mark_rows` and given their
    `deliveries`): the reason, the status, and each summoned department's state and countdown, with the
    call-up's messages (`dispatch/work/_call_delivery.html`, rendered only for the rows that have any)."""
    words = {key: escape(text) for key, text in (
        ("all_in", gettext("全部已报到")), ("reported", gettext("已报到")), ("late", gettext("迟到")),
        ("minutes", gettext("分钟")), ("missing", gettext("超时未报到")), ("coming", gettext("已确认，赶赴中")),
        ("waiting", gettext("待确认")), ("remaining", gettext("剩余")))}
    statuses = choice_labels(Summons, "status")
    summons_url = url_for("dispatch:work-summons")
    delivery = get_template("dispatch/work/_call_delivery.html")
    out = []
    for summons in summonses:
        rows = []
        for row in summons.departments.all():
            if row.reported_in_at:
                late = f"（{words['late']} {int(row.minutes_late)} {words['minutes']}）" if row.minutes_late else ""
                state = (f'<span class="status-ok">{words["reported"]} '
                         f'{timezone.localtime(row.reported_in_at):%H:%M}{late}</span>')
            elif row.is_late:
                state = f'<span class="overdue">{words["missing"]}</span>'
            else:
                state = words["coming"] if row.acknowledged_at else words["waiting"]
            if row.remaining_seconds is not None:
                remaining = int(row.remaining_seconds)
                state += (f' · {words["remaining"]} <span class="countdown fw-bold" data-remaining="{remaining}" '
                          f'data-testid="countdown">{remaining}</span>')
            messages = "".join(
                f'<li data-delivery="{int(message.pk)}">'
                f'{delivery.render({"message": message})}</li>' for message in row.deliveries)  # no request:
            # its context processors (the center's mode, the unread count) would read the database per message
            if messages:
                messages = f'<ul class="list-unstyled ms-2 text-muted" data-testid="board-deliveries">{messages}</ul>'
            rows.append(f'<li data-testid="summons-department">{escape(row.department.name)}：{state}\n'
                        f'        {messages}</li>')
        all_in = f'<div class="status-ok" data-testid="all-reported-in">{words["all_in"]}</div>' \
            if summons.all_reported_in else ""
        out.append(
            f'<div class="col-md-4"><div class="card"><div class="card-body p-2">'
            f'<a href="{summons_url(summons.pk)}">{escape(_truncate(summons.reason, 40))}</a> '
            f'<span class="badge bg-secondary">{statuses.get(summons.status, escape(summons.status))}</span>{all_in}'
            f'<ul class="list-unstyled small mb-0" data-testid="summons-departments">{"".join(rows)}</ul>'
            f'</div></div></div>\n')
    return mark_safe("".join(out))  # noqa: S308 - every text escaped above, ids are integers
