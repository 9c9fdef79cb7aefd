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


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败（将重试）")
    ABANDONED = "abandoned", _("已放弃")


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
# The statuses in which the department is working (its handling clock runs).
WORKING_STATUSES = frozenset({AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.REWORK})


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


class SummonsStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准（报到中）")
    REFUSED = "refused", _("未批准")
    CLOSED = "closed", _("已结束")


class StepKind(models.TextChoices):
    ACK_REMINDER = "ack_reminder", _("签收提醒")
    ACK_OVERDUE = "ack_overdue", _("签收超时")
    DUE_REMINDER = "due_reminder", _("到期提醒")
    OVERDUE = "overdue", _("办理超期")
    ESCALATION = "escalation", _("超期升级")
    PROGRESS_DUE = "progress_due", _("督办进度报告")
    SUMMONS_OVERDUE = "summons_overdue", _("召集报到超时")


class EscalationTarget(models.TextChoices):
    LIAISON = "liaison", _("联络员")
    LEADER_IN_CHARGE = "leader_in_charge", _("分管领导")
    COMMANDER = Role.COMMANDER.value, Role.COMMANDER.label


class DispatchEventType(models.TextChoices):
    """Timeline events dispatch writes on a matter (registered in `DispatchConfig.ready()`)."""

    CASE_DISPATCHED = "case.dispatched", _("调度派单")
    CASE_ESCALATED = "case.escalated", _("上提")
    CASE_PUSHED_DOWN = "case.pushed_down", _("下交")
    CASE_RETURNED_TO_BOARD = "case.returned_to_board", _("退回调度台")
    CASE_VERIFIED = "case.verified", _("核查")
    CASE_VERIFICATION_FAILED = "case.verification_failed", _("核查未通过")
    CASE_REVISITED = "case.revisited", _("回访")
    CASE_REOPENED = "case.reopened", _("未解决，重新办理")
    CASE_CLOSED = "case.closed", _("办结归档")
    CASE_EXPLANATION_CALLED = "case.explanation_called", _("解释回访")
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
    SUMMONS_OVERDUE = "summons.overdue", _("召集报到超时")
    SUMMONS_CLOSED = "summons.closed", _("召集结束")
