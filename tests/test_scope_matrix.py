"""Role x level x territory (issue 20 item 1, README "Who sees what"): a village station (上浦村,
玉田村), a town sub-center (洛阳镇, 张坂镇) and the district center, each against matters of their own
territory and of another town, for reads and writes, through pages, the API and the export.

Four matters of the demo district:
- `sp_station`: a grid report in 上浦村 (洛阳镇), waiting at the 上浦村 station;
- `ly_town`: a matter of 洛阳镇's 东埔村 (not 上浦村), registered and waiting at the 洛阳镇 sub-center;
- `zb_district`: a matter of 张坂镇's 玉田村, registered at the district window, on the district's board;
- `yt_station`: a grid report in 玉田村 (张坂镇), waiting at the 玉田村 station.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from knox.models import AuthToken
from openpyxl import load_workbook

from governance.models import Center, Grid
from grid.services import grid_report_submit
from intake.choices import Channel
from intake.models import Case
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import category

pytestmark = pytest.mark.django_db

SHANGPU_UNIT, YUTIAN_UNIT = "350521104203001", "350521106207001"
LUOYANG, ZHANGBAN, SHANGPU, YUTIAN = "350521104", "350521106", "350521104203", "350521106207"
MATTERS = ("sp_station", "ly_town", "zb_district", "yt_station")

# user -> (matters they read, matters they act on). Reads: located in their territory or handled at
# their center or below; acts: held at their center or below (上提/下交 from the center above).
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "station_sp": ({"sp_station"}, {"sp_station"}),
    "town_ly": ({"sp_station", "ly_town"}, {"sp_station", "ly_town"}),
    "station_yt": ({"zb_district", "yt_station"}, {"yt_station"}),
    "town_zb": ({"zb_district", "yt_station"}, {"yt_station"}),
    "director": (set(MATTERS), set(MATTERS)),
    "dispatcher": (set(MATTERS), set(MATTERS)),
}


@dataclass
class Demo:
    matters: dict[str, Case]
    ID_NUMBER = "350521198001010012"

    def make(self, kind: str, n: int) -> Case:
        """A fresh matter of the kind (writes change state: each write gets its own)."""
        grid_worker = User.objects.get(username="grid" if kind == "sp_station" else "grid_yt")
        if kind in ("sp_station", "yt_station"):
            unit = Grid.objects.get(code=SHANGPU_UNIT if kind == "sp_station" else YUTIAN_UNIT)
            report, _created = grid_report_submit(
                actor=grid_worker, grid=unit, client_key=f"matrix-{kind}-{n}", category=category("JF02"),
                title=f"{kind} 护栏松动 {n}", description="护栏松动")
            return report.case
        parties = [PartyInput(name="王建国", phone="13905958888", id_number=self.ID_NUMBER)]
        if kind == "ly_town":
            actor = User.objects.get(username="town_ly")
            grid = Grid.objects.filter(level="unit", town__code=LUOYANG).exclude(parent__code=SHANGPU).first()
            center = Center.objects.get(code=LUOYANG)
        else:
            actor = User.objects.get(username="clerk")
            grid = Grid.objects.get(code=YUTIAN_UNIT)
            center = Center.objects.get(code="QZTS")
        case = case_register(actor=actor, center=center, matter=MatterInput(
            channel=Channel.WALK_IN, category=category("JF02"), title=f"{kind} 邻里噪音 {n}", description="邻里噪音",
            grid=grid, parties=parties))
        return case_send_to_dispatch(actor=actor, case=case)


@pytest.fixture
def demo(db, demo_seeded) -> Demo:
    made = Demo(matters={})
    made.matters = {kind: made.make(kind, 0) for kind in MATTERS}
    return made


def _api(username: str) -> dict[str, str]:
    _instance, token = AuthToken.objects.create(User.objects.get(username=username))
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


SEARCHES = ("护栏松动", "邻里噪音")


def _exported_codes(client) -> set[str]:
    codes: set[str] = set()
    for q in SEARCHES:
        response = client.get("/intake/cases/export.xlsx", {"q": q})
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        codes |= {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    return codes


def _move_target(case: Case) -> Center:
    """Where a move of the matter goes: up to the center above, or (at the district) down to the town."""
    if case.center.parent_id:
        return case.center.parent
    return Center.objects.get(code=ZHANGBAN)


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_reads_by_level_and_territory(client, demo, username):
    reads, _acts = EXPECTED[username]
    user = User.objects.get(username=username)
    client.force_login(user)
    auth = _api(username)
    listing = "".join(client.get("/intake/cases/", {"q": q}).content.decode() for q in SEARCHES)
    api_codes = {row["code"] for q in SEARCHES
                 for row in client.get("/api/intake/cases/", {"q": q, "page_size": 200}, **auth).json()["results"]}
    exported = _exported_codes(client)
    wrong = []
    for kind, case in demo.matters.items():
        expected = 200 if kind in reads else 404
        for url in (f"/intake/cases/{case.code}/", f"/dispatch/work/cases/{case.pk}/",
                    f"/intake/cases/{case.code}/receipt/"):
            status = client.get(url).status_code
            if status != expected and not (url.endswith("receipt/") and expected == 200):
                wrong.append((kind, url, status))
        status = client.get(f"/api/intake/cases/{case.code}/", **auth).status_code
        if status != expected:
            wrong.append((kind, "api detail", status))
        for where, codes in (("list", listing), ("api list", api_codes), ("export", exported)):
            if (case.code in codes) != (kind in reads):
                wrong.append((kind, where, case.code in codes))
        party = case.case_parties.first()
        if party is not None:
            status = client.post(f"/intake/cases/{case.code}/parties/{party.party_id}/full-id/").status_code
            if kind not in reads and status != 404:
                wrong.append((kind, "full id", status))
    assert wrong == []


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_writes_by_level_and_territory_through_the_api(client, demo, username):
    reads, acts = EXPECTED[username]
    auth = _api(username)
    wrong = []
    for n, kind in enumerate(MATTERS, start=1):
        case = demo.make(kind, n)
        response = client.post(f"/api/dispatch/cases/{case.pk}/move/",
                                {"to_center": _move_target(case).pk, "reason": "本级无法办理"},
                                content_type="application/json", **auth)
        expected = 200 if kind in acts else 403 if kind in reads else 404
        if response.status_code != expected:
            wrong.append((kind, "move", response.status_code, response.content.decode()[:200]))
        if expected == 403 and response.json()["error"]["code"] != "not_your_center":
            wrong.append((kind, "refusal code", response.json()))
        before = case.center_id
        case.refresh_from_db()
        if kind not in acts and case.center_id != before:
            wrong.append((kind, "moved anyway"))
    assert wrong == []


@pytest.mark.parametrize("username", ["station_sp", "town_ly", "town_zb", "director"])
def test_a_refused_page_write_reads_clearly_and_changes_nothing(client, demo, username):
    reads, acts = EXPECTED[username]
    client.force_login(User.objects.get(username=username))
    for n, kind in enumerate(MATTERS, start=10):
        case = demo.make(kind, n)
        before = case.center_id
        response = client.post(f"/dispatch/work/cases/{case.pk}/move/",
                               {"to_center": _move_target(case).pk, "reason": "本级无法办理"}, follow=True)
        case.refresh_from_db()
        if kind in acts:
            assert case.center_id == _move_target(Case(center=Center.objects.get(pk=before))).pk, kind
        elif kind in reads:
            assert case.center_id == before
            assert "不属于" in response.content.decode() and "的办理范围" in response.content.decode(), kind
        else:
            assert response.status_code == 404 and case.center_id == before, kind


def test_the_readme_table_names_every_level_the_matrix_tries():
    """README "Who sees what" is a table per role and level; each user tried here is in a row of it."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Who sees what", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| role | level")
    for username in EXPECTED:
        assert any(f"`{username}`" in row for row in rows[1:]), username
    for level in ("district", "town sub-center", "village station"):
        assert any(level in row for row in rows[1:]), level


