"""Guards for the house rules of issue 11 ("one vocabulary, one way"): each test reads the source or
the running registries and fails when a rule is broken again. The rules on actions (API and pages) are in
test_house_rules_actions.py, free text in test_house_rules_free_text.py."""

from __future__ import annotations

import ast

import pytest
from django.core.exceptions import ImproperlyConfigured

from governance.hooks import Hook, declared_hooks
from tests.sources import ROOT, imported_modules, parsed, source_files


# --- 1. no hidden lookups -------------------------------------------------------------------------
def test_no_module_finds_code_by_name():
    offenders = []
    for path in source_files():
        for node in ast.walk(parsed(path)):
            names = imported_modules(node)
            if any(name == "importlib" or name.startswith("importlib.") for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            # (django's `import_string` of a backend named in settings, like EMAIL_BACKEND, is configuration)
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.module_loading" and any(
                    alias.name == "module_has_submodule" for alias in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "declare a hook (governance.hooks) instead of importing by name"


def test_every_declared_hook_is_registered_by_the_app_that_provides_it():
    from django.apps import apps

    hooks = declared_hooks()
    assert {hook.name for hook in hooks} >= {"intake.department_case_ids", "intake.operating_mode"}
    for hook in hooks:
        if apps.is_installed(hook.provided_by):
            assert hook.is_registered, f"{hook.provided_by} must register {hook.name} in ready()"


def test_a_hook_nobody_registered_fails_loudly():
    hook = Hook("test.unregistered", declared_by="tests", provided_by="nobody", doc="")
    with pytest.raises(ImproperlyConfigured, match="nobody must register"):
        hook()


# --- 3. no import loop inside dispatch ------------------------------------------------------------
def test_dispatch_imports_its_own_modules_at_the_top():
    """A function-level import of another dispatch module hides an import loop. Allowed: `ready()`
    (models load after the registry) and services queueing a Celery task (tasks wrap services)."""
    offenders = []
    for path in source_files("dispatch"):
        tree = parsed(path)
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or function.name == "ready":
                continue
            for node in ast.walk(function):
                for name in imported_modules(node):
                    if name.startswith("dispatch") and name != "dispatch.tasks":
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert offenders == []


# --- 4. roles defined once ------------------------------------------------------------------------
def _role_members(node: ast.AST) -> int:
    elements = node.elts if isinstance(node, ast.Set | ast.Tuple | ast.List) else node.args
    return sum(1 for element in elements
               if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name)
               and element.value.id == "Role")


def test_sets_of_roles_are_named_only_in_governance_roles():
    """`has_role(user, Role.A, Role.B)` or `{Role.A, Role.B}` outside governance/roles.py is a second
    definition of who may do something: name the set in governance.roles (`MAY_…`) and use `may()`.
    The demo's lists of which roles each demo person holds (the district's, the towns' and villages') are
    data, not a rule."""
    offenders = []
    for path in source_files():
        relative = path.relative_to(ROOT)
        if relative.as_posix() in {"governance/roles.py", "governance/demo.py", "grid/demo.py"}:
            continue
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Set | ast.Tuple | ast.List | ast.Call) and _role_members(node) >= 2:
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


def test_role_sets_say_what_they_allow():
    from governance import roles

    sets = [name for name, value in vars(roles).items() if isinstance(value, frozenset) and name.isupper()]
    assert sets, "governance.roles defines the role sets"
    assert all(name.startswith(("MAY_", "SHOWN_")) or name == "EVERYONE" for name in sets), sets


# --- 6. one enum per idea ------------------------------------------------------------------------
def _choice_classes() -> dict[str, type]:
    from django.db import models

    found: dict[str, type] = {}
    for module_name in ("governance.choices", "governance.roles", "intake.choices", "dispatch.choices",
                        "dispatch.services.notifications", "dispatch.services.delivery"):
        module = __import__(module_name, fromlist=["*"])
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, models.Choices) and value.__module__ == module_name:
                found[f"{module_name}.{name}"] = value
    return found


def test_no_two_enums_name_or_list_the_same_thing():
    classes = _choice_classes()
    by_name: dict[str, list[str]] = {}
    by_values: dict[frozenset, list[str]] = {}
    for path, choices in classes.items():
        by_name.setdefault(path.rsplit(".", 1)[1], []).append(path)
        by_values.setdefault(frozenset(choices.values), []).append(path)
    assert [paths for paths in by_name.values() if len(paths) > 1] == []
    assert [paths for paths in by_values.values() if len(paths) > 1] == []


