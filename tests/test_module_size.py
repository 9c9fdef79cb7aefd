"""Issue 26: no module of the project over 450 lines (tests and migrations aside): a module that grows
past it is split by what each part does, as the engine, the outbox, the assessment and the settings
were."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("governance", "intake", "dispatch", "grid", "command", "review", "benchmarks")
MAX_LINES = 450


def test_no_module_is_over_450_lines():
    long = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
                continue
            lines = path.read_text(encoding="utf-8").count("\n")
            if lines > MAX_LINES:
                long[path.relative_to(ROOT).as_posix()] = lines
    assert long == {}
