"""The demo district's recent past: a few months of matters, so that a newcomer's dashboard and
assessment are not empty, story 7's night-market calls, and the radar's first run over them (called
by `seed_demo`; running it again changes nothing)."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from command.choices import AnalysisKind, AnalysisTheme, ConsultationKind
from command.models import AnalysisReport, Consultation, MeetingCadence, UrgentReport
from command.services.analysis import (
    analysis_generate,
    analysis_generate_monthly,
    analysis_issue,
    analysis_section_edit,
)
from command.services.cadence import cadence_plan, cadences_plan, standing_meetings_set_up
from command.services.consultation import (
    agenda_add,
    consultation_record,
    consultation_schedule,
    decision_record,
)
from command.services.leaders import case_follow, instruction_answer, instruction_issue
from command.services.radar import radar_run
from command.services.urgent import urgent_report_file, urgent_report_follow_up
from dispatch.selectors.duty import duty_standing
from dispatch.services import case_dispatch
from governance.choices import GridLevel
from governance.errors import ApplicationError
from governance.models import Center, Department, Grid
from governance.workcal import WorkingCalendar
from intake.choices import Channel, HandlingMode
from intake.models import Case, Category
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from review.demo_ladder import seed_ladder
from review.demo_revisits import seed_revisits
from review.scale import ScaleError, load, world_for
from review.services.summary import summaries_refresh

DEMO_DISTRICT = "QZTS"
DEMO_DAYS = 120
DEMO_PREFIX = "QZTS-H-"
NIGHT_MARKET_CALLS = 9
NIGHT_MARKET_CALLERS = (("林秀英", "13905958101"), ("陈志明", "13905958102"), ("黄美华", "13905958103"),
                        ("郑建国", "13905958104"), ("吴丽娟", "13905958105"))


CONSULTATION_TITLE = "调度中心双周研判会商（演示）"


def seed_demo() -> dict[str, int]:
    matters = settings.DEMO_HISTORY_MATTERS
    district = Center.objects.filter(code=DEMO_DISTRICT).first()
    if district is None:
        return {}
    # First: the ladder's sweeps at past times then fire only its own matters' steps.
    created = {**seed_ladder(district, now=timezone.now()),
               "consultations": _consultation(district, now=timezone.now()),
               "town consultations": _town_weekly_meetings(now=timezone.now()),
               "leaders' instructions": _leader_instructions(district, now=timezone.now()),
               "urgent reports": _urgent_report(district, now=timezone.now()),
               "revisit matters": seed_revisits(district, now=timezone.now()),
               "standing meetings": _standing_meetings(district, now=timezone.now())}
    if matters > 0:
        created |= _history(district, matters=matters)
    # Last: the 研判专报 are drafted from the history, the night-market calls and the radar's signals.
    return created | {"analysis reports": _analysis_reports(district, now=timezone.now())}


def _history(district: Center, *, matters: int) -> dict[str, int]:
    now = timezone.now()
    try:
        result = load(world=world_for(district), matters=matters, start=now - dt.timedelta(days=DEMO_DAYS),
                      end=now - dt.timedelta(hours=2), now=now, seed=2024, batch_size=matters,
                      code_prefix=DEMO_PREFIX)
    except ScaleError:  # already there (or the district is incomplete): nothing to add
        return {}
    surge = _night_market_calls(district, now=now)
    summaries_refresh(now=now)
    # The radar's first look, as beat's hourly run would: 风险研判 has its signals from the start.
    signals = len(radar_run(center=district, now=now).raised)
    return {"history matters": result.matters, "night-market calls (story 7)": surge, "radar signals": signals}


def _consultation(district: Center, *, now: dt.datetime) -> int:
    """A consultation held three days ago through the services: agenda, attendance, minutes and a
    decision whose action item 资规建交局 (`liaison_zgj`) has to report done within a week."""
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["director", "liaison_zgj", "liaison_dyz", "liaison"])}
    zgj = Department.objects.filter(center=district, short_code="ZGJ").first()
    if (zgj is None or len(users) < 4
            or Consultation.objects.filter(center=district, title=CONSULTATION_TITLE).exists()):
        return 0
    held = now - dt.timedelta(days=3)
    director = users["director"]
    meeting = consultation_schedule(
        actor=director, center=district, kind=ConsultationKind.DISPATCH_BIWEEKLY, title=CONSULTATION_TITLE,
        scheduled_at=held, chair=director, invitees=[users["liaison_zgj"], users["liaison_dyz"], users["liaison"]],
        place="区社会治理中心三楼会商室", now=held - dt.timedelta(days=2))
    topic = agenda_add(actor=director, consultation=meeting, title="在建工地欠薪与施工许可联动核查",
                       now=held - dt.timedelta(days=1))
    consultation_record(actor=director, consultation=meeting,
                        attended_user_ids=[u.pk for u in users.values()],
                        minutes="研判近两周劳动争议与在建工地欠薪投诉，明确由资规建交局牵头核查在建项目施工许可与工资保证金。",
                        now=held + dt.timedelta(hours=1))
    decision_record(actor=director, consultation=meeting, agenda_item=topic,
                    text="资规建交局一周内完成在建工地施工许可与工资保证金核查，报调度中心。",
                    due_at=now + dt.timedelta(days=4), owner_department=zgj, now=held + dt.timedelta(hours=1))
    return 1


URGENT_TITLE = "洛阳镇上浦村在建工地脚手架局部坍塌"


def _urgent_report(district: Center, *, now: dt.datetime) -> int:
    """A sudden event reported through the services (seed 003 情况报告): the 首报 an hour and forty
    minutes ago, two 续报 since, still open with the next one due within the hour, so `director` sees
    the countdown and follows up or closes it, and `leader` reads it. Each step is made by the duty
    director if he was on duty then, else by the commander (who reports at any time)."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["director", "commander"])}
    if len(users) < 2 or UrgentReport.objects.filter(center=district, title=URGENT_TITLE).exists():
        return 0

    def reporter(at: dt.datetime):
        return users["director"] if duty_standing(actor=users["director"], center=district, at=at).may_direct else \
            users["commander"]

    opened = now - dt.timedelta(minutes=100)
    report = urgent_report_file(
        actor=reporter(opened), center=district, title=URGENT_TITLE, occurred_at=opened - dt.timedelta(minutes=15),
        place="洛阳镇上浦村村委会东侧在建安置房项目 3 号楼", interval_minutes=60,
        what_happened="3 号楼外墙脚手架约 6 米长局部坍塌，据现场网格员报告，有 2 名工人被压，已拨打 120。",
        casualties="初步了解 2 人受伤，伤情不明；无群众围观聚集。",
        measures="已通知洛阳镇政府、执法应急局、公安分局赶赴现场，网格员在现场维持秩序。",
        next_steps="核实伤亡人数和伤情，查明施工单位及工资支付情况，防止引发劳资纠纷。", now=opened)
    first = opened + dt.timedelta(minutes=55)
    urgent_report_follow_up(
        actor=reporter(first), report=report, now=first,
        what_happened="2 名受伤工人已送区医院救治，均为轻伤，无生命危险。现场已停工并设置警戒。",
        casualties="轻伤 2 人，无死亡。",
        measures="执法应急局已责令全面停工排查；镇政府安排专人陪护伤员家属。",
        next_steps="调查坍塌原因，督促施工单位垫付医疗费用。")
    second = opened + dt.timedelta(minutes=95)
    report.refresh_from_db()
    urgent_report_follow_up(
        actor=reporter(second), report=report, now=second,
        what_happened="施工单位已垫付医疗费用 2 万元，现场脚手架已全部拆除复查；部分工人询问工资结算，情绪稳定。",
        measures="劳动保障维权服务中心已到场核查工资台账。",
        next_steps="工资核查结果出来后终报。")
    return 1


