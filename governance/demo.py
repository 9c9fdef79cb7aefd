"""The demo district: 泉州台商投资区, as seeds 000 and 002 describe it.

Idempotent: every row is looked up by a stable key (code, username) and created only when
missing, so running `seed_demo` twice changes nothing — not even a demo password someone changed.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction

from governance.choices import CenterLevel, GridLevel, Residency, WindowKind
from governance.models import Center, Department, Grid, Profile, ServiceWindow, Stationing
from governance.roles import Role

# The apps' parts of the demo, each `() -> {kind: rows created}`, registered from their `ready()` and
# run by `seed_demo` in INSTALLED_APPS order after the district itself.
DemoSeeder = Callable[[], dict[str, int]]
_APP_SEEDERS: list[DemoSeeder] = []


def register_demo_seeder(seeder: DemoSeeder) -> None:
    if seeder not in _APP_SEEDERS:
        _APP_SEEDERS.append(seeder)


def app_demo_seeders() -> list[DemoSeeder]:
    return list(_APP_SEEDERS)


DIVISIONS_CSV = Path(__file__).resolve().parent / "data" / "divisions_huian_2023.csv"
DISTRICT_CODE = "QZTS"
DISTRICT_NAME = "泉州台商投资区"
# The four towns of 惠安县 that form the investment zone (see shared/data/README.md).
TOWN_CODES = ("350521104", "350521105", "350521106", "350521200")
UNIT_GRIDS_PER_VILLAGE = 2
DEMO_PASSWORD = "demo1234"
# Every demo account (of every app's part of the demo) has an address at this domain: `seed_demo`
# lists them all (`demo_logins`).
DEMO_EMAIL_DOMAIN = "center.example"


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, name, roles) of every demo account, whichever app's part of the demo made it."""
    users = (User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}", is_active=True)
             .prefetch_related("groups").order_by("username"))
    labels = {role.value: str(role.label) for role in Role}
    return [(user.username, user.get_full_name() or user.username,
             "、".join(labels.get(group.name, group.name) for group in user.groups.all())) for user in users]


@dataclass(frozen=True)
class DepartmentSpec:
    short_code: str
    name: str
    residency: str
    duty: bool = False
    territory: bool = False


# Seed 000 一: permanent (常驻), rotating (轮驻) and on-call (随驻) departments; (四) the nine
# departments that supply the command center's duty directors.
DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("FYXF", "区法律援助与信访服务中心", Residency.PERMANENT),
    DepartmentSpec("LDWQ", "劳动保障维权服务中心", Residency.PERMANENT),
    DepartmentSpec("WGH", "网格化服务管理中心", Residency.PERMANENT),
    DepartmentSpec("DQ", "区党群工作部（妇联、工会）", Residency.ROTATING, duty=True),
    DepartmentSpec("ZGJ", "资规建交局", Residency.ROTATING, duty=True),
    DepartmentSpec("NH", "农环局", Residency.ROTATING, duty=True),
    DepartmentSpec("ZFYJ", "执法应急局", Residency.ROTATING, duty=True),
    DepartmentSpec("JYWL", "教育文旅局", Residency.ROTATING, duty=True),
    DepartmentSpec("GA", "公安分局", Residency.ROTATING, duty=True),
    DepartmentSpec("FY", "惠安法院台商办公区", Residency.ROTATING),
    DepartmentSpec("SZB", "社会治理办", Residency.ON_CALL, duty=True),
    DepartmentSpec("MS", "民生局", Residency.ON_CALL, duty=True),
    DepartmentSpec("SJ", "市场监督局", Residency.ON_CALL, duty=True),
    DepartmentSpec("CJ", "财政金融局", Residency.ON_CALL),
    DepartmentSpec("XNB", "区效能办", Residency.ON_CALL),
    DepartmentSpec("LYZ", "洛阳镇人民政府", Residency.ON_CALL, territory=True),
    DepartmentSpec("DYZ", "东园镇人民政府", Residency.ON_CALL, territory=True),
    DepartmentSpec("ZBZ", "张坂镇人民政府", Residency.ON_CALL, territory=True),
    DepartmentSpec("BQX", "百崎回族乡人民政府", Residency.ON_CALL, territory=True),
)

