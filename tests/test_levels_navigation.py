"""Navigation and command pages by level (issue 20 items 1-2), tried as the demo's people: a town
sub-center's (`town_ly`) and a village station's (`station_sp`) menus hold their level's work only,
every entry shown opens, and a town is sent to its own town's work report, never the district's
assessment; 发函 only on matters held at the issuer's own center, and only while on duty."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from governance.models import Center, Grid
from intake.choices import Channel
from intake.models import Case
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import category
from review.demo import CONSULTATION_TITLE

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))  # a Wednesday
LUOYANG = "350521104"

COMMAND = {"风险研判", "提示函", "议事会商", "纠纷日报"}
MENUS: dict[str, tuple[set[str], set[str]]] = {  # user -> (entries shown, entries not shown)
    "town_ly": ({"站点待办", "调度台", "工作专报", "领导通", *COMMAND}, {"月度考核", "轮值排班"}),
    "station_sp": ({"站点待办", "调度台"}, {"月度考核", "工作专报", "轮值排班", *COMMAND}),
    "director_ga": ({"调度台", "月度考核", "轮值排班", *COMMAND}, {"站点待办", "工作专报"}),
    "director": ({"调度台", "月度考核", "轮值排班", *COMMAND}, {"站点待办", "工作专报"}),
}


DEMO_AT = NOW  # the seed's clock (conftest.py's demo_seeded)


@pytest.fixture
def demo(db, demo_seeded):
    with time_machine.travel(NOW, tick=False):
        yield


def _menu(client: Client) -> dict[str, str]:
    html = client.get("/").content.decode()
    nav = html.split("</nav>")[0]
    return {label.strip(): url for url, label in re.findall(r'<a[^>]*href="(/[^"]*)"[^>]*>([^<]+)</a>', nav)}


def _login(client: Client, username: str) -> User:
    user = User.objects.get(username=username)
    client.force_login(user)
    return user


@pytest.mark.parametrize("username", sorted(MENUS))
def test_each_level_sees_its_own_menu_and_every_entry_opens(client, demo, username):
    shown, hidden = MENUS[username]
    _login(client, username)
    menu = _menu(client)
    assert shown <= set(menu), shown - set(menu)
    assert not hidden & set(menu), hidden & set(menu)
    refused = {label: client.get(url, follow=True).status_code for label, url in menu.items()}
    assert {label: code for label, code in refused.items() if code != 200} == {}


def test_a_town_lands_on_its_own_report_never_the_districts_assessment(client, demo):
    _login(client, "town_ly")
    menu = _menu(client)
    assert client.get(menu["工作专报"]).url == "/review/report/2026-11/"
    assert client.get("/review/assessment/", {"month": "2026-10"}).url == "/review/report/2026-10/"
    page = client.get("/review/report/2026-11/").content.decode()
    assert "洛阳镇综治中心" in page and "/review/assessment/" not in page
    items = client.get("/review/assessment/2026-11/items/", {"key": "received", "district": 1})
    assert items.status_code == 403 and "月度考核是区社会治理中心" in items.content.decode()
    dashboard = client.get("/review/dashboard/")
    assert dashboard.status_code == 200 and dashboard.context["ranking"]["url"] == ""
    # the town's weekly 例会 from the demo, not the district's meetings
    meetings = client.get("/command/consultations/").content.decode()
    assert "洛阳镇综治中心每周工作例会" in meetings and CONSULTATION_TITLE not in meetings
    # a village station runs no command work and is told why
    _login(client, "station_sp")
    refused = client.get("/command/radar/")
    assert refused.status_code == 403 and "村（社区）综治站" in refused.content.decode()
    # the district's people keep the district's assessment
    _login(client, "director")
    assert client.get("/review/assessment/").status_code == 200


def _matter(*, held_at: str, by: str) -> Case:
    """A matter of 洛阳镇 (a unit grid of the town), registered and waiting at `held_at`."""
    actor = User.objects.get(username=by)
    center = Center.objects.get(code=held_at)
    grid = Grid.objects.filter(level="unit", town__code=LUOYANG).order_by("code").first()
    case = case_register(actor=actor, center=center, matter=MatterInput(
        channel=Channel.WALK_IN, category=category("JF02"), title=f"{held_at} 邻里噪音", description="邻里噪音",
        grid=grid, parties=[PartyInput(name="王建国", phone="13905958888")]), now=NOW)
    return case_send_to_dispatch(actor=actor, case=case, now=NOW)


def test_letters_only_on_the_issuers_own_matters_and_on_duty(client, demo):
    with time_machine.travel(NOW, tick=False):
        district_held = _matter(held_at="QZTS", by="clerk")  # in 洛阳镇, held at the district center
        town_held = _matter(held_at=LUOYANG, by="town_ly")
        _login(client, "town_ly")
        page = client.get(f"/dispatch/work/cases/{district_held.pk}/").content.decode()
        assert page and 'data-testid="letter-from-matter"' not in page
        refused = client.get(f"/review/letters/from/matter/{district_held.pk}/")
        assert refused.status_code == 403 and "不属于洛阳镇综治中心的办理范围" in refused.content.decode()
        page = client.get(f"/dispatch/work/cases/{town_held.pk}/").content.decode()
        assert 'data-testid="letter-from-matter"' in page
        assert client.get(f"/review/letters/from/matter/{town_held.pk}/").status_code == 200
        # an off-duty duty director of the district reads the panel with the reason, no 发函
        _login(client, "director_ga")
        page = client.get(f"/dispatch/work/cases/{district_held.pk}/").content.decode()
        assert 'data-testid="letter-from-matter"' not in page
        assert 'data-testid="letter-blocked"' in page and "不在值班" in page
        _login(client, "commander")
        page = client.get(f"/dispatch/work/cases/{district_held.pk}/").content.decode()
        assert 'data-testid="letter-from-matter"' in page


@pytest.mark.parametrize(("username", "runs_it"), [("town_ly", "庄国栋"), ("station_sp", "洛阳镇综治中心")])
def test_a_center_without_a_rotation_is_told_so_by_url_with_no_false_gaps(client, demo, username, runs_it):
    """轮值排班 is not in a town's or village's menu; opened by its URL it says the center keeps no
    rotation and who decides there (the town's own duty director; for a village, its town), instead of a
    calendar of a month of gaps and swap forms for a rotation that does not exist."""
    _login(client, username)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/dispatch/roster/").content.decode()
    assert 'data-testid="no-rotation"' in page and runs_it in page
    assert 'data-testid="gap"' not in page and 'data-testid="roster-calendar"' not in page
    assert "name=\"swap_date\"" not in page and "登记调班" not in page
    _login(client, "director_ga")
    with time_machine.travel(NOW, tick=False):
        assert 'data-testid="roster-calendar"' in client.get("/dispatch/roster/").content.decode()


def test_a_towns_dashboard_names_the_ranking_as_the_districts_assessment(client, demo):
    """The department ranking on 领导通 is the district center's assessment (a town's government is one
    of its rows): a town reads it named as the district's and without the assessment's link."""
    district = Center.objects.get(level="district")
    _login(client, "town_ly")
    with time_machine.travel(NOW, tick=False):
        page = client.get("/review/dashboard/").content.decode()
    assert f"{district.name}部门考核排名" in page
    ranking = page.split('data-testid="dashboard-ranking"')[1].split("</table>")[0]
    assert "/review/assessment/" not in ranking
    _login(client, "director_ga")
    with time_machine.travel(NOW, tick=False):
        page = client.get("/review/dashboard/").content.decode()
    assert f"{district.name}部门考核排名" not in page and "部门排名（" in page
