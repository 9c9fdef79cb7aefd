"""`{% letter_from_assessment_link user month department_id flag %}`: on the assessment's pages,
the 发函 link for those who issue letters (nothing for the others)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from command.selectors.work import letters_for_assessment
from governance.models import Department
from governance.roles import MAY_ISSUE_LETTERS, may

register = template.Library()


@register.simple_tag
def letter_from_assessment_link(user: Any, month: Any, department_id: int, flag: str = "") -> SafeString | str:
    if not (user is not None and user.is_authenticated and may(user, MAY_ISSUE_LETTERS)):
        return ""
    url = reverse("review:letter-from-assessment", args=[str(month), department_id])
    if flag:
        url += "?" + urlencode({"flag": flag})
    return format_html('<a class="btn btn-sm btn-outline-danger py-0 no-print" href="{}" data-testid="letter-from-assessment"'
                       ' data-flag="{}">{}</a>', url, flag, gettext("发函"))


@register.inclusion_tag("review/_assessment_letters.html")
def letters_in_assessment(center: Any, month: Any) -> dict[str, Any]:
    """The month's letters per recipient department, as the assessment counts them
    (`command.selectors.work.letters_for_assessment`: one grouped query, one for the names)."""
    start, end = month.bounds()
    counts = letters_for_assessment(center=center, start=start, end=end)
    names = dict(Department.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    rows = sorted(({"name": names.get(pk, ""), **row} for pk, row in counts.items()), key=lambda r: r["name"])
    return {"rows": rows, "month": month}
