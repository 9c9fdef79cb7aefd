"""A realistic month for the crawler (issue 21): the demo district with its history (`seed_demo`),
and, built through the services as users would build it, what the history leaves out: a published
month, an issued daily report that lists newly overdue assignments, a summons under way (and one
waiting for approval), and a grid report at every step of the seven (reported, settled at the
village station and checked on site, escalated to the town, dispatched, reported back, verified,
revisited, closed), plus a walk-in matter reported back and waiting for the grid worker's check."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from command.models import DailyReport
from command.services.daily import daily_report_generate, daily_report_issue
from dispatch.models import Assignment, Summons
from dispatch.selectors.attendance import attendance_code
from dispatch.services import (
    assignment_acknowledge,
    assignment_report_back,
    case_close,
    case_dispatch,
    case_move_center,
    case_revisit,
)
from dispatch.services.summons import summons_acknowledge, summons_approve, summons_report_in, summons_request
from governance.models import Center, Department, Grid
from governance.workcal import WorkingCalendar
from grid.services import grid_case_verify, grid_report_submit
from intake.choices import Channel, PartyRole, RiskLevel, Urgency
from intake.models import Case, Category
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch, case_settle_on_spot
from review.selectors.assessment_figures import Month
from review.services.assessment import assessment_publish

HISTORY_MATTERS = 300
SHANGPU_UNIT = "350521104203001"  # 何雅琴's (`grid`) unit grid
YUTIAN_UNIT = "350521106207001"  # 陈美玲's (`grid_yt`)


@dataclass
class RealisticMonth:
    logins: list[str]
    published: Month
    daily_report: DailyReport
    summons: Summons
    grid_steps: dict[str, Case] = field(default_factory=dict)


def _leaf(code: str) -> Category:
    return Category.objects.get(code=code)


def build(settings: object) -> RealisticMonth:
    settings.DEMO_HISTORY_MATTERS = HISTORY_MATTERS  # type: ignore[attr-defined]  # the suite runs without history
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    logins = [line.split()[0] for line in out.getvalue().splitlines() if line.startswith("  ")]
    users = {u.username: u for u in User.objects.filter(username__in=logins)}
    district = Center.objects.get(code="QZTS")
    now = timezone.now()

    # The month before this one, published by the administrator.
    today = timezone.localdate(now)
    published = Month(today.year, today.month).previous
    assessment_publish(actor=users["admin"], center=district, month=published, now=now)

    return RealisticMonth(logins=logins, published=published, daily_report=_daily_report(district, users, now),
                          summons=_summons(district, users, now), grid_steps=_grid_steps(users, now))


def _daily_report(district: Center, users: dict[str, User], now: dt.datetime) -> DailyReport:
    """The latest working day's report whose period saw assignments go overdue (the history has
    them every few days), issued by the duty director; today's report stays a draft."""
    calendar = WorkingCalendar(center=district)
    day = timezone.localdate(now)
    report = None
    for _ in range(90):
        if calendar.is_working_day(day):
            report = daily_report_generate(center=district, day=day, now=now)
            if report is not None and report.content["overdue"]["count"]:
                break
        day -= dt.timedelta(days=1)
    assert report is not None and report.content["overdue"]["count"], "the history has no overdue assignment"
    daily_report_issue(actor=users["director"], report=report, note="请各部门关注超期事项。", now=now)
    if calendar.is_working_day(timezone.localdate(now)):
        daily_report_generate(center=district, day=timezone.localdate(now), now=now)
    return report


def _summons(district: Center, users: dict[str, User], now: dt.datetime) -> Summons:
    """Story 2: the road block reported by 陈美玲 (high risk: the district's board), the summons
    approved, one department acknowledged, one reported in, one not yet; a second one waits for
    the commander."""
    road, _ = grid_report_submit(
        actor=users["grid_yt"], grid=Grid.objects.get(code=YUTIAN_UNIT), client_key="crawl-road-block",
        category=_leaf("JF10"), title="约30名村民堵塞征地地块进场道路", description="约30名村民因征地补偿问题堵塞地块进场道路。",
        address="张坂镇玉田村征地地块进场道路", urgency=Urgency.URGENT, risk_level=RiskLevel.HIGH, is_group=True,
        group_size=30, now=now - dt.timedelta(minutes=30))
    departments = {d.short_code: d for d in Department.objects.filter(center=district, short_code__in=["GA", "ZGJ", "ZBZ"])}
    summons = summons_request(actor=users["director"], center=district, case=road.case,
                              departments=list(departments.values()), reason="村民堵路，请公安、资规建交局、张坂镇到中心报到",
                              now=now - dt.timedelta(minutes=25))
    summons_approve(actor=users["commander"], summons=summons, note="同意", now=now - dt.timedelta(minutes=20))
    rows = {row.department.short_code: row for row in summons.departments.select_related("department", "summons")}
    summons_acknowledge(actor=users["liaison_zgj"], row=rows["ZGJ"], now=now - dt.timedelta(minutes=18))
    summons_acknowledge(actor=users["liaison_ga"], row=rows["GA"], now=now - dt.timedelta(minutes=17))
    summons_report_in(actor=users["liaison_ga"], row=rows["GA"], now=now - dt.timedelta(minutes=5),
                      code=attendance_code(center=district, at=now - dt.timedelta(minutes=5)))
    summons_request(actor=users["director"], center=district, departments=[departments["ZBZ"]],
                    reason="征地补偿政策解释，请张坂镇到中心", now=now - dt.timedelta(minutes=3))
    return summons


