"""The demo's living grid (called by `seed_demo` after governance, intake and dispatch).

Residents per unit grid, the 上浦村 grid leader, grid workers on their grids (何雅琴 on
上浦村第1网格, 陈美玲 on 玉田村第1网格), the 上浦村 station and the 洛阳镇 sub-center with
their staff and the town's planning office, a few finished patrols, collected households and
places, grid reports at the village station, and a schematic map of the unit grids (示意: no real
boundaries are available offline). Idempotent: rows are found by stable keys.
"""

from __future__ import annotations

import datetime as dt
import zlib

from django.contrib.auth.models import Group, User
from django.utils import timezone

from governance.choices import GridLevel, Residency
from governance.demo import DEMO_PASSWORD, TOWN_CODES
from governance.models import Center, Department, Grid, Profile
from governance.roles import Role
from grid.choices import ItemKind, LeaderRole, WorkerKind
from grid.demo_map import demo_schematic_load
from grid.importing import COLUMNS, grids_import
from grid.models import GridAssignment, GridLeader, GridReport, KeyPerson, KeyPersonGroup, Patrol
from grid.services import (
    collected_item_save,
    grid_assignment_start,
    grid_report_submit,
    patrol_finish,
    patrol_start,
)
from grid.services.keypersons import keyperson_follow_up_schedule
from intake.choices import RiskLevel, Urgency
from intake.models import Category

SHANGPU_VILLAGE, SHANGPU_UNIT = "350521104203", "350521104203001"
YUTIAN_UNIT = "350521106207001"
LUOYANG_TOWN = "350521104"
ZHANGBAN_TOWN, YUTIAN_VILLAGE = "350521106", "350521106207"

# username, name, roles, phone, post, center code, department short code (at that center)
STAFF = (
    ("station_sp", "黄志伟", (Role.DISPATCHER,), "13905951021", "上浦村综治站专干", SHANGPU_VILLAGE, None),
    ("town_ly", "庄国栋", (Role.DUTY_DIRECTOR, Role.CENTER_DIRECTOR), "13905951022", "洛阳镇综治中心主任", LUOYANG_TOWN, None),
    ("liaison_lygh", "李春燕", (Role.DEPARTMENT_LIAISON,), "13905951023", "洛阳镇规划建设办联络员", LUOYANG_TOWN,
     "LYGH"),
    ("grid_yt", "陈美玲", (Role.GRID_WORKER,), "13905951024", "玉田村专职网格员", "QZTS", None),
    # Another town and one of its villages (张坂镇, 玉田村): each level reads and acts on its own
    # territory only (issue 20; tests/test_scope_matrix.py tries every level against the other town).
    ("town_zb", "何振宇", (Role.DUTY_DIRECTOR, Role.CENTER_DIRECTOR), "13905951025", "张坂镇综治中心主任", ZHANGBAN_TOWN, None),
    ("station_yt", "陈国良", (Role.DISPATCHER,), "13905951026", "玉田村综治站专干", YUTIAN_VILLAGE, None),
    # A wartime responsible person of a 玉田村 micro-grid (SCENARIOS story 8): on duty only in wartime.
    ("grid_yt2", "林海生", (Role.GRID_WORKER,), "13905951027", "玉田村海堤微网格战时责任人", "QZTS", None),
)
WORKERS = (("grid", SHANGPU_UNIT), ("grid_yt", YUTIAN_UNIT))


def _population(code: str) -> int:
    """A stable 500-1,000 for each demo unit grid (a few outside, so the flag has something to show)."""
    value = 480 + zlib.crc32(code.encode()) % 560
    return value


