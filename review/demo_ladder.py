"""The demo's accountability ladder (issue 22 items 8 and 9), built through the services and the deadline
engine: a wage matter dispatched to 劳动保障维权服务中心 three weeks ago, acknowledged by `liaison` naming
`handler` (吴秀梅) as 承办人, which the sweeps have taken up to the 工作提示函 (the 风险预警函 still to come);
a 资规建交局 matter the commander referred to the 区效能办 with a reason, answered by `xiaoneng`; and a
fresh assignment acknowledged with its named handler."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from dispatch.models import Assignment
from dispatch.services import assignment_acknowledge, case_dispatch, deadline_sweep
from governance.models import Center, Department, Grid
from governance.workcal import WorkingCalendar
from intake.choices import Channel, HandlingMode
from intake.models import Category
from intake.services import MatterInput, PartyInput, case_register
from intake.services.window import case_send_to_dispatch
from review.choices import Rung
from review.models import AccountabilityRung
from review.selectors.ladder import DEFAULT_PLAN, ladder_plans
from review.services.ladder import ladder_escalate, referral_answer

NEEDED = ("clerk", "dispatcher", "liaison", "handler", "liaison_zgj", "commander", "xiaoneng")


def _matter(*, district: Center, clerk, dispatcher, department: Department, title: str, description: str,
            grid: Grid | None, category: Category, at: dt.datetime) -> Assignment:
    case = case_register(actor=clerk, center=district, now=at, matter=MatterInput(
        channel=Channel.WALK_IN, category=category, title=title, description=description,
        parties=[PartyInput(name="林春生", phone="13905958801")], address="洛阳镇上浦村", grid=grid))
    case_send_to_dispatch(actor=clerk, case=case, now=at + dt.timedelta(minutes=5))
    case_dispatch(actor=dispatcher, case=case, mode=HandlingMode.TRANSFER, lead_department=department,
                  now=at + dt.timedelta(minutes=20))
    return Assignment.objects.filter(case=case).latest("pk")


def seed_ladder(district: Center, *, now: dt.datetime) -> dict[str, int]:
    if AccountabilityRung.objects.filter(center=district).exists():
        return {}
    users = {user.username: user for user in get_user_model().objects.filter(username__in=NEEDED)}
    labour = Department.objects.filter(center=district, short_code="LDWQ").first()
    zgj = Department.objects.filter(center=district, short_code="ZGJ").first()
    category = Category.objects.filter(name="劳动争议").first() or Category.objects.filter(parent__isnull=False).first()
    grid = Grid.objects.filter(name="上浦村第1网格").first()
    if len(users) < len(NEEDED) or labour is None or zgj is None or category is None:
        return {}
    calendar = WorkingCalendar(center=district)
    plan = ladder_plans(centers=[district], year=now.year).get(district.pk, DEFAULT_PLAN)
    # Dispatched so that now falls between the 工作提示函 and the 风险预警函 of its ladder.
    start = now - dt.timedelta(days=14)
    for _ in range(40):
        trial = calendar.working_days_deadline(start, 7)
        letter_at = plan.due_at(rung=Rung.WORK_LETTER, deadline=trial, calendar=calendar)
        warning_at = plan.due_at(rung=Rung.WARNING_LETTER, deadline=trial, calendar=calendar)
        if letter_at < now - dt.timedelta(hours=1) < warning_at:
            break
        start -= dt.timedelta(days=1) if letter_at >= now - dt.timedelta(hours=1) else -dt.timedelta(days=1)
    start = start.replace(hour=9, minute=30, second=0, microsecond=0)
    clerk, dispatcher = users["clerk"], users["dispatcher"]
    wages = _matter(district=district, clerk=clerk, dispatcher=dispatcher, department=labour, grid=grid,
                    category=category, title="上浦村工地拖欠工资", at=start,
                    description="申请人反映在上浦村某工地务工三个月，工程结束后老板拖欠工资 3.6 万元未付。")
    assignment_acknowledge(actor=users["liaison"], assignment=wages, handler=users["handler"],
                           now=start + dt.timedelta(hours=1))
    road = _matter(district=district, clerk=clerk, dispatcher=dispatcher, department=zgj, grid=grid,
                   category=category, title="上浦村道路施工占道", at=start + dt.timedelta(hours=1),
                   description="村民反映村道施工占道两个月未恢复，车辆无法通行。")
    assignment_acknowledge(actor=users["liaison_zgj"], assignment=road, now=start + dt.timedelta(hours=2))
    wages.refresh_from_db()
    # The engine at each step's time, as beat would have run it.
    times = [wages.due_at + dt.timedelta(minutes=1)] + [
        plan.due_at(rung=rung, deadline=wages.due_at, calendar=calendar) + dt.timedelta(minutes=1)
        for rung in (Rung.REMINDER, Rung.SUPERVISION_NOTICE, Rung.WORK_LETTER)]
    for when in sorted(set(times)):
        if when < now:
            deadline_sweep(now=when)
    # The commander refers the road matter to the 区效能办 at once; the office answers.
    referred_at = max(road.due_at, now - dt.timedelta(hours=3))
    road.refresh_from_db()
    if road.overdue_at is not None and road.is_open:
        rung = ladder_escalate(actor=users["commander"], assignment=road, rung=Rung.REFERRAL,
                               reason="占道两个月群众多次投诉，部门推诿，直接移交效能办", now=referred_at)
        referral = rung.referral
        referral_answer(actor=users["xiaoneng"], referral=referral, outcome="admonished",
                        answer="已约谈资规建交局分管领导，责令三日内恢复通行；联络员批评教育。",
                        people={row.person_id: "admonished" for row in referral.people.all()},
                        now=referred_at + dt.timedelta(hours=1))
    # A fresh assignment acknowledged with its named handler (not overdue).
    fresh = _matter(district=district, clerk=clerk, dispatcher=dispatcher, department=labour, grid=grid,
                    category=category, title="上浦村家政服务费纠纷", at=now - dt.timedelta(hours=4),
                    description="申请人反映家政公司预收服务费后未按约提供服务，要求退费。")
    assignment_acknowledge(actor=users["liaison"], assignment=fresh, handler=users["handler"],
                           now=now - dt.timedelta(hours=3))
    return {"ladder rungs": AccountabilityRung.objects.filter(center=district).count()}
