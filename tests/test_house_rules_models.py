"""House rules of issue 26 ("one of each"): append-only records in one way (`governance.append_only`),
a matter's timeline events built in one module (`intake/events.py`), and no form in a view module."""

from __future__ import annotations

import ast
import importlib
import re

import pytest
from django import forms
from django.apps import apps
from django.db import transaction

from governance.append_only import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet
from grid.models import CollectedItemChange
from grid.tests.factories import CollectedItemChangeFactory
from intake.events import case_event_record
from intake.models import CaseEvent
from intake.tests.factories import CaseFactory
from tests.sources import APPS, ROOT, parsed, source_files

# The apps, and `command` once the command side has moved into an app of its own.
PROJECT_APPS = APPS

# --- 1. append-only: one mechanism ----------------------------------------------------------------

# The records whose rows are only ever added: each says so in its docstring, and derives from
# `governance.append_only.AppendOnlyModel`.
APPEND_ONLY = {
    "intake.CaseEvent", "intake.SensitiveView", "dispatch.Mode", "dispatch.EpisodeEvent", "grid.KeyPersonView",
    "grid.CollectedItemChange", "review.AssessmentVersion",
}
SAYS_APPEND_ONLY = re.compile(r"append-only|rows are never (changed|edited|updated|deleted)", re.I)


def _project_models() -> list[type]:
    return [model for model in apps.get_models() if model._meta.app_label in PROJECT_APPS]


def test_append_only_records_are_declared_one_way():
    """A model whose docstring says its rows are only added derives from `AppendOnlyModel`, and every
    model that does is in the list above (and says so)."""
    models = _project_models()
    derived = {model._meta.label for model in models if issubclass(model, AppendOnlyModel)}
    saying = {model._meta.label for model in models if SAYS_APPEND_ONLY.search(model.__doc__ or "")}
    assert derived == APPEND_ONLY
    assert saying == APPEND_ONLY


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(APPEND_ONLY))
def test_append_only_records_refuse_every_change(label):
    model = apps.get_model(label)
    for manager in (model.objects, model._default_manager):
        assert isinstance(manager.all(), AppendOnlyQuerySet)
    with pytest.raises(AppendOnlyError):
        model.objects.all().update(pk=0)
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    stored = model.from_db("default", [model._meta.pk.attname], [1])  # a row as a query returns it
    with pytest.raises(AppendOnlyError):
        stored.save()
    with pytest.raises(AppendOnlyError):
        stored.delete()
    with pytest.raises(AppendOnlyError):
        model(pk=1).save()  # an explicit key would UPDATE the row it names
    field = next(f.name for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation)
    with pytest.raises(AppendOnlyError), transaction.atomic():
        model.objects.bulk_update([model(pk=1)], [field])


@pytest.mark.django_db
def test_a_timeline_event_stays_as_written_and_a_refused_save_leaves_the_chain_alone():
    event = case_event_record(case=CaseFactory(), type="case.registered", actor=None, data={"n": 1})
    sealed = (event.prev_hash, event.hash)
    event.data = {"n": 2}
    with pytest.raises(AppendOnlyError):
        event.save()
    assert (event.prev_hash, event.hash) == sealed  # refused before sealing: nothing locked or read
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(pk=event.pk).update(data={})
    assert CaseEvent.objects.get(pk=event.pk).data == {"n": 1}  # and the test's transaction is usable


@pytest.mark.django_db
def test_a_record_goes_with_the_row_it_belongs_to():
    """Deleting the parent still removes its records (CASCADE runs in SQL through the base manager):
    that is the parent's life, not an edit of its history."""
    change = CollectedItemChangeFactory(changes={"name": [None, "住户"]})
    change.changes = {"name": [None, "改写"]}
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    assert CollectedItemChange.objects.get(pk=change.pk).changes == {"name": [None, "住户"]}
    change.item.delete()
    assert not CollectedItemChange.objects.filter(pk=change.pk).exists()


APPEND_ONLY_MODULE = "governance/append_only.py"


def test_no_model_refuses_changes_in_a_way_of_its_own():
    """`update` / `delete` that raise, and `AppendOnlyError` raised, only in governance/append_only.py."""
    offenders = []
    for path in source_files(*PROJECT_APPS):
        name = path.relative_to(ROOT).as_posix()
        if name == APPEND_ONLY_MODULE:
            continue
        for cls in (node for node in ast.walk(parsed(path)) if isinstance(node, ast.ClassDef)):
            for method in cls.body:
                if not isinstance(method, ast.FunctionDef):
                    continue
                raises = [node for node in ast.walk(method) if isinstance(node, ast.Raise)]
                named = any(isinstance(n, ast.Name) and n.id == "AppendOnlyError"
                            for raise_ in raises for n in ast.walk(raise_))
                if named or (raises and method.name in ("update", "delete")):
                    offenders.append(f"{name}: {cls.name}.{method.name}")
    assert offenders == [], "derive from governance.append_only.AppendOnlyModel instead"


# --- 2. timeline events: built in one module ------------------------------------------------------

EVENT_CONSTRUCTORS = "intake/events.py"
CREATING = {"create", "bulk_create", "get_or_create", "update_or_create"}


def _builds_a_case_event(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "CaseEvent"
    return (isinstance(func, ast.Attribute) and func.attr in CREATING and isinstance(func.value, ast.Attribute)
            and func.value.attr == "objects" and isinstance(func.value.value, ast.Name)
            and func.value.value.id == "CaseEvent")


def test_timeline_events_are_built_only_in_intake_events():
    """`CaseEvent(...)` and `CaseEvent.objects.create/bulk_create(...)` only in intake/events.py, where
    each event's type is checked against the declared vocabulary (tests left out). `seed_scale`'s bulk
    load writes SQL rows and seals them after (`review/scale.py`): not an ORM constructor."""
    found = []
    for path in source_files(*PROJECT_APPS):
        name = path.relative_to(ROOT).as_posix()
        found += [f"{name}:{node.lineno}" for node in ast.walk(parsed(path)) if _builds_a_case_event(node)]
    assert found and all(place.startswith(f"{EVENT_CONSTRUCTORS}:") for place in found), found


# --- 3. no forms in view modules ------------------------------------------------------------------


def _view_modules() -> list[str]:
    """Every module under an app's `views/` and every `views*.py` (governance's views, views_calendar)."""
    names = []
    for path in source_files(*PROJECT_APPS):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "views" in parts[:-1] or parts[-1].startswith("views"):
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_no_form_is_defined_in_a_view_module():
    """Forms live in the app's `forms.py` or `<part>_forms.py`; a view module imports them."""
    modules = _view_modules()
    offenders = set()
    for module_name in modules:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module_name:
                offenders.add(module_name)
    assert {name.split(".")[0] for name in modules} >= set(APPS)
    assert offenders == set(), "move the form into the app's forms module"
