"""The demo's revisits as 12345 centers run them (issue 22 item 4), through the services: wage matters
answered by 劳动保障维权服务中心 and verified on site, then revisited by the first receiver (`clerk`):
one with two failed calls on different days still waiting for its answer, one 无法联系 after three days,
one 拒绝评价, one 不满意 put to the commander as unreasonable and confirmed 不参评, one waiting for the
commander's confirmation, and one ruled a duplicate. Running it again changes nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from dispatch import services as dispatch_services
from governance.models import Center, Department, Grid
from intake.choices import Channel, HandlingMode
from intake.models import Case, Category
from intake.services import MatterInput, PartyInput, case_register
from intake.services.window import case_send_to_dispatch

TITLE_PREFIX = "回访演示："
SHANGPU_UNIT = "350521104203001"  # 上浦村第1网格: 何雅琴 (`grid`) sees its matter under 待回访
MATTERS = (
    ("attempts", "上浦村装修工程尾款拖欠", "陈金水", "13905958301"),
    ("unreachable", "临时工工资未结清", "林阿福", "13905958302"),
    ("refused", "工地加班费争议", "黄永强", "13905958303"),
    ("unreasonable", "要求补发三年全勤奖", "郑国华", "13905958304"),
    ("pending", "要求公司赔偿精神损失", "吴秋菊", "13905958305"),
    ("duplicate", "上浦村装修工程尾款拖欠（再次来电）", "陈金水", "13905958301"),
)


def seed_revisits(district: Center, *, now: dt.datetime) -> int:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["clerk", "dispatcher", "handler", "commander", "liaison"])}
    department = Department.objects.filter(center=district, liaison=users.get("liaison")).first()
    category = Category.objects.filter(name="劳动争议").first()
    grid = Grid.objects.filter(code=SHANGPU_UNIT).first()
    if len(users) < 5 or department is None or category is None or grid is None:
        return 0
    if Case.objects.filter(district=district, title__startswith=TITLE_PREFIX).exists():
        return 0
    clerk, dispatcher, handler, commander = (users[n] for n in ("clerk", "dispatcher", "handler", "commander"))
    local = timezone.localtime(now)

    def day(days_ago: int, hour: int) -> dt.datetime:
        return (local - dt.timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)

    cases: dict[str, Case] = {}
    for key, title, name, phone in MATTERS:
        case = case_register(actor=clerk, center=district, now=day(7, 9), matter=MatterInput(
            channel=Channel.WALK_IN, category=category, title=TITLE_PREFIX + title,
            description=f"{name}来窗口反映：{title}。", parties=[PartyInput(name=name, phone=phone)],
            address="洛阳镇上浦村", grid=grid))
        case_send_to_dispatch(actor=clerk, case=case, now=day(7, 9) + dt.timedelta(minutes=5))
        case.refresh_from_db()
        (assignment,) = dispatch_services.case_dispatch(actor=dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                                        lead_department=department, now=day(7, 10))
        dispatch_services.assignment_acknowledge(actor=handler, assignment=assignment, now=day(7, 11))
        dispatch_services.assignment_report_back(actor=handler, assignment=assignment, now=day(6, 15),
                                                 text="已约谈用工方，达成支付方案并督促落实。")
        case.refresh_from_db()
        dispatch_services.case_verify(actor=dispatcher, case=case, passed=True, notes="电话核实用工方已按方案支付",
                                      now=day(5, 10))
        case.refresh_from_db()
        cases[key] = case

    def attempt(key: str, days_ago: int, hour: int, method: str = "phone", notes: str = "无人接听") -> None:
        dispatch_services.revisit_attempt_record(actor=clerk, case=cases[key], method=method, notes=notes,
                                                 now=day(days_ago, hour))

    def revisit(key: str, days_ago: int, when: dt.datetime | None = None, **kwargs: object) -> None:
        cases[key].refresh_from_db()
        dispatch_services.case_revisit(actor=clerk, case=cases[key], now=when or day(days_ago, 16), **kwargs)

    attempt("attempts", 4, 10)
    attempt("attempts", 3, 15, method="sms", notes="短信未回复")
    for days_ago in (4, 3):
        attempt("unreachable", days_ago, 10, notes="关机")
    attempt("unreachable", 2, 9, method="visit", notes="上门无人，邻居称已搬离")
    revisit("unreachable", 2, method="visit", outcome="unreachable", notes="三个不同日期联系未果")
    revisit("refused", 4, outcome="refused", notes="申请人表示不愿评价")
    revisit("unreasonable", 4, resolved="no", satisfaction="not_satisfied", unreasonable=True,
            notes="要求补发入职前年份的全勤奖，无合同依据")
    dispatch_services.case_exclusion_decide(actor=commander, case=cases["unreasonable"], confirm=True,
                                            note="经复核，诉求超出劳动合同约定", now=day(3, 11))
    # today, so that the commanders on duty today are asked to confirm it (我的通知)
    revisit("pending", 0, when=now - dt.timedelta(minutes=30), resolved="partly", satisfaction="not_satisfied", unreasonable=True,
            notes="工资已补发，另要求精神损失赔偿十万元")
    revisit("duplicate", 4, resolved="yes", satisfaction="satisfied")
    dispatch_services.case_exclusion_propose(actor=clerk, case=cases["duplicate"], reason="duplicate",
                                             duplicate_of=cases["attempts"], notes="同一申请人同一诉求再次来电",
                                             now=day(3, 9))
    for key in ("unreachable", "refused", "unreasonable", "duplicate"):
        cases[key].refresh_from_db()
        dispatch_services.case_close(actor=clerk, case=cases[key], now=day(1, 17))
    return len(cases)