TOWN_CENTER = "350521104"  # 洛阳镇综治中心
TOWN_WEEKLY_TITLE = "洛阳镇综治中心每周工作例会（%s）"


def _town_weekly_meetings(*, now: dt.datetime) -> int:
    """洛阳镇's standing meetings (seed 001 五(二): the weekly 例会 and the monthly 联席会议), set up through
    the services by the town's center director (`town_ly`): last Monday's 例会 held with attendance and
    minutes, next Monday's planned with the town's departments invited. `town_ly`'s 议事会商 shows the
    town's own meetings, not the district's."""
    town = Center.objects.filter(code=TOWN_CENTER).first()
    director = get_user_model().objects.filter(username="town_ly").first()
    if town is None or director is None or MeetingCadence.objects.filter(center=town).exists():
        return 0
    today = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0)
    this_monday = today - dt.timedelta(days=today.weekday())
    last = this_monday if this_monday < now - dt.timedelta(hours=2) else this_monday - dt.timedelta(days=7)
    set_up_at = last - dt.timedelta(days=3)
    cadences = {c.kind: c for c in standing_meetings_set_up(actor=director, center=town, first_date=last.date(),
                                                            place="洛阳镇综治中心会议室", now=set_up_at)}
    weekly = cadences["town_weekly"]
    held = cadence_plan(cadence=weekly, now=set_up_at)
    made = 0
    if held is not None and held.scheduled_at < now:
        consultation_record(
            actor=director, consultation=held, attended_user_ids=[i.user_id for i in held.invitations.all()],
            minutes="梳理本周各村（社区）综治站上报和网格巡查发现的矛盾纠纷，逐件明确承办单位和办理时限；"
                    "本镇办不了的按程序上提区社会治理中心；下周重点排查在建工地欠薪隐患。",
            now=held.scheduled_at + dt.timedelta(hours=1))
        made += 1

    return made + cadences_plan(now=now, center=town)


