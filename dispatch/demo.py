"""The demo district's command center: the nine-department duty rotation and the commanders.

Called by `manage.py seed_demo` after governance has built the district. Idempotent.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, User
from django.utils import timezone

from dispatch.choices import AssignmentRole, CommandRole, NonWorkingDayPolicy, ResponseLevel, RotationUnit
from dispatch.models import (
    CommandAssignment,
    DutyRoster,
    DutyRosterSlot,
    DutySign,
    DutyTeam,
    RoutingRule,
    WartimePlan,
    WartimePlanLeader,
    WartimePlanStandby,
    WartimePlanTeam,
)
from dispatch.selectors.attendance import (
    attendance_code,
    director_post_people,
    shift_starts_at,
    stationed_departments,
)
from dispatch.selectors.roster import duty_day
from dispatch.services.attendance import duty_sign_in, duty_sign_out
from governance.demo import DEMO_PASSWORD, DISTRICT_CODE, TOWN_CODES
from governance.errors import ApplicationError
from governance.models import Center, Department, Grid, Profile
from governance.roles import Role
from intake.models import Category

# Seed 000 一(四) / 002 一(三): the nine departments in rotation order, each with its fixed
# duty director (主班) and designated deputy (副班). 执法应急局's pair are the demo logins
# `director` / `director_deputy`; the others get their own demo accounts.
ROTATION: tuple[tuple[str, tuple[str, str], tuple[str, str] | None], ...] = (
    ("DQ", ("director_dq", "洪丽萍"), ("director_dq2", "施雅玲")),
    ("SZB", ("director_szb", "陈志远"), None),
    ("NH", ("director_nh", "康明辉"), None),
    ("ZGJ", ("director_zgj", "许文杰"), None),
    ("JYWL", ("director_jywl", "黄晓东"), None),
    ("MS", ("director_ms", "林秋月"), None),
    ("SJ", ("director_sj", "骆振宇"), None),
    ("ZFYJ", ("director", ""), ("director_deputy", "")),
    ("GA", ("director_ga", "庄少华"), ("director_ga2", "蒋建国")),
)


# Routing by the nature of the matter and by departmental duty (seed 000 四): category code ->
# [(department short code, role)]. Labour disputes on construction sites also involve the
# permits of 资规建交局 (SCENARIOS story 1).
ROUTING: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("JF01", (("DQ", AssignmentRole.LEAD),)),  # 婚姻家庭: 妇联
    ("JF03", (("ZGJ", AssignmentRole.LEAD),)),  # 房屋宅基地
    ("JF07", (("NH", AssignmentRole.LEAD),)),  # 山林土地
    ("JF08", (("ZGJ", AssignmentRole.LEAD),)),  # 征地拆迁
    ("JF09", (("NH", AssignmentRole.LEAD),)),  # 环境污染
    ("JF10", (("LDWQ", AssignmentRole.LEAD), ("ZGJ", AssignmentRole.CO))),  # 劳动争议
    ("JF11", (("SJ", AssignmentRole.LEAD),)),  # 消费
    ("JF12", (("MS", AssignmentRole.LEAD),)),  # 医疗
    ("JF13", (("GA", AssignmentRole.LEAD),)),  # 道路交通事故
    ("JF14", (("ZGJ", AssignmentRole.LEAD),)),  # 物业
    ("XF", (("FYXF", AssignmentRole.LEAD),)),  # 信访
    ("FL", (("FYXF", AssignmentRole.LEAD),)),  # 法律咨询
    ("YH", (("ZFYJ", AssignmentRole.LEAD),)),  # 隐患线索
)
# Territory (属地): each town's grid -> its town government.
TERRITORY = {"350521104": "LYZ", "350521105": "DYZ", "350521106": "ZBZ", "350521200": "BQX"}


def _seed_routing(district: Center, departments: dict[str, Department]) -> int:
    created = 0
    categories = {c.code: c for c in Category.objects.filter(code__in=[code for code, _ in ROUTING])}
    for code, targets in ROUTING:
        if code not in categories:
            continue
        for priority, (short_code, role) in enumerate(targets, start=1):
            _, new = RoutingRule.objects.get_or_create(
                center=district, category=categories[code], grid=None, department=departments[short_code],
                defaults={"role": role, "priority": priority * 10},
            )
            created += new
    for grid in Grid.objects.filter(code__in=TOWN_CODES):
        _, new = RoutingRule.objects.get_or_create(
            center=district, category=None, grid=grid, department=departments[TERRITORY[grid.code]],
            defaults={"role": AssignmentRole.CO, "priority": 50},
        )
        created += new
    return created


def _director(username: str, name: str, department: Department, center: Center, group: Group) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": name, "email": f"{username}@center.example"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.groups.add(group)
        Profile.objects.create(user=user, center=center, department=department, phone="", post="轮值主任")
    return user, created


def seed_demo() -> dict[str, int]:
    created = {"users": 0, "duty": 0}
    district = Center.objects.get(code=DISTRICT_CODE)
    departments = {d.short_code: d for d in Department.objects.filter(center=district)}
    group = Group.objects.get(name=Role.DUTY_DIRECTOR)

    for short_code, (main_username, main_name), deputy in ROTATION:
        main, new = _director(main_username, main_name, departments[short_code], district, group)
        created["users"] += new
        deputy_user = None
        if deputy:
            deputy_user, new = _director(deputy[0], deputy[1], departments[short_code], district, group)
            created["users"] += new
        _, new = DutyTeam.objects.get_or_create(
            department=departments[short_code],
            defaults={"main_director": main, "deputy_director": deputy_user},
        )
        created["duty"] += new

    if not DutyRoster.objects.filter(center=district).exists():
        # Weekly rotation, started so that 执法应急局 is on duty in the week the demo is built
        # (SCENARIOS story 1: "the duty director of the day, from 执法应急局 this week").
        today = timezone.localdate()
        monday = today - dt.timedelta(days=today.weekday())
        position = [code for code, _, _ in ROTATION].index("ZFYJ")
        roster = DutyRoster.objects.create(
            center=district,
            name="区综合调度指挥中心轮值表",
            start_date=monday - dt.timedelta(weeks=position),
            unit=RotationUnit.WEEK,
            non_working_days=NonWorkingDayPolicy.COVER,
        )
        DutyRosterSlot.objects.bulk_create(
            DutyRosterSlot(roster=roster, position=i, department=departments[code])
            for i, (code, _, _) in enumerate(ROTATION)
        )
        created["duty"] += 1

    created["routing"] = _seed_routing(district, departments)

    # Grid workers' grids (and their permission) are the grid app's demo: grid/demo.py.
    for role, username in ((CommandRole.COMMANDER, "commander"), (CommandRole.DEPUTY_COMMANDER, "deputy")):
        user = User.objects.filter(username=username).first()
        if user and not CommandAssignment.objects.filter(center=district, role=role, user=user).exists():
            CommandAssignment.objects.create(center=district, role=role, user=user, valid_from=dt.date(2024, 1, 1))
            created["duty"] += 1
    created["duty_signs"] = _seed_attendance(district)
    created["wartime plans"] = _seed_wartime_plans(district, departments)
    return created


# SCENARIOS story 8 (a typhoon warning): the plan of each response level, set in advance. District
# leaders take the 12-hour shifts in turn; each front-line department keeps someone on standby; the
# support teams go as a unit; the micro-grids of 张坂镇's coastal villages become active.
WARTIME_LEADERS = ("leader", "deputy", "lead_zgj")
WARTIME_STANDBY = (("ZFYJ", "liaison_zfyj", "13905952001"), ("GA", "liaison_ga", "13905952002"),
                   ("ZGJ", "liaison_zgj", "13905952003"), ("NH", "liaison_nh", "13905952004"),
                   ("ZBZ", "liaison_zbz", "13905952005"))
WARTIME_TEAMS = (("ZFYJ", "执法应急局应急处突支援工作队", "liaison_zfyj", 12),
                 ("GA", "公安分局巡防支援工作队", "liaison_ga", 8))
WARTIME_GRIDS = ("350521106",)  # 张坂镇 (its coastal villages' micro-grids)


def _seed_wartime_plans(district: Center, departments: dict[str, Department]) -> int:
    people = {u.username: u for u in User.objects.filter(
        username__in=[*WARTIME_LEADERS, *(row[1] for row in WARTIME_STANDBY), *(row[2] for row in WARTIME_TEAMS)])}
    created = 0
    for level in ResponseLevel:
        plan, new = WartimePlan.objects.get_or_create(center=district, level=level, defaults={
            "name": f"防台风防汛{level.label}预案"})
        created += new
        if not new:
            continue
        plan.grids.set(Grid.objects.filter(code__in=WARTIME_GRIDS))
        WartimePlanLeader.objects.bulk_create(
            WartimePlanLeader(plan=plan, position=i, user=people[name])
            for i, name in enumerate(WARTIME_LEADERS, start=1) if name in people)
        WartimePlanStandby.objects.bulk_create(
            WartimePlanStandby(plan=plan, department=departments[code], person=people[name], phone=phone)
            for code, name, phone in WARTIME_STANDBY if name in people and code in departments)
        WartimePlanTeam.objects.bulk_create(
            WartimePlanTeam(plan=plan, department=departments[code], name=name, leader=people[leader], size=size)
            for code, name, leader, size in WARTIME_TEAMS if leader in people and code in departments)
    return created


ATTENDANCE_DAYS = 14  # the past fortnight of sign-ins (today is left to play)
MISSED_DUTY_BACK, LATE_DUTY_BACK, MISSED_STATION_BACK = 3, 6, 5  # days ago: nobody came, late, a stationing missed


def _sign(person: User, center: Center, arrive: dt.datetime, leave: dt.datetime) -> int:
    try:
        duty_sign_in(actor=person, center=center, code=attendance_code(center=center, at=arrive), now=arrive)
        duty_sign_out(actor=person, center=center, code=attendance_code(center=center, at=leave), now=leave)
    except ApplicationError:  # no post that day after all (the roster changed): nothing to sign
        return 0
    return 1


def _seed_attendance(district: Center) -> int:
    """Sign-ins of the past fortnight, through the services with the code of each minute: the duty
    director of each day (one day nobody came, one day late) and the stationed departments' liaisons
    (one stationing missed), so the attendance page and the assessment show true figures."""
    if DutySign.objects.filter(center=district).exists():
        return 0
    today = timezone.localdate()
    count = 0
    for back in range(ATTENDANCE_DAYS, 0, -1):
        day = today - dt.timedelta(days=back)
        start = shift_starts_at(day=day)
        leave = start + dt.timedelta(hours=9, minutes=5)
        people = director_post_people(duty_day(center=district, day=day))
        if people and back != MISSED_DUTY_BACK:
            late = dt.timedelta(minutes=12) if back == LATE_DUTY_BACK else -dt.timedelta(minutes=10)
            count += _sign(people[0], district, start + late, leave)
        for department in stationed_departments(center=district, day=day):
            if department.liaison is not None and back != MISSED_STATION_BACK:
                count += _sign(department.liaison, district, start - dt.timedelta(minutes=5), leave)
    return count