def seed_demo() -> dict[str, int]:
    created: dict[str, int] = {}

    def count(kind: str, n: int | bool) -> None:
        created[kind] = created.get(kind, 0) + int(n)

    units = list(Grid.objects.filter(level=GridLevel.UNIT, population__isnull=True, code__startswith="350521"))
    for unit in units:
        unit.population = _population(unit.code)
        unit.households = unit.population // 3
    Grid.objects.bulk_update(units, ["population", "households"])
    count("grid populations", len(units))

    village = Grid.objects.filter(code=SHANGPU_VILLAGE).first()
    if village is None:
        return created
    _, new = GridLeader.objects.get_or_create(grid=village, role=LeaderRole.LEADER, name="何建华",
                                              defaults={"phone": "13905951031"})
    count("grid leaders", new)

    town_center = Center.objects.get(code=LUOYANG_TOWN)
    planning, new = Department.objects.get_or_create(
        center=town_center, short_code="LYGH",
        defaults={"name": "洛阳镇规划建设办", "residency": Residency.ON_CALL})
    count("departments", new)
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    for username, name, roles, phone, post, center_code, dept in STAFF:
        user, new = User.objects.get_or_create(username=username, defaults={
            "first_name": name, "last_name": "", "email": f"{username}@center.example"})
        count("users", new)
        if new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(*(groups[r] for r in roles))
            Profile.objects.create(user=user, center=Center.objects.get(code=center_code), phone=phone, post=post,
                                   department=planning if dept else None)
        if dept and planning.liaison_id is None:
            Department.objects.filter(pk=planning.pk).update(liaison=user)
            planning.liaison = user

    workers: dict[str, User] = {}
    for username, grid_code in WORKERS:
        worker = User.objects.filter(username=username).first()
        grid = Grid.objects.filter(code=grid_code).first()
        if worker is None or grid is None:
            continue
        workers[username] = worker
        if not GridAssignment.objects.filter(worker=worker, grid=grid).exists():
            GridAssignment.objects.create(worker=worker, grid=grid, kind=WorkerKind.FULL_TIME,
                                          starts_on=dt.date(2024, 1, 1), note="演示数据")
            count("grid assignments", 1)

    worker = workers.get("grid")
    if worker is not None and not Patrol.objects.filter(client_key="demo-patrol-1").exists():
        _seed_work(worker, Grid.objects.get(code=SHANGPU_UNIT), count)
    _seed_area_and_micro_grids(count)
    _seed_coastal_micro_grids(count)
    if worker is not None:
        _seed_key_person(worker, count)
    # The map: no real boundaries of these villages are available offline, so a schematic layout,
    # marked as such (the map says 示意), through the ordinary GeoJSON import.
    loaded = demo_schematic_load(town_codes=TOWN_CODES)
    count("schematic boundaries", loaded.created + loaded.updated if loaded else 0)
    return created


# Seed 002: a town may group its villages into work areas (片), and a unit grid is split into
# responsibility micro-grids (微网格) with their responsible people, activated in wartime. Written
# through the grid file import (`grids_import`), as an administrator's file would be.
AREA_CODE = f"{LUOYANG_TOWN}P01"
AREA_VILLAGES = (SHANGPU_VILLAGE,)
MICRO_GRIDS = (("01", "上浦村第1网格旧粮仓微网格", "王德福"), ("02", "上浦村第1网格溪边微网格", "何建华"),
               ("03", "上浦村第1网格村委会微网格", "王秀兰"))
KEY_PERSON = ("王德顺", "上浦村旧粮仓后3号", "长期上访，情绪易激动，家属陪护。")


def _seed_area_and_micro_grids(count: object) -> None:
    wanted = [AREA_CODE, *AREA_VILLAGES, *(f"{SHANGPU_UNIT}{seq}" for seq, _name, _leader in MICRO_GRIDS)]
    villages = {g.code: g.name for g in Grid.objects.filter(code__in=AREA_VILLAGES)}
    if len(villages) != len(AREA_VILLAGES) or not Grid.objects.filter(code=SHANGPU_UNIT).exists():
        return
    existing = Grid.objects.filter(code__in=wanted)
    if existing.count() == len(wanted) and existing.filter(code__in=AREA_VILLAGES, parent__code=AREA_CODE).count() \
            == len(AREA_VILLAGES):
        return
    rows = [",".join(COLUMNS), f"{AREA_CODE},洛阳镇东片,area,{LUOYANG_TOWN},,,"]
    rows += [f"{code},{villages[code]},village,{AREA_CODE},,," for code in AREA_VILLAGES]
    rows += [f"{SHANGPU_UNIT}{seq},{name},micro,{SHANGPU_UNIT},,,{leader}" for seq, name, leader in MICRO_GRIDS]
    result = grids_import(data="\n".join(rows).encode(), filename="demo-grids.csv")
    count("grids", result.created)  # type: ignore[operator]


# SCENARIOS story 8: the coastal 玉田村's unit grid splits into micro-grids (战时责任网格) whose
# wartime responsible people are on duty only while wartime lasts (`wartime_only`).
COASTAL_MICRO_GRIDS = (("01", "玉田村第1网格海堤微网格", "林海生", "grid_yt2"),
                       ("02", "玉田村第1网格渔港微网格", "陈美玲", "grid_yt"))


