"""Enumerations of the dispatch app: roster rules, overrides, modes, notifications."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.roles import Role


class RotationUnit(models.TextChoices):
    DAY = "day", _("每日轮换")
    WEEK = "week", _("每周轮换")


class NonWorkingDayPolicy(models.TextChoices):
    # SKIP: holidays and weekends are nobody's turn and do not advance the rotation.
    # COVER: every calendar day is someone's turn, holidays included.
    SKIP = "skip", _("节假日不排班（轮换只按工作日计）")
    COVER = "cover", _("节假日照常轮值")


class ShiftKind(models.TextChoices):
    MAIN_UNAVAILABLE = "main_unavailable", _("主班请假，副班代班")
    REPLACEMENT = "replacement", _("替班")
    SWAP = "swap", _("调换")


class DutyRole(models.TextChoices):
    """How the person on duty came to be on duty on a given day."""

    MAIN = "main", _("主班")
    DEPUTY = "deputy", _("副班代班")
    OVERRIDE = "override", _("替班")
    SWAP = "swap", _("调换")


class DutyPost(models.TextChoices):
    """What a person signs in for at the center (seed 000 一(二)(四))."""

    DIRECTOR = "director", _("轮值主任值班")
    STATIONED = "stationed", _("轮驻部门进驻")


class SignMethod(models.TextChoices):
    """How a presence at the center was established: the screen's code typed on the phone, or a
    dispatcher (or the duty director) who saw the person there."""

    CODE = "code", _("现场签到码")
    CONFIRMED = "confirmed", _("调度员现场确认")


class ReportInPlace(models.TextChoices):
    """Where a summons report-in was made: at the center (the screen's code, or confirmed by the
    center's staff) counts; remote is recorded and does not count (seed 000 四: 进驻指挥中心)."""

    CENTER_CODE = "center_code", _("到场（签到码）")
    CENTER_CONFIRMED = "center_confirmed", _("到场（调度员确认）")
    REMOTE = "remote", _("远程报到（未到中心）")


class GapReason(models.TextChoices):
    NO_ROSTER = "no_roster", _("未设置轮值表")
    EMPTY_ROSTER = "empty_roster", _("轮值表未排部门")
    INACTIVE_DEPARTMENT = "inactive_department", _("轮值部门已停用")
    NO_MAIN_DIRECTOR = "no_main_director", _("部门未指定轮值主任")
    NO_DEPUTY = "no_deputy", _("主班请假且无副班")


class CommandRole(models.TextChoices):
    """Who commands on a day of the command rota: the two commanding roles, as `Role` names them."""

    COMMANDER = Role.COMMANDER.value, Role.COMMANDER.label
    DEPUTY_COMMANDER = Role.DEPUTY_COMMANDER.value, Role.DEPUTY_COMMANDER.label


class WartimeEventType(models.TextChoices):
    """The lines of a wartime episode's own timeline (`dispatch.models.EpisodeEvent`)."""

    DECLARED = "declared", _("启动战时响应")
    NOTIFIED = "notified", _("通知")
    ROTA_STARTED = "rota_started", _("领导轮值开始")
    ROTA_SWAPPED = "rota_swapped", _("领导轮值调换")
    STANDBY_STARTED = "standby_started", _("值班备勤开始")
    STANDBY_SWAPPED = "standby_swapped", _("值班备勤调换")
    CONSULTATION_SCHEDULED = "consultation_scheduled", _("安排首次战时会商")
    MICRO_GRIDS_ACTIVATED = "micro_grids_activated", _("启用责任网格")
    CASE_RAISED = "case_raised", _("提级管理")
    TEAM_SENT = "team_sent", _("派驻支援工作队")
    TEAM_RELEASED = "team_released", _("支援工作队撤回")
    MICRO_GRIDS_RELEASED = "micro_grids_released", _("责任网格停用")
    RELEASED = "released", _("领导轮值、值班备勤结束")
    ENDED = "ended", _("结束战时响应")


class ResponseLevel(models.IntegerChoices):
    LEVEL_1 = 1, _("一级响应")
    LEVEL_2 = 2, _("二级响应")
    LEVEL_3 = 3, _("三级响应")
    LEVEL_4 = 4, _("四级响应")


# Minutes a summoned department has to report in (seed 000 四: 20 minutes in normal times).
NORMAL_REPORT_IN_MINUTES = 20
WARTIME_REPORT_IN_MINUTES = {
    ResponseLevel.LEVEL_1: 10,
    ResponseLevel.LEVEL_2: 15,
    ResponseLevel.LEVEL_3: 15,
    ResponseLevel.LEVEL_4: 20,
}
# 马上受理 (seed 000 二(二)): minutes a registered matter may wait before the first receiver sends it
# on (登记 → 移送), and a matter on the board before the duty director dispatches it (待调度 → 派单);
# shorter in wartime. The escalation to the commander comes as many minutes again after the limit.
NORMAL_SEND_ON_MINUTES = 30
NORMAL_DISPATCH_MINUTES = 60
WARTIME_SEND_ON_MINUTES = {
    ResponseLevel.LEVEL_1: 10,
    ResponseLevel.LEVEL_2: 15,
    ResponseLevel.LEVEL_3: 15,
    ResponseLevel.LEVEL_4: 20,
}
WARTIME_DISPATCH_MINUTES = {
    ResponseLevel.LEVEL_1: 15,
    ResponseLevel.LEVEL_2: 30,
    ResponseLevel.LEVEL_3: 30,
    ResponseLevel.LEVEL_4: 45,
}
# New assignments' handling limits as a percentage of the normal limits.
NORMAL_LIMIT_PERCENT = 100
WARTIME_LIMIT_PERCENT = {
    ResponseLevel.LEVEL_1: 25,
    ResponseLevel.LEVEL_2: 50,
    ResponseLevel.LEVEL_3: 50,
    ResponseLevel.LEVEL_4: 75,
}


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("站内")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
    # The duty group of the recipient's department (a group robot), posted once per message.
    WECOM_GROUP = "wecom_bot", _("企业微信值班群")
    DINGTALK_GROUP = "ding_bot", _("钉钉值班群")
    # A voice notification call (dispatch.voice): an escalation nobody has seen; pressing 1 acknowledges.
    VOICE = "voice", _("语音电话")


# The vendor name the development backends (dispatch.sms, dispatch.voice) store as a message's gateway:
# such a message was written to the server's log, not sent to a phone.
CONSOLE_GATEWAY = "console"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败（将重试）")
    ABANDONED = "abandoned", _("已放弃")


class ReceiptStatus(models.TextChoices):
    """What the gateway's delivery receipt (状态报告) said of a message it accepted."""

    DELIVERED = "delivered", _("已送达")
    UNDELIVERED = "undelivered", _("送达失败")


# Delivery attempts per notification before it is abandoned.
NOTIFICATION_MAX_ATTEMPTS = 5


# --- dispatch work: assignments, verification and revisit, summons, deadline steps ---------------


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    WORKING_HOURS = "working_hours", _("工作小时")
    CALENDAR_DAYS = "calendar_days", _("自然日")
    CALENDAR_HOURS = "calendar_hours", _("自然小时")
    CALENDAR_MINUTES = "calendar_minutes", _("分钟")


class AssignmentRole(models.TextChoices):
    SOLE = "sole", _("承办")
    LEAD = "lead", _("牵头")
    CO = "co", _("协办")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待签收")
    ACKNOWLEDGED = "acknowledged", _("办理中")
    DECLINED = "declined", _("退回待裁定")
    REPORTED = "reported", _("已反馈")
    REWORK = "rework", _("退回重办")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_ASSIGNMENT_STATUSES = frozenset(
    {AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.DECLINED, AssignmentStatus.REWORK}
)
# What the dispatch board lists: the open assignments and those reported back (waiting for the
# verification). The partial index `assignment_board_due` has exactly this condition, sorted, so the
# board's WHERE is its predicate (`status IN (...)` in the same order).
BOARD_LIVE_STATUSES = tuple(sorted(s.value for s in OPEN_ASSIGNMENT_STATUSES | {AssignmentStatus.REPORTED}))
# The statuses in which the department is working (its handling clock runs).
WORKING_STATUSES = frozenset({AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.REWORK})

# Which status of an assignment may follow which (governance.transitions.guarded_move).
ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AssignmentStatus.ASSIGNED: frozenset({AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.DECLINED,
                                          AssignmentStatus.WITHDRAWN}),
    AssignmentStatus.ACKNOWLEDGED: frozenset({AssignmentStatus.REPORTED, AssignmentStatus.DECLINED,
                                              AssignmentStatus.WITHDRAWN}),
    # a refused decline goes back to where it was (status_before_decline); an accepted one is withdrawn
    AssignmentStatus.DECLINED: frozenset({AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED,
                                          AssignmentStatus.WITHDRAWN}),
    AssignmentStatus.REWORK: frozenset({AssignmentStatus.REPORTED, AssignmentStatus.WITHDRAWN}),
    AssignmentStatus.REPORTED: frozenset({AssignmentStatus.REWORK, AssignmentStatus.COMPLETED}),
    AssignmentStatus.COMPLETED: frozenset(),
    AssignmentStatus.WITHDRAWN: frozenset(),
}


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class ResolvedAnswer(models.TextChoices):
    YES = "yes", _("已解决")
    PARTLY = "partly", _("部分解决")
    NO = "no", _("未解决")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    NOT_SATISFIED = "not_satisfied", _("不满意")


class RevisitMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("上门")
    SMS = "sms", _("短信")


class RevisitOutcome(models.TextChoices):
    """How a revisit ended: the two answers given, or none (only an answered revisit is 参评)."""

    ANSWERED = "answered", _("已答复")
    UNREACHABLE = "unreachable", _("无法联系")
    REFUSED = "refused", _("拒绝评价")


class ExclusionReason(models.TextChoices):
    """Why the center rules a matter 不参评 (left out of the 解决率 and 满意率)."""

    UNREACHABLE = "unreachable", _("无法联系")
    UNREASONABLE = "unreasonable", _("诉求不合理")
    DUPLICATE = "duplicate", _("重复件")


class ExclusionStatus(models.TextChoices):
    PENDING = "pending", _("待指挥长确认")
    CONFIRMED = "confirmed", _("不参评")
    REFUSED = "refused", _("未确认，照常参评")


class SummonsStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准（报到中）")
    REFUSED = "refused", _("未批准")
    CLOSED = "closed", _("已结束")


SUMMONS_TRANSITIONS: dict[str, frozenset[str]] = {
    SummonsStatus.REQUESTED: frozenset({SummonsStatus.APPROVED, SummonsStatus.REFUSED}),
    SummonsStatus.APPROVED: frozenset({SummonsStatus.CLOSED}),
    SummonsStatus.REFUSED: frozenset(),
    SummonsStatus.CLOSED: frozenset(),
}


