"""The project's source, read by the house rules' tests (test_house_rules*.py, test_parsing_rules.py):
the apps' modules without tests and migrations, parsed."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

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

