"""Issue 7 on the pages: the first receiver's revisit and close, the summons requested from a matter
(checklist grouped by residency, territory preselected), the approvers notified, one countdown per
department not yet reported in, and bad input answered with a message (forms, never a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch import services as svc
from dispatch.models import Notification, RoutingRule, Summons
from dispatch.selectors.attendance import attendance_code
from dispatch.tests.factories_work import World
from governance.choices import Residency
from governance.tests.factories import UserFactory
from intake.choices import CaseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def test_the_first_receiver_sees_revisit_and_close_and_another_clerk_sees_the_rule(world, client):
    clerk = UserFactory(username="clerk_a", roles=["window_clerk"], profile={"center": world.center})
    other = UserFactory(username="clerk_b", roles=["window_clerk"], profile={"center": world.center})
    case = world.case(first_receiver=clerk, status=CaseStatus.VERIFIED)
    url = reverse("dispatch:work-case", args=[case.pk])
    client.force_login(other)
    html = client.get(url).content.decode()
    assert 'data-testid="revisit-form"' not in html and 'data-testid="follow-up-rule"' in html
    response = client.post(reverse("dispatch:work-case-action", args=[case.pk, "revisit"]),
                           {"resolved": "yes", "satisfaction": "satisfied"}, follow=True)
    assert "首接责任人" in response.content.decode()
    client.force_login(clerk)
    assert 'data-testid="revisit-form"' in client.get(url).content.decode()
    client.post(reverse("dispatch:work-case-action", args=[case.pk, "revisit"]),
                {"resolved": "partly", "satisfaction": "basic", "notes": "余款待付"})
    assert 'data-testid="close-form"' in client.get(url).content.decode()
    client.post(reverse("dispatch:work-case-action", args=[case.pk, "close"]), {"note": ""})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_bad_input_is_a_message_not_a_500(world, client):
    case = world.case()
    client.force_login(world.director)
    response = client.post(reverse("dispatch:work-case-dispatch", args=[case.pk]),
                           {"mode": "transfer", "lead_department": "abc", "progress_every_working_days": "x"},
                           follow=True)
    assert response.status_code == 200
    assert "承办（牵头）部门" in response.content.decode()
    response = client.post(reverse("dispatch:work-case-action", args=[case.pk, "revisit"]),
                           {"resolved": "maybe"}, follow=True)
    assert response.status_code == 200 and "是否解决" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_DISPATCH and not case.events.exists()


def test_summons_is_requested_from_the_matter_page_and_every_approver_on_duty_is_notified(
        world, client, django_capture_on_commit_callbacks):
    world.town.residency = Residency.ON_CALL
    world.town.save()
    RoutingRule.objects.create(center=world.center, grid=world.town_grid, department=world.town, role="co")
    case = world.case(risk_level="high", urgency="urgent")
    client.force_login(world.director)
    html = client.get(reverse("dispatch:work-case", args=[case.pk])).content.decode()
    assert "申请召集部门" in html and 'data-testid="summons-checklist"' in html
    town_box = f'value="{world.town.pk}" id="summons-case-dept-{world.town.pk}" checked'
    assert town_box in html  # the territorial town is preselected
    checklist = html[html.index('data-testid="summons-checklist"'):]
    assert checklist.index("轮驻") < checklist.index("随驻")  # grouped by residency
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dispatch:work-summons-new"), {
            "reason": "玉田村村民堵路", "case": case.code,
            "departments": [world.police.pk, world.zgj.pk, world.town.pk]})
    summons = Summons.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/work/summons/{summons.pk}/")
    assert summons.case == case and summons.departments.count() == 3
    notified = set(Notification.objects.filter(kind="summons.requested", channel="in_app")
                   .values_list("recipient__username", flat=True))
    assert notified == {"commander", "deputy"}


def test_summons_request_without_departments_keeps_the_reason_and_says_why(world, client):
    client.force_login(world.director)
    response = client.post(reverse("dispatch:work-summons-new"), {"reason": "堵路"}, follow=True)
    assert "请选择要召集的部门" in response.content.decode()
    assert not Summons.objects.exists()


def test_one_countdown_per_department_not_yet_reported_in_and_none_when_all_are_in(world, client):
    summons = svc.summons_request(actor=world.director, center=world.center, reason="堵路",
                                  departments=[world.police, world.zgj, world.town])
    svc.summons_approve(actor=world.deputy, summons=summons)
    client.force_login(world.director)
    board = client.get(reverse("dispatch:board")).content.decode()
    assert board.count('data-testid="countdown"') == 3
    rows = {row.department_id: row for row in summons.departments.all()}
    code = attendance_code(center=summons.center, at=timezone.now())
    svc.summons_report_in(actor=world.police.liaison, row=rows[world.police.pk], code=code)
    board = client.get(reverse("dispatch:board")).content.decode()
    assert board.count('data-testid="countdown"') == 2
    for dept in (world.zgj, world.town):
        svc.summons_report_in(actor=dept.liaison, row=rows[dept.pk], code=code)
    board = client.get(reverse("dispatch:board")).content.decode()
    assert 'data-testid="countdown"' not in board and 'data-testid="all-reported-in"' in board
    page = client.get(reverse("dispatch:work-summons", args=[summons.pk])).content.decode()
    assert 'data-testid="countdown"' not in page and 'data-testid="all-reported-in"' in page


def test_a_grid_worker_revisits_and_calls_from_her_tasks_card(world, client):
    """Issue 21 item 3: the grid worker's 待回访 card led to a page without a revisit form, and the
    revisit and the explanation call (page and API) ended in a TypeError."""
    case = world.case(status=CaseStatus.VERIFIED, title="路灯不亮")
    client.force_login(world.grid_worker)
    tasks = client.get(reverse("grid:tasks")).content.decode()
    url = reverse("dispatch:work-case", args=[case.pk])
    assert f'href="{url}"' in tasks
    html = client.get(url).content.decode()
    assert 'data-testid="revisit-form"' in html and 'data-testid="explain-form"' in html
    assert 'data-testid="close-form"' not in html  # closing stays with the first receiver
    client.post(reverse("dispatch:work-case-action", args=[case.pk, "explain"]), {"notes": "材料在路上，下周到"})
    response = client.post(reverse("dispatch:work-case-action", args=[case.pk, "revisit"]),
                           {"resolved": "yes", "satisfaction": "satisfied", "notes": "已亮"}, follow=True)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.REVISITED
    assert case.revisits.get().revisited_by == world.grid_worker
    assert case.explanation_calls.get().called_by == world.grid_worker


def test_a_grid_worker_revisits_and_calls_through_the_api_and_another_grid_is_refused(world):
    from rest_framework.test import APIClient

    from governance.tests.factories import GridFactory

    api = APIClient()
    api.force_authenticate(world.grid_worker)
    case = world.case(status=CaseStatus.VERIFIED)
    response = api.post(reverse("dispatch-api:case-explanation", args=[case.pk]), {"notes": "解释"}, format="json")
    assert response.status_code in (200, 201), response.content
    response = api.post(reverse("dispatch-api:case-revisit", args=[case.pk]),
                        {"resolved": "partly", "satisfaction": "basic", "notes": ""}, format="json")
    assert response.status_code == 200, response.content
    elsewhere = world.case(status=CaseStatus.VERIFIED, grid=GridFactory(parent=world.town_grid, town=world.town_grid))
    response = api.post(reverse("dispatch-api:case-revisit", args=[elsewhere.pk]),
                        {"resolved": "yes", "satisfaction": "satisfied", "notes": ""}, format="json")
    assert response.status_code in (403, 404)
