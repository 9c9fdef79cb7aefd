"""Templates fail loudly in tests (issue 21): a variable our templates print or pass on must exist.

The rule, for the project's own templates (templates/ and the apps' templates/, not Django's or a
library's, which rely on Django's silence):

- A variable that is *printed or passed on* must resolve: `{{ x }}`, `{{ x|filter }}`, a filter's
  argument (`default:row.reason`), `{% with %}`, `{% include … with %}`, `{% url %}` arguments,
  `{% blocktranslate with %}`. A name the view did not pass, or a key or attribute an existing object
  does not have (`row.reason` on an overdue row), fails the test that renders it. With DEBUG off
  Django prints "" for the first kind and raises (a 500) for a filter's argument: both are bugs.
- *Testing* a variable is fine, present or not, as Django intends: `{% if x %}`, `{% for %}`,
  `{% firstof a b "" %}` (use it to print the first of several that may be missing).
- Reading through an empty relation prints nothing, as Django does: `{{ case.grid.name }}` when
  the matter has no grid is not a failure (the lookup stops at None).

It works through the engine's `string_if_invalid` (Django's own hook for invalid variables, see
"How invalid variables are handled" in the template docs): the object below is what Django formats
with the variable's name, and formatting it reports the variable. Every report is also collected,
so a test whose code caught the exception (a page rendered in a Celery task, a browser test's live
server) still fails at teardown (`conftest.py`).
"""

from __future__ import annotations

import copy
import sys
import threading
from pathlib import Path
from typing import Any

from django.template.base import FilterExpression, Node, Variable

ROOT = Path(__file__).resolve().parent.parent
_reports: list[str] = []
_lock = threading.Lock()


class UndefinedTemplateVariable(Exception):
    """A project template printed or passed on a variable that does not exist."""


def _is_ours(origin_name: str) -> bool:
    path = Path(origin_name)
    try:
        relative = path.resolve().relative_to(ROOT)
    except (ValueError, OSError):
        return False
    return "templates" in relative.parts and not {".venv", "site-packages"} & set(relative.parts)


def _rendering_node() -> Node | None:
    frame = sys._getframe(2)
    while frame is not None:
        owner = frame.f_locals.get("self")
        if isinstance(owner, Node) and getattr(owner, "origin", None) is not None:
            return owner
        frame = frame.f_back
    return None


def _stops_at_none(var: Any, context: Any) -> bool:
    """`case.grid.name` with `case.grid` None: Django's empty relation, printed as ""."""
    if not isinstance(var, Variable) or not var.lookups or len(var.lookups) < 2 or context is None:
        return False
    for end in range(1, len(var.lookups)):
        try:
            value = Variable(".".join(var.lookups[:end])).resolve(context)
        except Exception:  # noqa: BLE001 - a failing prefix: the name itself is missing
            return False
        if value is None:
            return True
    return False


class InvalidVariable(str):
    """`string_if_invalid` for tests: prints as "" (like Django's default) and reports the variable
    when Django formats it with the variable's name (the "%s" hook)."""

    def __new__(cls) -> InvalidVariable:
        return super().__new__(cls, "")

    def __bool__(self) -> bool:
        # True only where Django asks "is string_if_invalid set?" (FilterExpression.resolve); False
        # where it stands for a silent failure's value (`{% if user.profile %}` without a profile).
        return sys._getframe(1).f_code is FilterExpression.resolve.__code__

    def __contains__(self, item: object) -> bool:
        return item == "%s"

    def __mod__(self, var: Any) -> str:
        caller = sys._getframe(1)
        expression = caller.f_locals.get("self") if caller.f_code is FilterExpression.resolve.__code__ else None
        context = caller.f_locals.get("context")
        node = _rendering_node()
        origin = getattr(node, "origin", None)
        if origin is None or not _is_ours(origin.name) or _stops_at_none(var, context):
            return _as_django_does(expression, context)
        token = getattr(node, "token", None)
        line = getattr(token, "lineno", "?")
        name = Path(origin.name).resolve().relative_to(ROOT)
        message = f"Undefined template variable '{var}' in {name}, line {line}"
        with _lock:
            _reports.append(message)
        raise UndefinedTemplateVariable(message)


def _as_django_does(expression: Any, context: Any) -> Any:
    """What Django gives without `string_if_invalid`: "" passed through the expression's filters
    (`{{ case.grid.name|default:"—" }}` prints "—")."""
    if not isinstance(expression, FilterExpression):
        return ""
    silent = copy.copy(expression)
    silent.var, silent.is_var = "", False
    return silent.resolve(context)


def take_reports() -> list[str]:
    with _lock:
        reports = list(_reports)
        _reports.clear()
    return reports
