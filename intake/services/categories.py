"""Categories edited by administrators."""

from __future__ import annotations

from django.utils.translation import gettext

from governance.errors import ApplicationError
from intake.answer_limits import answer_limit_errors
from intake.models import Category
from intake.pinyin import pinyin_initials

# --- categories -----------------------------------------------------------------------------


def category_save(*, category: Category) -> Category:
    """Save an administrator's category: two levels only, initials filled in when left blank, an answer
    limit whole (a positive amount and one unit) or not set at all."""
    if category.parent_id:
        parent = category.parent
        if parent.parent_id:
            raise ApplicationError(gettext("事项类别只有两级：上级类别必须是一级类别。"), field="parent")
        if category.pk and parent.pk == category.pk:
            raise ApplicationError(gettext("上级类别不能是它自己。"), field="parent")
        if category.pk and Category.objects.filter(parent_id=category.pk).exists():
            raise ApplicationError(gettext("该类别下已有子类别，不能再设上级类别。"), field="parent")
    name = (category.name or "").strip()
    if not name:
        raise ApplicationError(gettext("请填写类别名称。"), field="name", code="required")
    category.name = name
    category.answer_limit_unit = category.answer_limit_unit or ""
    limit_errors = answer_limit_errors(category.answer_limit, category.answer_limit_unit)
    if limit_errors:
        field, message = next(iter(limit_errors.items()))
        raise ApplicationError(message, field=field)
    if not (category.initials or "").strip():
        category.initials = pinyin_initials(name)[:50]
    category.initials = category.initials.strip().lower()
    category.save()
    return category
