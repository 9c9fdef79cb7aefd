"""The README's import rules, checked on the code itself (issue 26): the apps sit in layers,
governance < intake < dispatch < grid < command < review, and a lower app never imports a higher one
(import-linter's contract in pyproject.toml); no module of the project takes part in an import
cycle, function-level imports included (grimp, the graph import-linter builds); and an import sits
at the top of its module, never inside a function, except in an `AppConfig.ready()` (issue 26 item 3)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("governance", "intake", "dispatch", "grid", "command", "review")


def test_the_layer_contracts_hold():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                child = edges[node][i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            for child in edges[node]:
                if child in on_stack:
                    low[node] = min(low[node], low[child])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle():
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    modules = {m for m in graph.modules if ".tests" not in m and ".migrations" not in m}
    assert _cycles(graph, modules) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph, {"p.a", "p.b", "p.c"}) == [["p.a", "p.b"]]


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _is_app_config(node: ast.ClassDef) -> bool:
    return any((base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)) == "AppConfig"
               for base in node.bases)


def function_level_imports(source: str, filename: str = "<source>") -> list[str]:
    """Every import statement inside a function (at any depth: in a branch, a nested function or
    class) other than the `ready()` method of an AppConfig subclass, as "file:line function: import"."""
    tree = ast.parse(source, filename)
    allowed = {id(method) for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and _is_app_config(node)
               for method in node.body if isinstance(method, _FUNCTIONS) and method.name == "ready"}
    found: list[str] = []

    def visit(node: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _FUNCTIONS):
                visit(child, None if id(child) in allowed else child)
            elif isinstance(child, ast.Import | ast.ImportFrom) and function is not None:
                found.append(f"{filename}:{child.lineno} {function.name}: {ast.unparse(child)}")
            else:
                visit(child, function)

    visit(tree, None)
    return found


def test_function_level_imports_only_in_ready():
    """An import inside a function hides a dependency from the reader and from import-linter's layers
    (and often a cycle): each module imports at its top; an app's `ready()`, which runs once the
    registry is, is where a module that needs the models is imported or a hook filled in."""
    paths = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
             if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)]
    assert paths
    found = [hit for path in paths
             for hit in function_level_imports(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == []


def test_the_import_checker_finds_a_function_level_import():
    source = textwrap.dedent("""\
        import django.apps
        from django.apps import AppConfig


        class PConfig(AppConfig):
            def ready(self):
                from p import hooks

                def later():
                    import p.late


        class OtherConfig(django.apps.AppConfig):
            async def ready(self):
                import p.other


        class NotAnApp:
            def ready(self):
                import json


        def helper():
            if True:
                from p.models import Thing
    """)
    assert function_level_imports(source) == [
        "<source>:10 later: import p.late",
        "<source>:20 ready: import json",
        "<source>:25 helper: from p.models import Thing",
    ]


def test_every_task_queued_by_name_is_a_registered_task():
    """`governance.enqueue` takes a task's name: a misspelt one would fail only when a message is
    due. Every name passed to it in the project is a task the Celery app knows."""
    import re

    from governance.celery import app

    pattern = re.compile(r"""\benqueue\(\s*["']([\w.]+)["']""")
    names = {name for package in PACKAGES for path in (ROOT / package).rglob("*.py")
             if "tests" not in path.parts for name in pattern.findall(path.read_text(encoding="utf-8"))}
    assert names, "no enqueue() call found: the pattern is out of date"
    app.loader.import_default_modules()
    assert names - set(app.tasks) == set()


def test_a_task_queued_by_name_runs_eagerly_where_tasks_are_eager():
    """A web process that never imported `review.tasks` still runs the task inline when tasks are
    eager (tests, CELERY_TASK_ALWAYS_EAGER): the name is resolved to the task, not sent blindly
    (Celery's `send_task` would ignore eagerness and leave the work on a broker nobody reads)."""
    from governance.celery import app
    from governance.enqueue import enqueue

    ran = []

    def probe(value):
        ran.append(value)

    task = app.task(probe, name="tests.import_rules.probe")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        result = enqueue(task.name, 7)
    finally:
        app.conf.task_always_eager = eager
        app.tasks.pop(task.name, None)
    assert ran == [7] and result.successful()
