"""待核查: a grid worker sees the matters reported back in their own grids and verifies on site."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dispatch.services import assignment_acknowledge, assignment_report_back, case_dispatch
from governance.models import Center, Department, Grid
from intake.choices import Channel
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


def _reported_matter(grid_code: str, title: str):
    clerk, liaison = User.objects.get(username="clerk"), User.objects.get(username="liaison")
    case = case_register(actor=clerk, center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF10"), title=title, description="拖欠工资",
        parties=[PartyInput(name="王建国", phone="13905958888")], grid=Grid.objects.get(code=grid_code)))
    case_send_to_dispatch(actor=clerk, case=case)
    [assignment] = case_dispatch(actor=User.objects.get(username="director"), case=case, mode="transfer",
                                 lead_department=Department.objects.get(short_code="LDWQ"))
    assignment_acknowledge(actor=liaison, assignment=assignment)
    assignment_report_back(actor=liaison, assignment=assignment, text="已支付六成，余款签订还款计划")
    case.refresh_from_db()
    return case


def test_grid_worker_sees_reported_matters_of_her_grid_only_and_verifies(client, demo_seeded):
    mine = _reported_matter("350521104203001", "上浦村工地欠薪")
    other = _reported_matter("350521106207001", "玉田村工地欠薪")
    assert mine.status == other.status == "reported"

    client.login(username="grid", password="demo1234")
    home = client.get("/").content.decode()
    assert 'data-nav="grid:tasks"' in home  # her queue is the phone cards; the table stays reachable
    page = client.get(reverse("dispatch:work-verification")).content.decode()
    assert mine.code in page and other.code not in page

    client.post(reverse("dispatch:work-case-action", args=[mine.pk, "verify"]), {"passed": "yes", "notes": "现场核实"})
    mine.refresh_from_db()
    assert mine.status == "verified"
    assert client.post(reverse("dispatch:work-case-action", args=[other.pk, "verify"]),
                       {"passed": "yes"}).status_code == 404
    other.refresh_from_db()
    assert other.status == "reported"


def test_center_staff_see_the_whole_queue_and_departments_do_not(client, demo_seeded):
    case = _reported_matter("350521106207001", "玉田村工地欠薪")
    client.login(username="director", password="demo1234")
    assert case.code in client.get(reverse("dispatch:work-verification")).content.decode()
    client.login(username="handler", password="demo1234")
    assert client.get(reverse("dispatch:work-verification")).status_code == 403