# The command pages and APIs added by level (issue 20 items 1-3): the work report, the assessment,
# 发函 from a matter, the acting grants. user -> where /review/report/ sends them (None: refused).
REPORT_HOME = {"station_sp": None, "town_ly": "/review/report/", "town_zb": "/review/report/",
               "director": "/review/report/"}
ISSUES_LETTERS = {"town_ly", "town_zb", "director"}  # duty directors; a station's dispatcher issues none


def test_command_pages_and_apis_by_level_and_territory(client, demo):
    import datetime as dt

    from django.utils import timezone

    from dispatch.services import acting_grant_create

    commander = User.objects.get(username="commander")
    now = timezone.now()
    grant = acting_grant_create(actor=commander, center=Center.objects.get(code="QZTS"),
                                user=User.objects.get(username="director_ga"), starts_at=now,
                                ends_at=now + dt.timedelta(hours=4), reason="值班主任生病")
    wrong = []
    for username, home in REPORT_HOME.items():
        reads, acts = EXPECTED[username]
        user = User.objects.get(username=username)
        client.force_login(user)
        response = client.get("/review/report/")
        if home is None:
            if response.status_code != 403:
                wrong.append((username, "report", response.status_code))
        elif response.status_code != 302 or not response.url.startswith(home):
            wrong.append((username, "report", response.status_code))
        assessment = client.get("/review/assessment/")
        level = user.profile.center.level
        expected = {"district": 200, "town": 302}.get(level, 403)
        if assessment.status_code != expected:
            wrong.append((username, "assessment", assessment.status_code))
        for kind, case in demo.matters.items():
            status = client.get(f"/review/letters/from/matter/{case.pk}/").status_code
            want = (403 if username not in ISSUES_LETTERS else 200 if kind in acts else 403 if kind in reads
                    else 404)
            if status != want:
                wrong.append((username, kind, "letter from matter", status))
        listed = client.get("/api/dispatch/acting-grants/", **_api(username))
        ids = [row["id"] for row in listed.json()] if listed.status_code == 200 else None
        if ids != ([grant.pk] if level == "district" else []):
            wrong.append((username, "acting grants", listed.status_code, ids))
        made = client.post("/api/dispatch/acting-grants/", {"user": user.pk, "starts_at": now.isoformat(),
                                                             "ends_at": (now + dt.timedelta(hours=1)).isoformat(),
                                                             "reason": "自己授权"},
                           content_type="application/json", **_api(username))
        if made.status_code != 403:
            wrong.append((username, "grant to oneself", made.status_code))
    assert wrong == []
