"""House rules (issue 11) on actions: an API action is declared, a page action goes through its form and
`perform`, with the listed exceptions and why."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tests.sources import ROOT, parsed, source_files

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


def _url_patterns(patterns: list | None = None, prefix: str = "",
                  namespace: str = "") -> Iterator[tuple[str, str, object]]:
    """Every URL pattern of the project: its route, its name with its namespaces ("" when unnamed) and
    its view."""
    from django.urls import URLResolver, get_resolver

    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(pattern.url_patterns, prefix + str(pattern.pattern),
                                     f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        else:
            yield prefix + str(pattern.pattern), namespace + pattern.name if pattern.name else "", pattern.callback


def _views_by_url_name() -> dict[str, object]:
    return {name: view for _route, name, view in _url_patterns() if name}


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


# The API paths an app's endpoints keep though the app is another one's: the command app's endpoints
# kept the paths they had when the command work sat inside review (clients rely on them).
API_PREFIX_OF = {"command": "review"}


def test_every_rest_endpoint_lives_in_its_apps_api():
    """Every REST endpoint of an app is a view of its `api` package (Open311: `intake.open311`), served
    under `/api/<app>/` (Open311 under `/open311/v2/`)."""
    from rest_framework.views import APIView

    from tests.sources import APPS

    offenders = []
    endpoints = 0
    for route, _name, callback in _url_patterns():
        view = getattr(callback, "cls", None)
        if view is None or not issubclass(view, APIView):
            continue
        # A declared action (governance.api.action_view) belongs where its answer's serializer is.
        module = view.declaration.response.__module__ if hasattr(view, "declaration") else view.__module__
        app = module.split(".")[0]
        if app not in APPS:
            continue
        endpoints += 1
        if module.startswith("intake.open311."):
            ok = route.startswith("open311/v2/")
        else:
            ok = ".api." in module + "." and route.startswith(f"api/{API_PREFIX_OF.get(app, app)}/")
        if not ok:
            offenders.append(f"{route} {module}.{view.__name__}")
    assert endpoints > 50, "no endpoint found: the walk is out of date"
    assert offenders == []


def test_an_apps_templates_link_only_to_its_own_or_lower_apps_pages():
    """A template of `templates/<app>/` names in `{% url %}` only pages of its app or of an app below it
    (governance < intake < dispatch < grid < command < review): a link up comes from the view, through
    a hook the higher app fills in (e.g. intake's `case_work_url`)."""
    import re

    from tests.sources import APPS

    layer = {app: index for index, app in enumerate(APPS)}
    offenders = []
    for path in sorted((ROOT / "templates").glob("*/**/*.html")):
        app = path.relative_to(ROOT / "templates").parts[0]
        for namespace in re.findall(r"\{% url ['\"]([\w-]+):", path.read_text(encoding="utf-8")):
            target = namespace.removesuffix("-api")
            if target in layer and app in layer and layer[target] > layer[app]:
                offenders.append(f"{path.relative_to(ROOT)} -> {namespace}")
    assert offenders == []
