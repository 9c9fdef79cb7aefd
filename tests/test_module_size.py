"""Issue 26: no module of the project over 450 lines, test modules included (migrations aside): a module
that grows past it is split by what each part does, as the engine, the outbox, the assessment and the
settings were, and as the API's, Open311's, the house rules' and the live fault tests were (their shared
fixtures in the directory's conftest.py, their helpers in a module of their own)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("governance", "intake", "dispatch", "grid", "command", "review", "benchmarks", "tests")
MAX_LINES = 450


def test_no_module_is_over_450_lines():
    long = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            lines = path.read_text(encoding="utf-8").count("\n")
            if lines > MAX_LINES:
                long[path.relative_to(ROOT).as_posix()] = lines
    assert long == {}