def _standing_meetings(district: Center, *, now: dt.datetime) -> int:
    """The district's standing meetings (seed 000 三), set up by the center director through the
    services: the monthly 中心值班领导会议 held last month (minutes, a decision for 社会治理办) and due
    again on the last working day, not held (its chair is reminded by the deadline sweep); the
    stationed departments' biweekly meeting held twice, chaired by the two deputies in turn, the next
    one planned; the dispatch center's biweekly 研判会商 (deputy commander) planned."""
    director = get_user_model().objects.filter(username="center_director").first()
    if director is None or MeetingCadence.objects.filter(center=district).exists():
        return 0
    calendar = WorkingCalendar(center=district)
    today = timezone.localtime(now).date()
    due = today - dt.timedelta(days=1)
    while not calendar.is_working_day(due) or due.day > 28:
        due -= dt.timedelta(days=1)
    month_before = (due.replace(day=1) - dt.timedelta(days=1)).replace(day=due.day)
    set_up_at = timezone.make_aware(dt.datetime.combine(month_before - dt.timedelta(days=7), dt.time(9)))
    cadences = {c.kind: c for c in standing_meetings_set_up(
        actor=director, center=district, first_date=month_before, time=dt.time(15, 0),
        place="区社会治理中心三楼会商室", now=set_up_at)}
    made = 0

    def hold(meeting, minutes: str) -> None:
        consultation_record(actor=meeting.chair, consultation=meeting,
                            attended_user_ids=[i.user_id for i in meeting.invitations.all()], minutes=minutes,
                            now=meeting.scheduled_at + dt.timedelta(hours=1, minutes=30))

    monthly = cadences[ConsultationKind.LEADERSHIP_MONTHLY]
    last_month = cadence_plan(cadence=monthly, now=set_up_at)
    if last_month is not None:
        hold(last_month, "分析研判上月社会治理形势：矛盾纠纷总量平稳，劳动争议和征地拆迁类上升；"
                         "讨论需提请区党工委、管委会协调的在建工地欠薪问题。")
        szb = Department.objects.filter(center=district, short_code="SZB").first()
        if szb is not None:
            decision_record(actor=director, consultation=last_month, owner_department=szb,
                            text="社会治理办牵头梳理在建工地欠薪问题清单，形成专题报告提请区党工委研究。",
                            due_at=now + dt.timedelta(days=5),
                            now=last_month.scheduled_at + dt.timedelta(hours=1, minutes=30))
        made += 1
    # This month's: planned the week before, not held: due and not yet held (the sweep reminds its chair).
    made += cadence_plan(cadence=monthly, now=timezone.make_aware(
        dt.datetime.combine(due - dt.timedelta(days=7), dt.time(9)))) is not None
    stationed = cadences[ConsultationKind.STATIONED_BIWEEKLY]
    for number in range(3):  # every one before today, the two deputies in turn
        day = stationed.first_date + dt.timedelta(days=14 * number)
        meeting = cadence_plan(cadence=stationed, now=timezone.make_aware(dt.datetime.combine(day, dt.time(8))))
        if meeting is None or meeting.scheduled_at >= now - dt.timedelta(hours=2):
            break
        hold(meeting, "各进驻部门、中心各组负责人通报两周工作情况，研究解决窗口分流和部门签收不及时的问题，"
                      "会商重点案事件化解方案。")
        made += 1
    return made + cadences_plan(now=now, center=district)


ANALYSIS_SECTION_EDIT = ("本月劳动争议集中在在建工地欠薪，已由资规建交局牵头核查施工许可和工资保证金；"
                         "建议下月会商时听取核查情况，对仍未结清的项目提请区党工委协调。")