class StepKind(models.TextChoices):
    ACK_REMINDER = "ack_reminder", _("签收提醒")
    ACK_OVERDUE = "ack_overdue", _("签收超时")
    DUE_REMINDER = "due_reminder", _("到期提醒")
    OVERDUE = "overdue", _("办理超期")
    ESCALATION = "escalation", _("超期升级")
    PROGRESS_DUE = "progress_due", _("督办进度报告")
    SUMMONS_OVERDUE = "summons_overdue", _("召集报到超时")
    # VOICE_CALL_AFTER_MINUTES after SUMMONS_OVERDUE: calls whoever of its leaders has not seen it.
    VOICE_CALL = "voice_call", _("语音呼叫")


class EscalationTarget(models.TextChoices):
    LIAISON = "liaison", _("联络员")
    LEADER_IN_CHARGE = "leader_in_charge", _("分管领导")
    COMMANDER = Role.COMMANDER.value, Role.COMMANDER.label


class DispatchEventType(models.TextChoices):
    """Timeline events dispatch writes on a matter (registered in `DispatchConfig.ready()`)."""

    CASE_DISPATCHED = "case.dispatched", _("调度派单")
    # A stationed department's window took the matter into its own department (窗口自办, seed 000 二(二)).
    CASE_SELF_HANDLED = "case.self_handled", _("窗口受理，本部门自办")
    CASE_ESCALATED = "case.escalated", _("上提")
    CASE_PUSHED_DOWN = "case.pushed_down", _("下交")
    CASE_RETURNED_TO_BOARD = "case.returned_to_board", _("退回调度台")
    CASE_VERIFIED = "case.verified", _("核查")
    CASE_VERIFICATION_FAILED = "case.verification_failed", _("核查未通过")
    CASE_REVISITED = "case.revisited", _("回访")
    CASE_REVISIT_ATTEMPTED = "case.revisit_attempted", _("回访未联系上")
    CASE_REOPENED = "case.reopened", _("回访未解决或不满意，重新办理")
    CASE_EXCLUSION_PROPOSED = "case.exclusion_proposed", _("申请不参评")
    CASE_EXCLUDED = "case.excluded", _("认定不参评")
    CASE_EXCLUSION_REFUSED = "case.exclusion_refused", _("不参评未获确认")
    CASE_CLOSED = "case.closed", _("办结归档")
    CASE_EXPLANATION_CALLED = "case.explanation_called", _("解释回访")
    # The center's own clocks (issue 22 items 1-3), fired by the deadline engine.
    CASE_SEND_ON_OVERDUE = "case.send_on_overdue", _("移送超时")
    CASE_SEND_ON_ESCALATED = "case.send_on_escalated", _("移送超时，报指挥长")
    CASE_DISPATCH_OVERDUE = "case.dispatch_overdue", _("派单超时")
    CASE_DISPATCH_ESCALATED = "case.dispatch_escalated", _("派单超时，报指挥长")
    CASE_VERIFICATION_OVERDUE = "case.verification_overdue", _("核查超时")
    CASE_REVISIT_OVERDUE = "case.revisit_overdue", _("回访超时")
    CASE_EXPLANATION_REQUESTED = "case.explanation_requested", _("交办超期，请解释回访")
    CASE_EXPLANATION_OVERDUE = "case.explanation_overdue", _("解释回访超时")
    CASE_WARTIME_RAISED = "case.wartime_raised", _("战时提级管理")
    CASE_TEAM_SENT = "case.team_sent", _("派驻支援工作队")
    CASE_TEAM_RELEASED = "case.team_released", _("支援工作队撤回")
    ASSIGNMENT_CREATED = "assignment.created", _("交办")
    ASSIGNMENT_ACKNOWLEDGED = "assignment.acknowledged", _("签收")
    ASSIGNMENT_ACKNOWLEDGEMENT_OVERDUE = "assignment.acknowledgement_overdue", _("签收超时")
    ASSIGNMENT_PROGRESS_REPORTED = "assignment.progress_reported", _("报告进度")
    ASSIGNMENT_PROGRESS_REQUESTED = "assignment.progress_requested", _("督办：请报告进度")
    ASSIGNMENT_REPORTED_BACK = "assignment.reported_back", _("反馈办理结果")
    ASSIGNMENT_EXTENSION_REQUESTED = "assignment.extension_requested", _("申请延期")
    ASSIGNMENT_EXTENSION_APPROVED = "assignment.extension_approved", _("批准延期")
    ASSIGNMENT_EXTENSION_REFUSED = "assignment.extension_refused", _("不批准延期")
    ASSIGNMENT_DECLINED = "assignment.declined", _("部门申请退回（非本单位职责）")
    ASSIGNMENT_DECLINE_ACCEPTED = "assignment.decline_accepted", _("同意退回，重新派单")
    ASSIGNMENT_DECLINE_REFUSED = "assignment.decline_refused", _("不同意退回，继续办理")
    ASSIGNMENT_RETURNED_FOR_REWORK = "assignment.returned_for_rework", _("退回重办")
    ASSIGNMENT_REMINDED = "assignment.reminded", _("催办")
    ASSIGNMENT_SUPERVISED = "assignment.supervised", _("督办")
    ASSIGNMENT_REASSIGNED = "assignment.reassigned", _("改派")
    ASSIGNMENT_OVERDUE = "assignment.overdue", _("办理超期")
    ASSIGNMENT_ESCALATED = "assignment.escalated", _("超期督办升级")
    DEPARTMENT_WORK_LETTER_ISSUED = "department.work_letter_issued", _("发出工作提示函")
    SUMMONS_REQUESTED = "summons.requested", _("申请召集（吹哨）")
    SUMMONS_APPROVED = "summons.approved", _("批准召集")
    SUMMONS_REFUSED = "summons.refused", _("不予召集")
    SUMMONS_DEPARTMENT_ACKNOWLEDGED = "summons.department_acknowledged", _("部门确认召集")
    SUMMONS_DEPARTMENT_REPORTED_IN = "summons.department_reported_in", _("部门到场报到")
    SUMMONS_DEPARTMENT_REPORTED_REMOTE = "summons.department_reported_remote", _("部门远程报到（未到中心，不计报到）")
    SUMMONS_OVERDUE = "summons.overdue", _("召集报到超时")
    SUMMONS_VOICE_CALLED = "summons.voice_called", _("召集超时语音呼叫")
    SUMMONS_VOICE_ACKNOWLEDGED = "summons.voice_acknowledged", _("语音呼叫按键确认知悉")
    SUMMONS_CLOSED = "summons.closed", _("召集结束")
