"""Issue 26: one transition table per stateful model and one guarded move (governance/transitions.py).
Every registered table is walked; the helper moves once and refuses twice; no service changes a
registered model's status any other way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from governance.errors import ApplicationError
from governance.transitions import TABLES, guarded_bulk_move, guarded_move
from intake.choices import CaseStatus
from intake.models import Case
from intake.tests.factories import CaseFactory

ROOT = Path(__file__).resolve().parent.parent
STATEFUL = {"intake.Case", "dispatch.Assignment", "dispatch.Summons", "command.RiskSignal", "command.WarningLetter",
            "command.Consultation"}


def test_every_stateful_model_has_its_table():
    assert set(TABLES) >= STATEFUL


@pytest.mark.parametrize("label", sorted(STATEFUL))
def test_each_table_covers_its_statuses_and_every_status_can_end(label):
    table = TABLES[label]
    statuses = set(table.statuses.values)
    assert set(table.transitions) == statuses, "every status is a row of the table"
    for source, targets in table.transitions.items():
        assert targets <= statuses and source not in targets
    field = table.model._meta.get_field(table.field)
    assert {value for value, _ in field.choices} == statuses  # the table is over the field's own choices
    ends = {status for status, targets in table.transitions.items() if not targets}
    assert ends, "a stateful model has a final status"
    for status in statuses:  # no status is a trap: each reaches a final one
        seen, frontier = {status}, [status]
        while frontier:
            for target in table.transitions[frontier.pop()]:
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
        assert seen & ends, f"{label}: {status} never ends"


@pytest.mark.django_db
def test_a_move_happens_once_and_a_stale_row_is_told_so():
    case = CaseFactory(status=CaseStatus.REGISTERED)
    stale = Case.objects.get(pk=case.pk)
    assert guarded_move(case, CaseStatus.PENDING_DISPATCH) == CaseStatus.REGISTERED
    assert case.status == CaseStatus.PENDING_DISPATCH
    with pytest.raises(ApplicationError) as again:
        guarded_move(case, CaseStatus.PENDING_DISPATCH)
    assert again.value.code == "invalid_transition" and "已是" in again.value.message
    with pytest.raises(ApplicationError) as late:
        guarded_move(stale, CaseStatus.SETTLED_ON_SPOT)  # read before the move: the UPDATE finds no row
    assert late.value.code == "stale_state"
    with pytest.raises(ApplicationError) as skipped:
        guarded_move(case, CaseStatus.CLOSED)  # not in the table
    assert skipped.value.code == "invalid_transition" and "不能变为" in skipped.value.message
    with pytest.raises(ApplicationError) as narrowed:
        guarded_move(case, CaseStatus.IN_PROGRESS, expected=[CaseStatus.REGISTERED])  # the action's own start
    assert narrowed.value.code == "invalid_transition"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.PENDING_DISPATCH


@pytest.mark.django_db
def test_a_bulk_move_is_held_to_the_table_too():
    case = CaseFactory(status=CaseStatus.REVISITED)
    with pytest.raises(ApplicationError):
        guarded_bulk_move(Case, [case.pk], from_statuses=[CaseStatus.REGISTERED], to=CaseStatus.CLOSED)
    assert guarded_bulk_move(Case, [case.pk], from_statuses=[CaseStatus.REVISITED], to=CaseStatus.CLOSED) == 1
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def test_no_service_moves_a_registered_model_s_status_around_the_helper():
    """`Model.objects.filter(...).update(status=...)` on a model with a table is the guarded move's
    job alone (a bulk move: `guarded_bulk_move`)."""
    names = {label.split(".")[1] for label in STATEFUL}
    found = []
    for package in ("governance", "intake", "dispatch", "grid", "command", "review"):
        for path in (ROOT / package).rglob("*.py"):
            if {"tests", "migrations"} & set(path.parts) or path.name == "transitions.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
                        and any(k.arg == "status" for k in node.keywords) and _root_name(node.func) in names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
