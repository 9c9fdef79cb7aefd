"""The loud-template rule of tests/strict_templates.py: what fails and what stays legitimate."""

from __future__ import annotations

import pytest
from django.template import Context, Origin, Template, engines
from django.template.base import VariableDoesNotExist

from tests.strict_templates import ROOT, UndefinedTemplateVariable, take_reports


def render(source: str, context: dict, *, ours: bool = True) -> str:
    engine = engines["django"].engine
    name = ROOT / "templates" / "_probe.html" if ours else ROOT / ".venv" / "lib" / "x" / "templates" / "_probe.html"
    template = Template(source, origin=Origin(name=str(name), template_name="_probe.html"), engine=engine)
    try:
        return template.render(Context(context))
    finally:
        take_reports()  # this test checks the exception; the autouse check would fail it too


@pytest.mark.parametrize("source", [
    "{{ missing }}",
    "{{ row.reason|default:'' }}",
    "{{ row.title|default:row.reason }}",
    "{% with r=row.reason %}{{ r }}{% endwith %}",
    "{% load i18n %}{% blocktranslate %}x {{ missing }}{% endblocktranslate %}",
])
def test_printing_or_passing_on_a_missing_variable_fails(source):
    # A filter's argument raises VariableDoesNotExist whatever the setting (a 500 with DEBUG off).
    with pytest.raises((UndefinedTemplateVariable, VariableDoesNotExist)):
        render(source, {"row": {"title": "标题"}})


@pytest.mark.parametrize("source, expected", [
    ("{% if missing %}x{% else %}y{% endif %}", "y"),
    ("{% if row.reason %}x{% endif %}{% for r in row.lines %}{{ r }}{% endfor %}", ""),
    ("{% firstof row.reason row.title %}", "标题"),
    ("{{ case.grid.name }}|{{ case.grid.name|default:'—' }}", "|—"),  # an empty relation
    ("{{ row.title }}", "标题"),
])
def test_testing_a_variable_or_reading_through_an_empty_relation_is_fine(source, expected):
    assert render(source, {"row": {"title": "标题"}, "case": {"grid": None}}) == expected


def test_templates_that_are_not_ours_keep_django_s_silence():
    assert render("{{ missing }}", {}, ours=False) == ""


def test_the_report_names_the_template_and_the_line():
    with pytest.raises(UndefinedTemplateVariable, match=r"templates/_probe.html, line 2"):
        render("x\n{{ row.reason }}", {"row": {}})