def _grid_steps(users: dict[str, User], now: dt.datetime) -> dict[str, Case]:
    """何雅琴's reports on 上浦村第1网格, one stopped at each step (the demo's own two wait at the station)."""
    worker, station, town, office = users["grid"], users["station_sp"], users["town_ly"], users["liaison_lygh"]
    unit = Grid.objects.get(code=SHANGPU_UNIT)
    town_center = Center.objects.get(code="350521104")
    planning = Department.objects.get(center=town_center, short_code="LYGH")
    steps: dict[str, Case] = {}
    order = ("settled", "settled_checked", "escalated", "dispatched", "reported", "verified", "revisited", "closed")
    for index, step in enumerate(order):
        at = now - dt.timedelta(hours=20 - index)
        report, _ = grid_report_submit(
            actor=worker, grid=unit, client_key=f"crawl-step-{step}", category=_leaf("JF10"),
            title=f"上浦村挡土墙开裂（{step}）", description="旧粮仓后挡土墙开裂，雨天有垮塌危险。",
            address="上浦村旧粮仓后", now=at)
        case = report.case
        steps[step] = case
        if step.startswith("settled"):
            case_settle_on_spot(actor=station, case=case, result="已组织村民临时加固并设置警示", now=at)
            if step == "settled_checked":
                grid_case_verify(actor=worker, case=case, passed=True, notes="现场核实，已设置警示", now=at)
            continue
        case_move_center(actor=station, case=case, to_center=town_center, reason="需工程加固，超出村级处置能力", now=at)
        if step == "escalated":
            continue
        [assignment] = case_dispatch(actor=town, case=case, mode="transfer", lead_department=planning,
                                     instructions="请三日内加固", now=at)
        assignment_acknowledge(actor=office, assignment=assignment, now=at)
        if step == "dispatched":
            continue
        assignment_report_back(actor=office, assignment=assignment, text="挡土墙已用钢筋混凝土加固", now=at)
        if step == "reported":
            continue
        case.refresh_from_db()
        grid_case_verify(actor=worker, case=case, passed=True, notes="同一位置拍照，加固完成", now=at)
        if step == "verified":
            continue
        case.refresh_from_db()
        case_revisit(actor=town, case=case, resolved="yes", satisfaction="satisfied", notes="村民满意", now=at)
        if step == "revisited":
            continue
        case.refresh_from_db()
        case_close(actor=town, case=case, note="办结", now=at)
    steps["walk_in_reported"] = _reported_wage_matter(users)
    return steps


def _reported_wage_matter(users: dict[str, User]) -> Case:
    """Story 1: a walk-in at the district window, dispatched, reported back, waiting for 何雅琴's check."""
    clerk = users["clerk"]
    case = case_register(actor=clerk, center=Center.objects.get(code="QZTS"), matter=MatterInput(
        channel=Channel.WALK_IN, category=_leaf("JF10"), title="上浦村工地十二名工人被拖欠工资", description="拖欠三个月工资",
        address="洛阳镇上浦村工地", grid=Grid.objects.get(code=SHANGPU_UNIT),
        parties=[PartyInput(name="王建国", phone="13905958888", role=PartyRole.APPLICANT, is_spokesman=True)],
        is_group=True, group_size=12))
    case_send_to_dispatch(actor=clerk, case=case)
    [assignment] = case_dispatch(actor=users["director"], case=case, mode="transfer",
                                 lead_department=Department.objects.get(short_code="LDWQ"))
    assignment_acknowledge(actor=users["liaison"], assignment=assignment)
    assignment_report_back(actor=users["liaison"], assignment=assignment, text="承包方已支付六成，余款签订还款计划")
    assert Assignment.objects.filter(case=case, status="reported").exists()
    return case
