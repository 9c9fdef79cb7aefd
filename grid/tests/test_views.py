"""The grid worker's phone pages: only their grids, one service call per action, exactly once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dispatch.services import assignment_acknowledge, assignment_report_back, case_dispatch, case_move_center
from grid.models import CollectedItem, GridReport, Patrol
from grid.tests.test_services import PNG, photo
from intake.models import Case
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(client, territory):
    client.force_login(territory.worker)
    return client


def test_my_grids_shows_only_mine_and_others_are_404(phone, territory):
    page = phone.get(reverse("grid:home")).content.decode()
    assert "上浦村第1网格" in page and "上浦村第2网格" not in page
    assert 'rel="manifest"' in page and "grid/offline.js" in page and "<script>" not in page
    assert phone.get(reverse("grid:ledger", args=[territory.other_unit.pk])).status_code == 404


def test_other_roles_cannot_open_grid_pages(client, territory):
    client.force_login(territory.station)
    assert client.get(reverse("grid:home")).status_code == 403


def test_patrol_report_and_ledger_through_the_pages(phone, territory):
    t = territory
    phone.post(reverse("grid:patrol-start"), {"grid": t.unit.pk, "client_key": "s1", "route_notes": "村道"})
    phone.post(reverse("grid:patrol-start"), {"grid": t.unit.pk, "client_key": "s1"})
    patrol = Patrol.objects.get()
    phone.post(reverse("grid:ledger", args=[t.unit.pk]), {"kind": "person", "name": "王家", "households": "1"})
    item = CollectedItem.objects.get()
    phone.post(reverse("grid:item", args=[item.pk]), {"kind": "person", "name": "王家", "households": "2"})
    page = phone.get(reverse("grid:item", args=[item.pk])).content.decode()
    assert "households 1 → 2" in page
    data = {"grid": t.unit.pk, "category": category("JF10").pk, "title": "挡土墙开裂", "description": "威胁两户",
            "address": "旧粮仓后", "urgency": "urgent", "risk_level": "high", "client_key": "r1",
            "photos": [photo()]}
    first = phone.post(reverse("grid:report"), data)
    data["photos"] = [photo()]
    second = phone.post(reverse("grid:report"), data, HTTP_X_REQUESTED_WITH="offline-queue")
    assert first.status_code == second.status_code == 302
    report = GridReport.objects.get()
    assert report.patrol == patrol and Case.objects.count() == 1
    phone.post(reverse("grid:patrol-finish", args=[patrol.pk]), {"route_notes": "结束", "photos": [photo()]})
    patrol.refresh_from_db()
    assert patrol.status == "finished" and patrol.photos.count() == 1


def test_report_with_errors_keeps_the_form(phone, territory):
    response = phone.post(reverse("grid:report"), {"grid": territory.unit.pk, "category": category("JF10").pk,
                                                   "title": "", "description": "x", "urgency": "normal",
                                                   "risk_level": "low", "client_key": "r2"})
    assert response.status_code == 400 and "标题" in response.content.decode()
    bad = phone.post(reverse("grid:report"), {"grid": territory.unit.pk, "category": category("JF10").pk,
                                              "title": "t", "description": "x", "urgency": "normal",
                                              "risk_level": "low", "client_key": "r3",
                                              "photos": [photo("a.png", b"GIF89a" + PNG)]})
    assert bad.status_code == 400 and not Case.objects.exists()


def test_verification_page_then_the_queue_empties(phone, territory):
    t = territory
    from grid.services import grid_report_submit

    rep, _ = grid_report_submit(actor=t.worker, grid=t.unit, client_key="v1", category=category("JF10"),
                                title="挡土墙开裂", description="威胁两户", address="旧粮仓后")
    case = rep.case
    case_move_center(actor=t.station, case=case, to_center=t.town, reason="需工程处置")
    [a] = case_dispatch(actor=t.town_dispatcher, case=case, mode="transfer", lead_department=t.town_department)
    assignment_acknowledge(actor=t.town_liaison, assignment=a)
    assignment_report_back(actor=t.town_liaison, assignment=a, text="已加固挡土墙")
    tasks = phone.get(reverse("grid:tasks")).content.decode()
    assert f'data-task="{case.code}"' in tasks
    page = phone.get(reverse("grid:verify", args=[case.pk])).content.decode()
    assert "旧粮仓后" in page and "已加固挡土墙" in page and "核查通过" in page
    failed = phone.post(reverse("grid:verify", args=[case.pk]), {"passed": "no", "notes": ""})
    assert failed.status_code == 400 and "原因" in failed.content.decode()
    done = phone.post(reverse("grid:verify", args=[case.pk]), {"passed": "yes", "notes": "同点拍照",
                                                                "photos": [photo()]})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "verified"
    assert f'data-task="{case.code}"' not in phone.get(reverse("grid:tasks")).content.decode()
    client2 = phone
    client2.force_login(t.other_worker)
    assert client2.get(reverse("grid:verify", args=[case.pk])).status_code == 404


def test_a_matter_registered_on_the_village_reaches_its_grid_workers_for_the_check(phone, territory):
    """Issue 21 (9): the window's picker offers the village first, but a worker's 待核查 listed only her
    unit grids, so a village matter reached nobody; the clerk now sees who will verify it."""
    from django.test import Client

    from governance.roles import Role
    from governance.selectors import grid_workers_to_verify
    from governance.tests.factories import DepartmentFactory, GridFactory, UserFactory
    from intake.choices import CaseStatus
    from intake.tests.factories import CaseFactory

    t = territory
    department = DepartmentFactory(center=t.district, with_people=True)
    clerk = UserFactory(roles=[Role.WINDOW_CLERK], profile={"center": t.district})
    case = CaseFactory(district=t.district, center=t.district, grid=t.village_grid, town=t.town_grid,
                       status=CaseStatus.PENDING_DISPATCH, title="上浦村路灯不亮", first_receiver=clerk)
    [a] = case_dispatch(actor=t.director, case=case, mode="transfer", lead_department=department)
    assignment_acknowledge(actor=department.liaison, assignment=a)
    assignment_report_back(actor=department.liaison, assignment=a, text="已修复路灯")

    # The clerk sees who will verify, on the receipt and on the matter's page.
    clerk_client = Client()
    clerk_client.force_login(clerk)
    for url in (reverse("intake:receipt", args=[case.code]), reverse("intake:case_detail", args=[case.code])):
        page = clerk_client.get(url).content.decode()
        names = page[page.index('data-testid="verifiers"'):][:400]
        for worker in (t.worker, t.other_worker):
            assert f"{worker.last_name}{worker.first_name}" in names, url

    tasks = phone.get(reverse("grid:tasks")).content.decode()
    assert f'data-task="{case.code}"' in tasks
    other = Client()
    other.force_login(t.other_worker)  # the village's other grid worker has it too
    assert f'data-task="{case.code}"' in other.get(reverse("grid:tasks")).content.decode()
    assert phone.post(reverse("grid:verify", args=[case.pk]), {"passed": "yes", "notes": "路灯已亮"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED

    # A worker of another village neither sees nor verifies it.
    elsewhere = GridFactory(code="350599100204", name="下浦村", level="village", parent=t.town_grid, town=t.town_grid)
    assert t.worker not in grid_workers_to_verify(grid=elsewhere)


def test_her_home_opens_with_patrol_report_and_her_count_to_verify(phone, territory):
    """Issue 21 (12): her home showed the date and 今日轮驻部门 first, and no 开始巡查 or 上报问题."""
    page = phone.get("/").content.decode()
    actions = page.index('data-testid="grid-actions"')
    assert actions < page.index('data-testid="today-kind"')
    panel = page[actions:page.index("</div>", actions)]
    assert reverse("grid:home") in panel and reverse("grid:report") in panel and reverse("grid:tasks") in panel
    assert "开始巡查" in panel and "上报问题" in panel and "待核查 0" in panel