# Seed 000 二(一): six fixed windows; flexible windows are opened for a department on demand.
WINDOWS: tuple[tuple[int, str, str, str | None, bool], ...] = (
    (1, "信访", WindowKind.FIXED, "FYXF", True),
    (2, "法律援助", WindowKind.FIXED, "FYXF", True),
    (3, "劳动监察", WindowKind.FIXED, "LDWQ", True),
    (4, "争议仲裁", WindowKind.FIXED, "LDWQ", True),
    (5, "工伤认定", WindowKind.FIXED, "LDWQ", True),
    (6, "综合受理", WindowKind.FIXED, None, True),
    (7, "工会妇联", WindowKind.FLEXIBLE, "DQ", False),
    (8, "国土规建", WindowKind.FLEXIBLE, "ZGJ", False),
)

# Demo weekly rota of the rotating departments (weekday 0 = Monday).
STATIONING: tuple[tuple[str, int], ...] = (
    ("DQ", 0), ("GA", 0), ("ZGJ", 1), ("FY", 1), ("NH", 2), ("GA", 2), ("ZFYJ", 3), ("ZGJ", 3), ("JYWL", 4),
    ("FY", 4),
)
STATIONING_FROM = dt.date(2024, 1, 1)


@dataclass(frozen=True)
class UserSpec:
    username: str
    last_name: str
    first_name: str
    roles: tuple[str, ...]
    phone: str
    post: str
    department: str | None = None
    window: int | None = None
    liaison_of: str | None = None
    leader_of: str | None = None


USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", "林", "海峰", (Role.ADMINISTRATOR,), "13905951001", "系统管理员", department="SZB"),
    UserSpec("clerk", "陈", "晓燕", (Role.WINDOW_CLERK,), "13905951002", "综合受理窗口", window=6),
    UserSpec("clerk2", "黄", "丽娟", (Role.WINDOW_CLERK,), "13905951012", "劳动监察窗口", department="LDWQ",
             window=3),
    UserSpec("dispatcher", "王", "志强", (Role.DISPATCHER, Role.GRID_WORKER), "13905951003", "专职网格员（调度员）",
             department="WGH"),
    UserSpec("director", "郑", "国平", (Role.DUTY_DIRECTOR,), "13905951004", "轮值主任", department="ZFYJ"),
    UserSpec("director_deputy", "苏", "建明", (Role.DUTY_DIRECTOR,), "13905951014", "轮值副主任",
             department="ZFYJ"),
    UserSpec("commander", "刘", "文斌", (Role.COMMANDER,), "13905951005", "区党工委副书记、指挥长"),
    # The center's own leadership (seed 000 三(一)): the director chairs the monthly 中心值班领导会议, the two
    # deputies the stationed departments' biweekly meeting in turn.
    UserSpec("center_director", "陈", "志远", (Role.CENTER_DIRECTOR,), "13905951041", "区社会治理中心主任"),
    UserSpec("center_deputy", "黄", "文辉", (Role.CENTER_DEPUTY_DIRECTOR,), "13905951042", "区社会治理中心副主任"),
    UserSpec("center_deputy2", "林", "雪芳", (Role.CENTER_DEPUTY_DIRECTOR,), "13905951043", "区社会治理中心副主任"),
    UserSpec("deputy", "张", "卫东", (Role.DEPUTY_COMMANDER,), "13905951006", "社会治理办主任、副指挥长",
             department="SZB"),
    UserSpec("liaison", "蔡", "志明", (Role.DEPARTMENT_LIAISON,), "13905951007", "联络员", department="LDWQ",
             liaison_of="LDWQ"),
    UserSpec("handler", "吴", "秀梅", (Role.DEPARTMENT_HANDLER,), "13905951008", "承办人", department="LDWQ"),
    UserSpec("liaison_zgj", "李", "建华", (Role.DEPARTMENT_LIAISON,), "13905951017", "联络员", department="ZGJ",
             liaison_of="ZGJ"),
    UserSpec("lead_zgj", "骆", "永福", (Role.LEADER,), "13905951018", "资规建交局分管领导", department="ZGJ",
             leader_of="ZGJ"),
    UserSpec("liaison_ga", "庄", "伟", (Role.DEPARTMENT_LIAISON,), "13905951027", "联络员", department="GA",
             liaison_of="GA"),
    UserSpec("lead_ldwq", "曾", "春生", (Role.LEADER,), "13905951028", "劳动保障维权服务中心分管领导",
             department="LDWQ", leader_of="LDWQ"),
    UserSpec("liaison_dyz", "林", "美玲", (Role.DEPARTMENT_LIAISON,), "13905951037", "联络员", department="DYZ",
             liaison_of="DYZ"),
    # Every department has its liaison (seed 000 三: each unit names one), so its assignments, summons
    # and overdue messages reach someone.
    *(UserSpec(f"liaison_{code.lower()}", last, first, (Role.DEPARTMENT_LIAISON,), f"139059520{index:02d}", "联络员",
               department=code, liaison_of=code)
      for index, (code, last, first) in enumerate((
          ("FYXF", "陈", "丽华"), ("WGH", "王", "建新"), ("DQ", "郭", "淑芬"), ("NH", "黄", "志刚"),
          ("ZFYJ", "吴", "国强"), ("JYWL", "许", "婷婷"), ("FY", "张", "晓明"), ("SZB", "林", "志勇"),
          ("MS", "蔡", "秀兰"), ("SJ", "郑", "伟东"), ("CJ", "李", "娟"), ("XNB", "杨", "文静"),
          ("LYZ", "庄", "明华"), ("ZBZ", "何", "建平"), ("BQX", "郭", "玉兰")), start=1)),
    UserSpec("grid", "何", "雅琴", (Role.GRID_WORKER,), "13905951009", "上浦村专职网格员"),
    UserSpec("leader", "杨", "振华", (Role.LEADER,), "13905951010", "区领导（领导通）"),
    # 区效能办 (seed 000 七): reads the referrals of the accountability ladder and answers them.
    UserSpec("xiaoneng", "方", "志诚", (Role.EFFICIENCY_OFFICE,), "13905951090", "区效能办督查员", department="XNB"),
)


