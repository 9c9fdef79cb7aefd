"""Guards for the house rules of issue 11 ("one vocabulary, one way"): each test reads the source or
the running registries and fails when a rule is broken again."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from governance.hooks import Hook, declared_hooks

ROOT = Path(__file__).resolve().parent.parent
APPS = ("governance", "intake", "dispatch", "grid", "command", "review")


def source_files(*apps: str) -> Iterator[Path]:
    """The apps' Python modules, without tests and migrations."""
    for app in apps or APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield path


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return []


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


# API actions written out rather than declared, and why: the dispatch of a matter answers the list of
# assignments it made; the full-ID reveal names its target by the body's matter and the URL's party
# and records the page it was asked from.
WRITTEN_OUT_ACTIONS = {"CaseDispatchView", "PartyFullIdView"}


def test_api_actions_are_written_one_way():
    """An action on something named in the URL (a POST with the URL's key) is a declaration,
    `governance.api.Action` made into a view by `action_view`: no API class writes that `post` by
    hand (but the listed ones), nor builds methods at class creation."""
    offenders = []
    for path in source_files():
        if "api" not in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.FunctionDef) and node.name == "__init_subclass__":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.ClassDef) and node.name not in WRITTEN_OUT_ACTIONS:
                offenders += [f"{path.relative_to(ROOT)}:{item.lineno} {node.name}" for item in node.body
                              if isinstance(item, ast.FunctionDef) and item.name == "post" and len(item.args.args) > 2]
    assert offenders == []


# Modules that read request.POST by name, and why: Open311's parameters are named by its standard
# (GeoReport v2) and read at its edge; `next_or` reads the one `next` every action form may carry.
READS_POST_BY_NAME = {"governance/page_actions.py", "intake/open311/views.py"}


def test_page_actions_are_written_one_way():
    """A page action parses its input with a form (`governance.page_actions.ActionForm`) and calls its
    service through `perform`: no view picks fields out of request.POST, and no `_run(lambda)` helper."""
    offenders = []
    for path in source_files():
        name = str(path.relative_to(ROOT))
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.FunctionDef) and node.name == "_run":
                offenders.append(f"{name}:{node.lineno} defines _run")
            is_post = (isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.value, ast.Attribute)
                       and node.value.attr == "POST")
            if is_post and name not in READS_POST_BY_NAME:
                offenders.append(f"{name}:{node.lineno} reads request.POST by name")
    assert offenders == []


def test_no_view_turns_not_found_into_a_404_itself():
    """`NotFoundMiddleware` is the one way a page answers a selector's NotFoundError: no module
    catches it (or ApplicationError) only to raise Http404."""
    offenders = []
    for path in source_files():
        for node in ast.walk(parsed(path)):
            if not isinstance(node, ast.ExceptHandler) or node.type is None:
                continue
            caught = {getattr(n, "id", getattr(n, "attr", "")) for n in ast.walk(node.type)}
            raises_404 = any(isinstance(n, ast.Raise) and n.exc is not None
                             and "Http404" in ast.unparse(n.exc) for n in ast.walk(node))
            if caught & {"NotFoundError", "ApplicationError"} and raises_404:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_page_action_helpers_live_in_governance_only():
    """One `next_or` and `perform`: apps import them, none writes its own."""
    helpers = {"not_found_as_404", "_not_found_as_404", "next_or", "_next_or", "perform", "_perform",
               "show_form_errors", "_form_errors"}
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for path in source_files()
        if path.relative_to(ROOT).as_posix() != "governance/page_actions.py"
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.FunctionDef) and node.name in helpers
    ]
    assert offenders == []


