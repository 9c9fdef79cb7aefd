"""Enumerations of the command side of review: risk signals, warning letters, consultations,
the daily report of key disputes (and their transition tables)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignalKind(models.TextChoices):
    SURGE = "surge", _("类别激增")
    REPEAT_APPLICANT = "repeat_applicant", _("重复来访申请人")
    REPEAT_SUBJECT = "repeat_subject", _("同一事由/地点反复")
    GROUP = "group", _("群体性事项")
    REOPENED = "reopened", _("回访未解决重办")
    DEPARTMENT_OVERDUE = "department_overdue", _("部门超期逐周上升")
    KEY_PERSON = "key_person", _("重点人员作为申请人")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    DISMISSED = "dismissed", _("已排除")
    LETTERED = "lettered", _("已发函")
    ON_AGENDA = "on_agenda", _("已列入会商")


SIGNAL_TRANSITIONS: dict[str, frozenset[str]] = {
    SignalStatus.OPEN: frozenset({SignalStatus.DISMISSED, SignalStatus.LETTERED, SignalStatus.ON_AGENDA}),
    SignalStatus.ON_AGENDA: frozenset({SignalStatus.LETTERED, SignalStatus.DISMISSED}),
    SignalStatus.LETTERED: frozenset({SignalStatus.ON_AGENDA}),
    SignalStatus.DISMISSED: frozenset(),
}


class AreaLevel(models.TextChoices):
    GRID = "grid", _("网格")
    VILLAGE = "village", _("村/社区")
    TOWN = "town", _("镇/街道")


class LetterKind(models.TextChoices):
    WORK_REMINDER = "work_reminder", _("工作提示函")
    RISK_WARNING = "risk_warning", _("风险预警函")


# The short word in a letter's number: 〔2026〕提 3 号 / 〔2026〕预警 1 号.
LETTER_NUMBER_WORD = {LetterKind.WORK_REMINDER: "提示", LetterKind.RISK_WARNING: "预警"}


class LetterSource(models.TextChoices):
    MATTER = "matter", _("事项")
    SIGNAL = "signal", _("风险研判信号")
    ASSESSMENT = "assessment", _("月度考核")
    OVERDUE_COUNT = "overdue_count", _("当月超期次数达到阈值")
    LADDER = "ladder", _("超期问责阶梯")


class LetterStatus(models.TextChoices):
    ISSUED = "issued", _("待答复")
    ANSWERED = "answered", _("已答复")
    WITHDRAWN = "withdrawn", _("已撤回")


LETTER_TRANSITIONS: dict[str, frozenset[str]] = {
    LetterStatus.ISSUED: frozenset({LetterStatus.ANSWERED, LetterStatus.WITHDRAWN}),
    LetterStatus.ANSWERED: frozenset(),
    LetterStatus.WITHDRAWN: frozenset(),
}


class ConsultationKind(models.TextChoices):
    LEADERSHIP_MONTHLY = "leadership_monthly", _("中心领导班子月度例会")
    STATIONED_BIWEEKLY = "stationed_biweekly", _("常驻部门双周例会")
    DISPATCH_BIWEEKLY = "dispatch_biweekly", _("调度中心双周研判会商")
    AD_HOC = "ad_hoc", _("临时会商（敏感时期）")
    # A town sub-center's own meetings (seed 002 一(二) 定期召开工作调度例会, 四(二) 乡镇联席会议制度).
    TOWN_WEEKLY = "town_weekly", _("镇综治中心每周工作例会")
    TOWN_JOINT_MONTHLY = "town_joint_monthly", _("镇矛盾纠纷（信访）联席会议（月度）")


# Which meetings a center holds, by its level (a village station holds none of these).
CONSULTATION_KINDS_BY_LEVEL: dict[str, tuple[str, ...]] = {
    "district": (ConsultationKind.LEADERSHIP_MONTHLY, ConsultationKind.STATIONED_BIWEEKLY,
                 ConsultationKind.DISPATCH_BIWEEKLY, ConsultationKind.AD_HOC),
    "town": (ConsultationKind.TOWN_WEEKLY, ConsultationKind.TOWN_JOINT_MONTHLY, ConsultationKind.AD_HOC),
}


class ConsultationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


CONSULTATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ConsultationStatus.SCHEDULED: frozenset({ConsultationStatus.HELD, ConsultationStatus.CANCELLED}),
    ConsultationStatus.HELD: frozenset(),
    ConsultationStatus.CANCELLED: frozenset(),
}


class ActionStatus(models.TextChoices):
    OPEN = "open", _("落实中")
    DONE = "done", _("已落实")


class DailyReportStatus(models.TextChoices):
    DRAFT = "draft", _("待审核")
    ISSUED = "issued", _("已签发")


class CommandEventType(models.TextChoices):
    """Timeline events the command side writes on the matters it concerns."""

    LETTER_ISSUED = "letter.issued", _("发出提示函/预警函")
    LETTER_ANSWERED = "letter.answered", _("收函单位答复")
    LETTER_OVERDUE = "letter.overdue", _("函件答复逾期")
    LETTER_ESCALATED = "letter.escalated", _("函件逾期督办升级")
    AGENDA_ADDED = "consultation.agenda_added", _("列入会商议程")
    DECIDED = "consultation.decided", _("会商作出决定")
    ACTION_DONE = "consultation.action_done", _("会商决定已落实")
    URGENT_FILED = "urgent_report.filed", _("报送情况报告（首报）")
    URGENT_FOLLOWED_UP = "urgent_report.followed_up", _("情况报告续报")
    URGENT_CLOSED = "urgent_report.closed", _("情况报告终报")
    URGENT_LATE = "urgent_report.follow_up_late", _("情况报告续报逾期")
    URGENT_ESCALATED = "urgent_report.escalated", _("续报逾期报告指挥长")


class UrgentReportStatus(models.TextChoices):
    OPEN = "open", _("续报中")
    CLOSED = "closed", _("已终报")


class UrgentEntryKind(models.TextChoices):
    """首报 (the first report, at once), 续报 (each follow-up), 终报 (the final one, which closes it)."""

    INITIAL = "initial", _("首报")
    FOLLOW_UP = "follow_up", _("续报")
    FINAL = "final", _("终报")


class LeaderEventType(models.TextChoices):
    """Timeline events of 领导通: a leader's instruction (批示) and the departments' answers."""

    INSTRUCTION_ISSUED = "instruction.issued", _("领导批示")
    INSTRUCTION_ANSWERED = "instruction.answered", _("答复领导批示")
    INSTRUCTION_OVERDUE = "instruction.overdue", _("领导批示答复逾期")


# Deadline-engine subject types (dispatch.services.subjects).
LETTER_SUBJECT = "review.letter"
ACTION_SUBJECT = "review.action_item"
# One department's answer to a leader's instruction (`review.InstructionDepartment`).
INSTRUCTION_SUBJECT = "review.instruction_department"


class CadenceFrequency(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    BIWEEKLY = "biweekly", _("每两周")
    MONTHLY = "monthly", _("每月")


class ChairRule(models.TextChoices):
    """Who chairs a standing meeting (seed 000 三, 001 五(二))."""

    CENTER_DIRECTOR = "center_director", _("中心主任")
    DEPUTIES_ALTERNATE = "deputies_alternate", _("两名副主任轮流")
    DEPUTY_COMMANDER = "deputy_commander", _("副指挥长")


class InviteeRule(models.TextChoices):
    """Who a standing meeting invites, named by rule and resolved for each occurrence."""

    CENTER_LEADERS = "center_leaders", _("中心主任、副主任")
    STATIONED_DEPARTMENTS = "stationed_departments", _("进驻部门（常驻、轮驻）联络员")
    DUTY_DIRECTOR = "duty_director", _("当日轮值主任")
    DISPATCHERS = "dispatchers", _("调度员")
    LIAISONS = "liaisons", _("各联动部门联络员")


# The seeds' standing meetings, per level: kind, title, frequency, chair rule, invitee rules.
STANDING_MEETINGS: dict[str, tuple[tuple[str, str, str, str, tuple[str, ...]], ...]] = {
    "district": (
        (ConsultationKind.LEADERSHIP_MONTHLY, "中心值班领导会议", CadenceFrequency.MONTHLY, ChairRule.CENTER_DIRECTOR,
         (InviteeRule.CENTER_LEADERS, InviteeRule.DUTY_DIRECTOR)),
        (ConsultationKind.STATIONED_BIWEEKLY, "进驻部门及中心各组负责人会议", CadenceFrequency.BIWEEKLY,
         ChairRule.DEPUTIES_ALTERNATE, (InviteeRule.STATIONED_DEPARTMENTS, InviteeRule.DISPATCHERS)),
        (ConsultationKind.DISPATCH_BIWEEKLY, "调度指挥中心研判会商会", CadenceFrequency.BIWEEKLY,
         ChairRule.DEPUTY_COMMANDER, (InviteeRule.DUTY_DIRECTOR, InviteeRule.DISPATCHERS, InviteeRule.LIAISONS)),
    ),
    "town": (
        (ConsultationKind.TOWN_WEEKLY, "每周工作例会", CadenceFrequency.WEEKLY, ChairRule.CENTER_DIRECTOR,
         (InviteeRule.STATIONED_DEPARTMENTS,)),
        (ConsultationKind.TOWN_JOINT_MONTHLY, "月度联席会议", CadenceFrequency.MONTHLY,
         ChairRule.CENTER_DIRECTOR, (InviteeRule.LIAISONS,)),
    ),
}


class AnalysisTheme(models.TextChoices):
    """The five themes of the 研判专报 (seed 000 三(一))."""

    POLITICAL_SECURITY = "political_security", _("政治安全")
    RISKS = "risks", _("风险隐患")
    PUBLIC_ORDER = "public_order", _("社会治安")
    EMERGENCY = "emergency", _("应急管理")
    DISPUTES = "disputes", _("矛盾纠纷")


class AnalysisStatus(models.TextChoices):
    DRAFT = "draft", _("待签发")
    ISSUED = "issued", _("已签发")


class AnalysisKind(models.TextChoices):
    MONTHLY = "monthly", _("月度")
    ON_DEMAND = "on_demand", _("专题（按需）")


CONSULTATION_SUBJECT = "review.consultation"
URGENT_SUBJECT = "review.urgent_report"