def _short_name(name: str) -> str:
    """上浦村委会 -> 上浦村, 阳光社区居委会 -> 阳光社区."""
    for suffix in ("居民委员会", "村民委员会", "居委会", "村委会"):
        if name.endswith(suffix):
            stripped = name[: -len(suffix)]
            return stripped if stripped.endswith(("村", "社区")) else stripped + ("社区" if "居" in suffix else "村")
    return name


def _divisions() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with DIVISIONS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    towns = [r for r in rows if r["level"] == "town" and r["code"][:9] in TOWN_CODES]
    villages = [r for r in rows if r["level"] == "village" and r["parent_code"][:9] in TOWN_CODES]
    return towns, villages


@transaction.atomic
def seed_demo_district() -> dict[str, int]:
    """Build (or complete) the demo district; returns how many rows of each kind were created."""
    created: dict[str, int] = {}

    def count(kind: str, was_created: bool) -> None:
        created[kind] = created.get(kind, 0) + int(was_created)

    for role in Role:
        _, new = Group.objects.get_or_create(name=role.value)
        count("groups", new)

    district_grid, new = Grid.objects.get_or_create(
        code=DISTRICT_CODE, defaults={"name": DISTRICT_NAME, "level": GridLevel.DISTRICT}
    )
    count("grids", new)
    district, new = Center.objects.get_or_create(
        code=DISTRICT_CODE,
        defaults={
            "name": f"{DISTRICT_NAME}社会治理中心",
            "level": CenterLevel.DISTRICT,
            "territory": district_grid,
            "phone": "0595-87000000",
            "address": "泉州台商投资区社会治理中心（一楼受理大厅）",
        },
    )
    count("centers", new)

    towns, villages = _divisions()
    town_grids: dict[str, Grid] = {}
    town_centers: dict[str, Center] = {}
    for town in towns:
        code9 = town["code"][:9]
        grid, new = Grid.objects.get_or_create(
            code=code9,
            defaults={"name": town["name"], "level": GridLevel.TOWN, "parent": district_grid,
                      "division_code": town["code"]},
        )
        count("grids", new)
        town_grids[code9] = grid
        center, new = Center.objects.get_or_create(
            code=code9,
            defaults={"name": f"{town['name']}综治中心", "level": CenterLevel.TOWN, "parent": district,
                      "district": district, "territory": grid},
        )
        count("centers", new)
        town_centers[code9] = center

    existing_grids = set(Grid.objects.filter(town__in=town_grids.values()).values_list("code", flat=True))
    existing_centers = set(Center.objects.filter(district=district).values_list("code", flat=True))
    new_grids: list[Grid] = []
    new_centers: list[Center] = []
    village_grids: dict[str, Grid] = {
        g.code: g for g in Grid.objects.filter(level=GridLevel.VILLAGE, town__in=town_grids.values())
    }
    for village in villages:
        code, town_code = village["code"], village["parent_code"][:9]
        name = _short_name(village["name"])
        if code not in village_grids:
            grid = Grid.objects.create(
                code=code, name=name, level=GridLevel.VILLAGE, parent=town_grids[town_code],
                town=town_grids[town_code], division_code=code,
            )
            village_grids[code] = grid
            count("grids", True)
        grid = village_grids[code]
        for seq in range(1, UNIT_GRIDS_PER_VILLAGE + 1):
            unit_code = f"{code}{seq:03d}"
            if unit_code not in existing_grids:
                new_grids.append(Grid(code=unit_code, name=f"{name}第{seq}网格", level=GridLevel.UNIT,
                                      parent=grid, town=town_grids[town_code]))
        if code not in existing_centers:
            # 上浦村 -> 上浦村综治站, 阳光社区 -> 阳光社区综治站 (the short name already ends in 村/社区)
            new_centers.append(Center(code=code, name=f"{name}综治站", level=CenterLevel.VILLAGE,
                                      parent=town_centers[town_code], district=district, territory=grid))
    Grid.objects.bulk_create(new_grids)
    Center.objects.bulk_create(new_centers)
    created["grids"] = created.get("grids", 0) + len(new_grids)
    created["centers"] = created.get("centers", 0) + len(new_centers)

    departments: dict[str, Department] = {}
    for spec in DEPARTMENTS:
        dept, new = Department.objects.get_or_create(
            center=district,
            short_code=spec.short_code,
            defaults={"name": spec.name, "residency": spec.residency, "supplies_duty_directors": spec.duty,
                      "is_territory": spec.territory},
        )
        count("departments", new)
        departments[spec.short_code] = dept

    windows: dict[int, ServiceWindow] = {}
    for number, name, kind, dept_code, active in WINDOWS:
        window, new = ServiceWindow.objects.get_or_create(
            center=district,
            number=number,
            defaults={"name": name, "kind": kind, "department": departments.get(dept_code) if dept_code else None,
                      "active": active},
        )
        count("windows", new)
        windows[number] = window

    for dept_code, weekday in STATIONING:
        _, new = Stationing.objects.get_or_create(
            center=district, department=departments[dept_code], weekday=weekday, valid_from=STATIONING_FROM
        )
        count("stationing", new)

    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    hashed: list[str] = []  # one hash of the demo password for all new accounts (each hash takes ~0.3 s)
    for spec in USERS:
        user, new = User.objects.get_or_create(
            username=spec.username,
            # The whole Chinese name in first_name, so that get_full_name() reads 陈晓燕 everywhere.
            defaults={"first_name": f"{spec.last_name}{spec.first_name}", "last_name": "",
                      "is_staff": Role.ADMINISTRATOR in spec.roles, "is_superuser": Role.ADMINISTRATOR in spec.roles,
                      "email": f"{spec.username}@center.example"},
        )
        count("users", new)
        if new:
            hashed = hashed or [make_password(DEMO_PASSWORD)]
            user.password = hashed[0]
            user.save(update_fields=["password"])
            user.groups.add(*(groups[r] for r in spec.roles))
            Profile.objects.create(
                user=user, center=district, department=departments.get(spec.department) if spec.department else None,
                phone=spec.phone, post=spec.post,
            )
            if spec.window:
                windows[spec.window].staff.add(user)
        if spec.liaison_of and departments[spec.liaison_of].liaison_id is None:
            Department.objects.filter(pk=departments[spec.liaison_of].pk).update(liaison=user)
        if spec.leader_of and departments[spec.leader_of].leader_in_charge_id is None:
            Department.objects.filter(pk=departments[spec.leader_of].pk).update(leader_in_charge=user)
    return created