def _views_by_url_name() -> dict[str, object]:
    from django.urls import URLResolver, get_resolver

    found: dict[str, object] = {}

    def walk(patterns: list, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif pattern.name:
                found[namespace + pattern.name] = pattern.callback

    walk(get_resolver().url_patterns, "")
    return found


def test_page_action_forms_carry_a_one_time_key():
    """A form in a template that posts to a page action (a view that calls `perform`) carries its
    one-time key (`{% once_key %}` or `{{ <form>.once }}`), so that a double click does it once."""
    import inspect
    import re

    views = _views_by_url_name()
    form_re = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>.*?</form>", re.S | re.I)
    checked, offenders = 0, []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for form in form_re.findall(path.read_text(encoding="utf-8")):
            action = re.search(r"action=\"\{% url '([^']+)'", form)
            if action is None:
                continue
            view = views[action.group(1)]
            if "perform(" not in inspect.getsource(inspect.unwrap(view)):
                continue
            checked += 1
            if "{% once_key %}" not in form and not re.search(r"\{\{ \w+\.once \}\}", form):
                offenders.append(f"{path.relative_to(ROOT)}: {action.group(1)}")
    assert checked > 30 and offenders == []


# The views that catch a service's refusal themselves: a page that shows its form again with the
# errors beside the fields (the window's registration, the grid worker's report, ledger and
# verification), and selectors' "not found" turned into 404 or into the JSON of a page's button.
CATCHES_REFUSALS = {
    ("intake/views/window.py", "_register_page"), ("intake/views/cases.py", "party_full_id"),
    ("grid/views/pages.py", "report"), ("grid/views/pages.py", "ledger"), ("grid/views/pages.py", "item"),
    ("grid/views/pages.py", "verify"),
}


def test_page_actions_show_refusals_one_way():
    """A view that calls a service and shows its refusal as a message goes through `perform`; only
    the pages above catch ApplicationError themselves."""
    found = set()
    for path in source_files():
        name = path.relative_to(ROOT).as_posix()
        if "/views" not in f"/{name}" or "/open311/" in f"/{name}":  # Open311 is an API: JSON at its edge
            continue
        for function in ast.walk(parsed(path)):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                caught = node.type if isinstance(node, ast.ExceptHandler) else None
                names = {n.id for n in ast.walk(caught) if isinstance(n, ast.Name)} if caught else set()
                if "ApplicationError" in names:
                    found.add((name, function.name))
    assert found - CATCHES_REFUSALS == set(), "use governance.page_actions.perform (or call_once)"
    assert CATCHES_REFUSALS - found == set(), "a page left the list: take it out of CATCHES_REFUSALS"


# --- free text: one field type ------------------------------------------------------------------
# Typed inputs that are codes, not prose: each has its own check (stdnum for ID numbers and credit
# codes, the phone rule, a matter's code or id looked up as the actor, a search term that is only
# matched), so the free-text field does not apply. Anything else a person types is free text.
CODE_INPUTS = {
    "id_number": "身份证号：intake.validators.validate_id_number",
    "credit_code": "统一社会信用代码：validate_credit_code",
    "phone": "电话：validate_phone",
    "case": "事项 id 或编号：按操作人查找",
    "case_code": "事项编号：按操作人查找",
    "other": "此前事项的 id 或编号：按操作人查找",
    "duplicate_of": "所重复事项的 id 或编号：按操作人查找（不参评的重复件）",
    "q": "查询词：只用于匹配，不保存",
    "code": "编码：唯一，按编码查找",
    "initials": "拼音首字母：留空由系统生成",
}


def _project_classes(base: type) -> list[type]:
    """Every subclass of `base` defined in the apps' modules (tests and migrations left out)."""
    import importlib as _importlib  # the test imports the modules it reads; the apps never do

    for path in source_files():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if module.endswith("__init__") or module.startswith("governance.settings"):
            continue
        _importlib.import_module(module)
    seen: list[type] = []
    todo = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS and ".tests" not in cls.__module__ and cls not in seen:
            seen.append(cls)
    return seen


def _text_fields_not_free(fields: dict, *, form: bool) -> list[str]:
    from django import forms
    from rest_framework import serializers

    from governance.text import FreeTextField, FreeTextSerializerField

    found = []
    for name, field in fields.items():
        if form:
            if isinstance(field, FreeTextField) or type(field) is not forms.CharField:
                continue
            if isinstance(field.widget, forms.HiddenInput):
                continue
        else:
            for child in (getattr(field, "child", None),):
                if child is not None and type(child) is serializers.CharField and not field.read_only:
                    found.append(f"{name}[]")
            if isinstance(field, FreeTextSerializerField) or type(field) is not serializers.CharField:
                continue
            if field.read_only:
                continue
        if name.split("_", 1)[-1] in CODE_INPUTS or name in CODE_INPUTS:
            continue
        found.append(name)
    return found


def _input_serializer_names() -> set[str]:
    """The serializers that read a request: named as an operation's `request=` (directly or per
    content type), given to `governance.api.validated`, or given `data=` to validate (nested ones too)."""
    names: set[str] = set()

    def add(node: ast.AST) -> None:
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Dict):
            for value in node.values:
                add(value)

    for path in source_files():
        for node in ast.walk(parsed(path)):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id == "validated" and node.args:
                add(node.args[0])  # governance.api.validated(Serializer, request.data)
            for keyword in node.keywords:
                if keyword.arg == "request":
                    add(keyword.value)
                elif keyword.arg == "data":
                    add(node.func)
    return names


@pytest.mark.django_db
def test_every_text_input_is_free_text():
    """Every text a person types into a form or the API is a `governance.text` field (one rule: no
    control characters, invisible-only is empty, the same limit on page and API), unless it is a
    declared code. Output serializers mark their plain strings read-only."""
    from django import forms
    from rest_framework import serializers

    offenders, checked = [], 0
    for cls in _project_classes(forms.BaseForm):
        fields = getattr(cls, "base_fields", {})
        checked += len(fields)
        offenders += [f"{cls.__module__}.{cls.__name__}.{name}" for name in _text_fields_not_free(fields, form=True)]
    inputs = _input_serializer_names()
    for cls in _project_classes(serializers.BaseSerializer):
        if issubclass(cls, serializers.ListSerializer) or cls.__name__ not in inputs:
            continue
        try:
            fields = cls().fields
        except Exception:  # noqa: BLE001 - a serializer that needs its context is read from its declaration
            fields = getattr(cls, "_declared_fields", {})
        checked += len(fields)
        offenders += [f"{cls.__module__}.{cls.__name__}.{name}" for name in _text_fields_not_free(fields, form=False)]
    assert checked > 100 and len(inputs) > 20
    assert offenders == [], "\n".join(offenders) + "\nuse governance.text.FreeTextField / FreeTextSerializerField (or declare a code)"
