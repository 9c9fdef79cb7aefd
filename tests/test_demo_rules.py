"""The demo obeys the rules the services enforce (issue 21, "demo data that contradicts the rules"):
every closed grid report has its on-site verification by a worker of its grid, every department has
a liaison, the district has a work area (片), micro-grids, a consultation and a key person, the pages
for them are not empty for the role that reads them, and `seed_demo` lists every demo login."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from governance.choices import GridLevel
from governance.models import Department, Grid
from grid.services.closing import grid_case_close_check
from intake.choices import CaseStatus, Channel
from intake.models import Case

DEMO_MATTERS = DEMO_HISTORY_MATTERS = 120  # the demo's history (conftest.py's demo_seeded)


@pytest.fixture
def demo(db, demo_seeded, settings):
    settings.DEMO_HISTORY_MATTERS = DEMO_MATTERS
    return demo_seeded


def test_every_closed_grid_report_of_the_demo_passes_the_close_rule(demo):
    closed = Case.objects.filter(channel=Channel.GRID_REPORT, status=CaseStatus.CLOSED)
    for case in closed.select_related("grid"):
        grid_case_close_check(case=case)  # raises when the verification the rule needs is missing
    # and the generated history claims no grid report it could not have verified
    assert not Case.objects.filter(code__startswith="QZTS-H-", channel=Channel.GRID_REPORT).exists()


def test_every_department_of_the_demo_has_a_liaison(demo):
    without = list(Department.objects.filter(active=True, liaison__isnull=True).values_list("name", flat=True))
    assert without == []
    for department in Department.objects.filter(active=True).select_related("liaison"):
        assert department.liaison.is_active, department.name


def test_seed_demo_prints_every_demo_login(demo):
    usernames = set(User.objects.values_list("username", flat=True))
    assert len(usernames) > 40
    printed = {line.split()[0] for line in demo.splitlines() if line.startswith("  ")}
    assert printed == usernames
    assert "demo1234" in demo


def test_the_demo_has_a_work_area_micro_grids_a_consultation_and_a_key_person(demo, client):
    area = Grid.objects.get(level=GridLevel.AREA)
    assert area.town.code == "350521104"
    assert Grid.objects.filter(level=GridLevel.VILLAGE, parent=area).exists()
    micro = Grid.objects.filter(level=GridLevel.MICRO)
    assert micro.count() >= 3 and all(g.leaders.exists() for g in micro)

    client.login(username="director", password="demo1234")
    page = client.get(reverse("command:consultations")).content.decode()
    assert "调度中心双周研判会商（演示）" in page
    client.login(username="liaison_zgj", password="demo1234")
    actions = client.get(reverse("command:actions"))
    assert actions.status_code == 200 and "工资保证金" in actions.content.decode()
    client.login(username="admin", password="demo1234")
    ledger = client.get(reverse("grid:keypersons"))
    assert ledger.status_code == 200 and "王德顺" in ledger.content.decode()
    tree = client.get(reverse("grid:grid", args=[area.pk]))
    assert tree.status_code == 200 and "上浦村" in tree.content.decode()


def test_seed_demo_again_changes_nothing(demo):
    from command.models import Consultation
    from grid.models import KeyPerson

    counts = (User.objects.count(), Grid.objects.count(), Consultation.objects.count(), KeyPerson.objects.count(),
              Case.objects.count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert (User.objects.count(), Grid.objects.count(), Consultation.objects.count(), KeyPerson.objects.count(),
            Case.objects.count()) == counts
    assert "未作改动" in out.getvalue()