def _analysis_reports(district: Center, *, now: dt.datetime) -> int:
    """A 研判专报 issued by the commander (last month's) and a draft on demand (this month so far) whose
    矛盾纠纷 theme the duty director edited, both through the services."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["director", "commander"])}
    if len(users) < 2 or AnalysisReport.objects.filter(center=district).exists():
        return 0
    monthly = analysis_generate_monthly(center=district, now=now)
    analysis_issue(actor=users["commander"], report=monthly, now=now)
    today = timezone.localtime(now).date()
    draft = analysis_generate(actor=users["director"], center=district, start=today.replace(day=1), end=today,
                              kind=AnalysisKind.ON_DEMAND, now=now)
    disputes = draft.sections.get(theme=AnalysisTheme.DISPUTES)
    # On a day the director is not on duty (the demo built on a weekend) the draft stays as drafted.
    with contextlib.suppress(ApplicationError):
        analysis_section_edit(actor=users["director"], section=disputes,
                              text=f"{disputes.text}\n{ANALYSIS_SECTION_EDIT}", now=now)
    return 2


def _night_market_calls(district: Center, *, now: dt.datetime) -> int:
    """SCENARIOS story 7: over the last five days 阳光社区 (东园镇) called nine times about one night
    market's noise, and nobody linked the calls by hand; the radar finds them."""
    village = Grid.objects.filter(name="阳光社区", level=GridLevel.VILLAGE).first()
    clerk = get_user_model().objects.filter(username="clerk").first()
    units = list(village.children.filter(level=GridLevel.UNIT).order_by("code")) if village else []
    if not units or clerk is None:
        return 0
    complaint = Category.objects.get(code="RX03")
    for i in range(NIGHT_MARKET_CALLS):
        case_register(
            actor=clerk, center=district, matter=MatterInput(
                channel=Channel.PHONE, category=complaint, title="阳光社区夜市噪音扰民",
                description=f"来电反映阳光社区夜市摊位每晚营业到凌晨，音响和叫卖声影响居民休息（夜市 {i % 3 + 1} 号摊位附近）。",
                parties=[PartyInput(name=name, phone=phone)
                         for name, phone in [NIGHT_MARKET_CALLERS[i % len(NIGHT_MARKET_CALLERS)]]],
                address=f"东园镇阳光社区夜市 {i % 3 + 1} 号摊位附近", grid=units[i % len(units)]),
            now=now - dt.timedelta(hours=2 + 13 * i),
        )
    return NIGHT_MARKET_CALLS


LEADER_MATTER_TITLE = "洛阳镇某在建工地拖欠农民工工资（领导关注）"


def _leader_instructions(district: Center, *, now: dt.datetime) -> int:
    """领导通 (seed 002 三(三)), through the services: a wage-arrears matter dispatched to
    劳动保障维权服务中心 yesterday, which the district leader `leader` follows and instructs on twice;
    the department (`liaison`) answered the first instruction, the second waits for its answer (on the
    liaison's home and the matter's pages; the leader's home shows both)."""
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["clerk", "dispatcher", "leader", "liaison"])}
    labour = Department.objects.filter(center=district, short_code="LDWQ").first()
    village = Grid.objects.filter(name="上浦村", level=GridLevel.VILLAGE).first()
    unit = village.children.filter(level=GridLevel.UNIT).order_by("code").first() if village else None
    if (len(users) < 4 or labour is None or unit is None
            or Case.objects.filter(district=district, title=LEADER_MATTER_TITLE).exists()):
        return 0
    registered = now - dt.timedelta(days=1, hours=2)
    case = case_register(actor=users["clerk"], center=district, now=registered, matter=MatterInput(
        channel=Channel.WALK_IN, category=Category.objects.get(code="JF10"), title=LEADER_MATTER_TITLE,
        description="上浦村附近在建安置房工地 23 名工人反映三个月工资未发，约 41 万元，情绪激动，有聚集上访苗头。",
        parties=[PartyInput(name="王建民", phone="13905958201")], address="洛阳镇上浦村安置房工地", grid=unit,
        is_group=True, group_size=23))
    case_send_to_dispatch(actor=users["clerk"], case=case, now=registered + dt.timedelta(minutes=5))
    case_dispatch(actor=users["dispatcher"], case=case, mode=HandlingMode.TRANSFER, lead_department=labour,
                  instructions="请核实欠薪人数和金额，督促施工方制定支付计划。", now=registered + dt.timedelta(minutes=30))
    leader, liaison = users["leader"], users["liaison"]
    case_follow(actor=leader, case=case, now=registered + dt.timedelta(hours=1))
    first = instruction_issue(
        actor=leader, case=case, text="涉及农民工工资，要依法督促总包单位先行垫付，防止矛盾激化，明日报告进展。",
        answer_limit_working_days=1, now=registered + dt.timedelta(hours=1, minutes=5))
    instruction_answer(actor=liaison, instruction=first,
                       answer="已约谈总包单位，承诺本周五前先行垫付 60%，其余签订分期支付协议；工人情绪已稳定。",
                       now=registered + dt.timedelta(hours=5))
    instruction_issue(actor=leader, case=case, text="垫付落实后请附支付凭证，并回访工人代表。",
                      answer_limit_working_days=3, now=now - dt.timedelta(hours=1))
    return 2
