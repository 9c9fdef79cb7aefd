"""seed_scale: a consistent history (every assessment figure still equals its drill-down list)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dispatch.models import Assignment, Revisit
from governance.demo import seed_demo_district
from governance.models import Center
from intake.models import Case, CaseEvent
from review.scale import load, world_for
from review.selectors.assessment import assessment_compute, figure_items
from review.selectors.assessment_figures import FIGURES, Month

NOW = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def district(db):
    seed_demo_district()
    return Center.objects.get(code="QZTS")


def test_the_history_is_consistent_and_every_figure_equals_its_list(district):
    result = load(world=world_for(district), matters=600, start=NOW - dt.timedelta(days=120), end=NOW, now=NOW,
                  batch_size=250)
    assert result.matters == Case.objects.filter(code__startswith="QZTS-S42-").count() == 600
    assert Assignment.objects.count() > 450 and Revisit.objects.count() > 300
    assert CaseEvent.objects.filter(type="case.registered").count() == 600
    assert not Case.objects.filter(status="closed", closed_at__isnull=True).exists()
    assert not Assignment.objects.filter(reported_at__gt=NOW).exists()
    # every dispatched matter's timeline names its assignment, and the identities moved past the ids
    # the load computed (a row written afterwards gets a fresh id)
    dispatched = CaseEvent.objects.filter(type="case.dispatched")
    assert dispatched.count() == Assignment.objects.filter(role__in=["sole", "lead"]).count()
    assert not dispatched.exclude(data__assignment__in=list(Assignment.objects.values_list("pk", flat=True))).exists()
    case = Case.objects.order_by("pk").first()
    fresh = CaseEvent.objects.create(case=case, type="case.registered", occurred_at=NOW)
    assert fresh.pk > CaseEvent.objects.exclude(pk=fresh.pk).order_by("-pk").values_list("pk", flat=True).first()
    month = Month(2026, 10)
    data = assessment_compute(center=district, month=month, now=NOW)
    busy = [row for row in data["departments"] if row["figures"]["assigned"]]
    assert busy and sum(row["figures"]["assigned"] for row in busy) > 100
    for row in busy[:3]:
        for figure in FIGURES:
            items = figure_items(center=district, month=month, key=figure.key, department_id=row["id"], now=NOW,
                                 limit=0)
            assert items.total == row["figures"][figure.key], (row["name"], figure.key)


def test_the_same_seed_twice_is_refused_and_the_command_needs_a_district(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_scale", "--matters", "10")


def test_the_command_reports_its_rate(district, capsys):
    call_command("seed_scale", "--matters", "50", "--months", "2", "--seed", "7")
    assert "生成事项 50 件" in capsys.readouterr().out
    with pytest.raises(CommandError, match="已存在"):
        call_command("seed_scale", "--matters", "50", "--seed", "7")