def _seed_coastal_micro_grids(count: object) -> None:
    if not Grid.objects.filter(code=YUTIAN_UNIT).exists():
        return
    wanted = [f"{YUTIAN_UNIT}{seq}" for seq, _name, _leader, _user in COASTAL_MICRO_GRIDS]
    if Grid.objects.filter(code__in=wanted).count() != len(wanted):
        rows = [",".join(COLUMNS)]
        rows += [f"{YUTIAN_UNIT}{seq},{name},micro,{YUTIAN_UNIT},,,{leader}"
                 for seq, name, leader, _user in COASTAL_MICRO_GRIDS]
        result = grids_import(data="\n".join(rows).encode(), filename="demo-coastal-grids.csv")
        count("grids", result.created)  # type: ignore[operator]
    for seq, _name, _leader, username in COASTAL_MICRO_GRIDS:
        grid, user = Grid.objects.filter(code=f"{YUTIAN_UNIT}{seq}").first(), User.objects.filter(
            username=username).first()
        if grid is None or user is None or GridAssignment.objects.filter(grid=grid, worker=user).exists():
            continue
        grid_assignment_start(actor=None, grid=grid, worker=user, kind=WorkerKind.PART_TIME, wartime_only=True,
                              starts_on=dt.date(2024, 1, 1), note="战时责任人（演示数据）")
        count("grid assignments", 1)  # type: ignore[operator]


def _seed_key_person(worker: User, count: object) -> None:
    """One key person (重点人员) on 上浦村第1网格 in the worker's care, with the first follow-up visit on
    the deadline engine (as the admin's save does)."""
    name, address, notes = KEY_PERSON
    grid = Grid.objects.filter(code=SHANGPU_UNIT).first()
    group = KeyPersonGroup.objects.filter(active=True).order_by("pk").first()
    if grid is None or group is None or KeyPerson.objects.filter(grid=grid, name=name).exists():
        return
    person = KeyPerson.objects.create(grid=grid, group=group, name=name, phone="13905958201", address=address,
                                      responsible=worker, follow_up_every_days=30, notes=notes)
    keyperson_follow_up_schedule(person=person, due_at=timezone.now() + dt.timedelta(days=7))
    count("key persons", 1)  # type: ignore[operator]


def _seed_work(worker: User, grid: Grid, count: object) -> None:
    """Two finished patrols over the last days, the households and places collected on them, and
    two grid reports waiting at the 上浦村 station."""
    now = timezone.now()
    first = patrol_start(actor=worker, grid=grid, client_key="demo-patrol-1", route_notes="村委会—旧粮仓—溪边",
                         started_at=now - dt.timedelta(days=1, hours=2), now=now - dt.timedelta(days=1, hours=2))
    for kind, name, address, households, residents, details in (
        (ItemKind.PERSON, "王秀兰户", "上浦村旧粮仓后1号", 1, 3, "独居老人与孙辈同住"),
        (ItemKind.PERSON, "王德福户", "上浦村旧粮仓后3号", 1, 5, ""),
        (ItemKind.PLACE, "旧粮仓", "上浦村东", None, None, "闲置仓库，后有挡土墙"),
        (ItemKind.ORGANISATION, "上浦村老年协会", "上浦村委会二楼", None, 42, ""),
        (ItemKind.THING, "溪边护栏", "上浦溪", None, None, "约 30 米"),
    ):
        collected_item_save(actor=worker, grid=grid, kind=kind, name=name, address=address, households=households,
                            residents=residents, details=details, patrol=first,
                            now=now - dt.timedelta(days=1, hours=1))
    patrol_finish(actor=worker, patrol=first, route_notes="未见异常", now=now - dt.timedelta(days=1))
    category = Category.objects.filter(code="YH").first() or Category.objects.filter(children__isnull=True).first()
    second = patrol_start(actor=worker, grid=grid, client_key="demo-patrol-2", route_notes="村道—溪边",
                          started_at=now - dt.timedelta(hours=3), now=now - dt.timedelta(hours=3))
    for key, title, description, address, urgency in (
        ("demo-report-1", "溪边护栏松动", "上浦溪边护栏两处松动，儿童常在此玩耍。", "上浦溪村道旁", Urgency.NORMAL),
        ("demo-report-2", "村道路灯不亮", "村委会至旧粮仓路段三盏路灯不亮。", "上浦村村道", Urgency.NORMAL),
    ):
        if not GridReport.objects.filter(client_key=key).exists():
            grid_report_submit(actor=worker, grid=grid, client_key=key, category=category, title=title,
                               description=description, address=address, urgency=urgency,
                               risk_level=RiskLevel.LOW, patrol=second, now=now - dt.timedelta(hours=2))
    patrol_finish(actor=worker, patrol=second, route_notes="发现两处问题，已上报", now=now - dt.timedelta(hours=1))
    count("patrols", 2)  # type: ignore[operator]
    count("collected items", 5)  # type: ignore[operator]
    count("grid reports", 2)  # type: ignore[operator]
