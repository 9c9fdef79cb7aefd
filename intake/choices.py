"""Enumerations of intake and the status transition table of a matter."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("窗口来访")
    PHONE = "phone", _("来电")
    UPPER_ASSIGNMENT = "upper_assignment", _("上级交办")
    PLATFORM = "platform", _("平台推送")
    GRID_REPORT = "grid_report", _("网格上报")
    ONLINE = "online", _("网上（表单/微信/短信）")


# Matters from these channels go straight to the dispatch queue when registered: nobody at a window
# holds them to settle on the spot (a platform push, an upper-level assignment, an online form, a grid
# report). Walk-ins and phone calls stay with their first receiver until settled or sent on.
QUEUED_ON_ARRIVAL = frozenset({Channel.UPPER_ASSIGNMENT, Channel.PLATFORM, Channel.ONLINE, Channel.GRID_REPORT})


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    MAJOR = "major", _("重大")


class Complexity(models.TextChoices):
    ORDINARY = "ordinary", _("一般")
    COMPLEX = "complex", _("复杂")
    URGENT = "urgent", _("紧急")


class AnswerLimitUnit(models.TextChoices):
    """The calendar of a kind's answer limit (issue 22 item 11): working days on the working calendar
    (调休 included), calendar days (the 信访 and labour-mediation rules count 日), or clock hours."""

    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")
    HOURS = "hours", _("小时")


class HandlingMode(models.TextChoices):
    SELF = "self", _("自办")
    TRANSFER = "transfer", _("转办")
    JOINT = "joint", _("联办")
    SUPERVISED = "supervised", _("督办")


class OperatingMode(models.TextChoices):
    """Normal or wartime (平战): the mode a center is in (dispatch's `Mode`), and the mode a matter started under."""

    NORMAL = "normal", _("平时")
    WARTIME = "wartime", _("战时")


class CaseStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    PENDING_DISPATCH = "pending_dispatch", _("待调度")
    SETTLED_ON_SPOT = "settled_on_spot", _("当场办结")
    IN_PROGRESS = "in_progress", _("办理中")
    REPORTED = "reported", _("已反馈")
    VERIFIED = "verified", _("已核查")
    REVISITED = "revisited", _("已回访")
    CLOSED = "closed", _("已办结")


# Which status may follow which. Dispatch adds nothing here: every status of a matter is listed,
# and every move between them goes through `intake.services.case_transition`.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    # 登记 → 办理中 directly: a stationed department's window takes the matter into its own department
    # (窗口自办, `dispatch.services.window_self.case_self_handle`).
    CaseStatus.REGISTERED: frozenset({CaseStatus.PENDING_DISPATCH, CaseStatus.SETTLED_ON_SPOT, CaseStatus.IN_PROGRESS}),
    CaseStatus.PENDING_DISPATCH: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.SETTLED_ON_SPOT}),
    CaseStatus.SETTLED_ON_SPOT: frozenset({CaseStatus.REVISITED, CaseStatus.PENDING_DISPATCH}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.REPORTED, CaseStatus.PENDING_DISPATCH}),
    CaseStatus.REPORTED: frozenset({CaseStatus.VERIFIED, CaseStatus.IN_PROGRESS}),
    CaseStatus.VERIFIED: frozenset({CaseStatus.REVISITED, CaseStatus.IN_PROGRESS}),
    CaseStatus.REVISITED: frozenset({CaseStatus.CLOSED, CaseStatus.IN_PROGRESS, CaseStatus.PENDING_DISPATCH}),
    CaseStatus.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset(set(CaseStatus.values) - {CaseStatus.CLOSED})


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("组织")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他当事人")


class EventSource(models.TextChoices):
    WEB = "web", _("网页")
    API = "api", _("接口")
    TASK = "task", _("后台任务")
    ADMIN = "admin", _("管理后台")


class CaseEventType(models.TextChoices):
    """Timeline events intake writes (dotted, past tense). Every app declares its own in its choices
    and registers them with `intake.events.event_types_declare`; nothing else may be written."""

    CASE_REGISTERED = "case.registered", _("登记受理")
    CASE_LINKED = "case.linked", _("关联事项")
    CASE_SETTLED_ON_SPOT = "case.settled_on_spot", _("当场办结（自办）")
    CASE_SENT_TO_DISPATCH = "case.sent_to_dispatch", _("移送调度中心")
    PARTY_ID_VIEWED = "party.id_viewed", _("查看完整身份证号")
    PARTY_UPDATED = "party.updated", _("当事人信息更新为本次填写")
    PARTY_KEPT = "party.kept", _("当事人信息沿用登记信息")
