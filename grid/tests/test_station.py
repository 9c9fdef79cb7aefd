"""Village and town first: the station settles or escalates; each level sees its own queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dispatch.services import case_close, case_revisit
from governance.errors import ApplicationError
from grid.services import grid_case_verify, grid_report_submit
from grid.tests.test_services import photo
from intake.tests.factories import category

pytestmark = pytest.mark.django_db


def _report(t, key="s-1"):
    rep, _ = grid_report_submit(actor=t.worker, grid=t.unit, client_key=key, category=category("JF10"),
                                title="路灯不亮", description="村道三盏路灯不亮", address="上浦村村道")
    return rep.case


def test_each_level_sees_its_own_queue_and_escalates(client, territory):
    t = territory
    case = _report(t)
    client.force_login(t.station)
    page = client.get(reverse("grid:station")).content.decode()
    assert f'data-station-case="{case.code}"' in page
    client.force_login(t.town_dispatcher)
    assert f'data-station-case="{case.code}"' not in client.get(reverse("grid:station")).content.decode()
    client.force_login(t.station)
    client.post(reverse("grid:station-escalate", args=[case.pk]), {"reason": "需工程处置"})
    case.refresh_from_db()
    assert case.center == t.town and case.events.filter(type="case.escalated").count() == 1
    client.force_login(t.town_dispatcher)
    assert f'data-station-case="{case.code}"' in client.get(reverse("grid:station")).content.decode()
    client.force_login(t.director)
    assert client.get(reverse("grid:station")).status_code == 302  # the district works on the board
    client.force_login(t.worker)
    assert client.get(reverse("grid:station")).status_code == 403


def test_settled_in_the_village_closes_after_the_worker_checked_on_site(client, territory):
    t = territory
    case = _report(t)
    client.force_login(t.station)
    client.post(reverse("grid:station-settle", args=[case.pk]), {"result": "已更换灯泡"})
    case.refresh_from_db()
    assert case.status == "settled_on_spot" and case.center == t.village
    case_revisit(actor=t.station, case=case, resolved="yes", satisfaction="satisfied")
    case.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        case_close(actor=t.station, case=case)
    assert error.value.code == "grid_verification_required"


def test_site_check_of_a_settled_report(territory):
    t = territory
    from intake.services import case_settle_on_spot

    case = _report(t, key="s-2")
    case_settle_on_spot(actor=t.station, case=case, result="已更换灯泡")
    with pytest.raises(ApplicationError):
        grid_case_verify(actor=t.other_worker, case=case, passed=True)
    grid_case_verify(actor=t.worker, case=case, passed=True, notes="灯亮了", photos=[photo()])
    case.refresh_from_db()
    assert case.status == "settled_on_spot"
    case_revisit(actor=t.station, case=case, resolved="yes", satisfaction="satisfied")
    case.refresh_from_db()
    case_close(actor=t.station, case=case)
    case.refresh_from_db()
    assert case.status == "closed"


def test_failed_site_check_sends_it_back_to_the_station(territory):
    t = territory
    from intake.services import case_settle_on_spot

    case = _report(t, key="s-3")
    case_settle_on_spot(actor=t.station, case=case, result="已更换灯泡")
    grid_case_verify(actor=t.worker, case=case, passed=False, notes="仍有一盏不亮")
    case.refresh_from_db()
    assert case.status == "pending_dispatch" and case.center == t.village


def test_an_off_duty_director_reads_the_station_queue_without_its_buttons(client, territory):
    """Duty, not only role (issue 20): where a town sub-center keeps a rotation of its own, its duty
    director off duty sees 站点待办 read-only with the reason, and a settle he posts anyway is refused."""
    import datetime as dt

    from dispatch.tests.factories import DutyRosterFactory, DutyTeamFactory
    from governance.errors import PermissionDeniedError
    from governance.roles import Role
    from governance.tests.factories import DepartmentFactory, UserFactory
    from intake.services import case_settle_on_spot

    t = territory
    case = _report(t)
    client.force_login(t.station)
    client.post(reverse("grid:station-escalate", args=[case.pk]), {"reason": "需镇里协调"})
    case.refresh_from_db()
    assert case.center == t.town
    on_duty = UserFactory(username="town_on_duty", roles=[Role.DUTY_DIRECTOR], profile={"center": t.town})
    office = DepartmentFactory(center=t.town, name="洛阳镇综治办", short_code="LYZZ", duty_supplier=True)
    DutyTeamFactory(department=office, main_director=on_duty, deputy_director=None)
    DutyRosterFactory(center=t.town, departments=[office], start_date=dt.date(2026, 11, 16), weekly=True)

    client.force_login(t.town_dispatcher)  # a duty director of the town, not on this week's rotation
    page = client.get(reverse("grid:station")).content.decode()
    assert f'data-station-case="{case.code}"' in page
    assert 'data-testid="station-read-only"' in page and "不在值班" in page and on_duty.get_full_name() in page
    assert 'data-action="settle"' not in page and 'data-action="escalate"' not in page
    refused = client.post(reverse("grid:station-settle", args=[case.pk]), {"result": "已处理"}, follow=True)
    assert "不在值班" in refused.content.decode()
    case.refresh_from_db()
    assert case.center == t.town and case.status == "pending_dispatch"
    with pytest.raises(PermissionDeniedError) as error:
        case_settle_on_spot(actor=t.town_dispatcher, case=case, result="已处理")
    assert error.value.code == "not_on_duty"
    # the director on duty has the buttons and settles
    client.force_login(on_duty)
    page = client.get(reverse("grid:station")).content.decode()
    assert 'data-testid="station-read-only"' not in page and 'data-action="settle"' in page
    client.post(reverse("grid:station-settle", args=[case.pk]), {"result": "已协调处理"})
    case.refresh_from_db()
    assert case.status == "settled_on_spot"