def test_no_alias_hides_a_domain_name():
    """`from django.db.models import Case as When_` next to the domain's `Case` reads as the matter."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in source_files()
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.ImportFrom) and node.module == "django.db.models"
        and any(alias.name == "Case" for alias in node.names)
    ]
    assert offenders == []


# --- 5. a declared event vocabulary ----------------------------------------------------------------
EVENT_TYPE_CLASSES = {"CaseEventType": "intake/choices.py", "DispatchEventType": "dispatch/choices.py"}


def test_every_declared_event_type_is_written_somewhere_and_has_a_label():
    from dispatch.choices import DispatchEventType
    from intake.choices import CaseEventType
    from intake.events import event_types

    referenced: set[str] = set()
    for path in source_files():
        for node in ast.walk(parsed(path)):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in EVENT_TYPE_CLASSES):
                referenced.add(f"{node.value.id}.{node.attr}")
    declared = {f"{cls.__name__}.{member.name}" for cls in (CaseEventType, DispatchEventType) for member in cls}
    assert declared - referenced == set(), "declared but never written"
    assert referenced - declared == set()
    vocabulary = event_types()
    assert set(CaseEventType.values) | set(DispatchEventType.values) <= set(vocabulary)
    assert all(str(vocabulary[value]) != value for value in vocabulary)


def test_every_written_event_type_is_declared():
    """Events are written with a declared member (`DispatchEventType.CASE_DISPATCHED`), never a string;
    `case_event_build` also refuses an undeclared type at run time."""
    from intake.events import case_event_build

    offenders = []
    for path in source_files():
        for node in ast.walk(parsed(path)):
            if not isinstance(node, ast.Call):
                continue
            values = [kw.value for kw in node.keywords if kw.arg in {"type", "event_type"}]
            if isinstance(node.func, ast.Name) and node.func.id.endswith("_event") and len(node.args) > 1:
                values.append(node.args[1])
            for value in values:
                for leaf in ast.walk(value):
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) and "." in leaf.value:
                        offenders.append(f"{path.relative_to(ROOT)}:{leaf.lineno} {leaf.value}")
    assert offenders == []
    with pytest.raises(ValueError, match="undeclared"):
        case_event_build(case=1, type="case.teleported", actor=None)


# --- 7. the domain knows nothing of HTTP ------------------------------------------------------------
def test_the_domain_is_free_of_http():
    """Services, selectors, models and errors raise codes; statuses are the edge's business
    (`governance.api.http_status_for`)."""
    from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError

    for error in (ApplicationError, NotFoundError, PermissionDeniedError):
        assert not hasattr(error("x"), "status_code")
    offenders = []
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        domain = any(part in {"services", "selectors", "models"} for part in path.relative_to(ROOT).parts) or (
            relative.endswith(("/services.py", "/selectors.py", "/models.py", "/events.py", "errors.py")))
        if not domain:
            continue
        for node in ast.walk(parsed(path)):
            for name in imported_modules(node):
                if name.startswith(("rest_framework", "django.http")):
                    offenders.append(f"{relative}:{node.lineno} {name}")
            if isinstance(node, ast.keyword) and node.arg == "status_code":
                offenders.append(f"{relative}:{node.value.lineno} status_code=")
    assert offenders == []


def test_every_application_error_code_maps_to_one_status():
    from governance.api import http_status_for
    from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError

    assert http_status_for(ApplicationError("x", code="stale_state")) == 409
    assert http_status_for(ApplicationError("x")) == 400
    assert http_status_for(NotFoundError()) == 404
    assert http_status_for(PermissionDeniedError()) == 403


# --- 8. one set of factories -----------------------------------------------------------------------
def test_one_factory_per_model_in_the_app_that_owns_it():
    """Variants are traits (`CenterFactory(quanzhou=True)`, `CaseFactory(closed=True)`), not copies.
    People (auth's User) belong to governance, which owns profiles and roles."""
    import factory

    factories: dict[str, list[str]] = {}
    for path in sorted(ROOT.glob("*/tests/factories*.py")):
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = __import__(module_name, fromlist=["*"])
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory)
                    and value.__module__ == module_name and value._meta.model is not None):
                model = value._meta.model
                owner = "governance" if model._meta.app_label == "auth" else model._meta.app_label
                assert module_name.startswith(f"{owner}."), f"{value.__name__} belongs in {owner}/tests/factories.py"
                factories.setdefault(model._meta.label, []).append(f"{module_name}.{value.__name__}")
    assert factories
    assert {label: names for label, names in factories.items() if len(names) > 1} == {}
