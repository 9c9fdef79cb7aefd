"""The board's department pickers, built in Python: 50 waiting matters x two pickers x every
department made the template loop the slowest part of the page."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from governance.models import Department

register = template.Library()


@register.simple_tag
def department_options(departments: Iterable[Department], selected: Department | Iterable[Department] | None) -> SafeString:
    """`<option>` of each department, the selected one(s) marked."""
    if selected is None:
        chosen: set[int] = set()
    elif isinstance(selected, Department):
        chosen = {selected.pk}
    else:
        chosen = {dept.pk for dept in selected}
    options = "".join(
        f'<option value="{int(dept.pk)}"{" selected" if dept.pk in chosen else ""}>{escape(dept.name)}</option>'
        for dept in departments
    )
    return mark_safe(options)  # noqa: S308 - every name escaped above, ids are integers
