"""Long lists of rows built in Python rather than in template code (the dispatch board, the grid tree):
a template's variable lookup, translation, `{% url %}` or include costs tens of microseconds, thousands
of times on a long page. These prepare a URL pattern and the choices' labels once per page, so each
row is a few string operations. Whatever they return is escaped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.html import escape

_MARK = 987654321  # a pk no row has: reversed once, then replaced per row


def url_for(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for many rows: one reverse, then a string per row."""
    head, tail = reverse(name, args=[_MARK]).split(str(_MARK))
    return lambda pk: f"{head}{int(pk)}{tail}"


def choice_labels(model: type[models.Model], field: str) -> dict[Any, str]:
    """The escaped display label of each choice of `field`, in the language of this request."""
    return {value: escape(str(label)) for value, label in model._meta.get_field(field).flatchoices}
