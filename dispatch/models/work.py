"""Routing, deadline policies, assignments, verification/revisit, summons and the deadline engine.

Every deadline is a column; every reminder, overdue mark and escalation is a `DeadlineStep` row
with `fired_at`: the sweep claims a step with a conditional update, so each fires exactly once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.choices import Complexity, HandlingMode, OperatingMode

__all__ = [
    "OPEN_ASSIGNMENT_STATUSES",
    "WORKING_STATUSES",
    "Assignment",
    "AssignmentReport",
    "AssignmentRole",
    "AssignmentStatus",
    "AuditAlarm",
    "DeadlinePolicy",
    "DeadlineStep",
    "EscalationTarget",
    "ExplanationCall",
    "ExtensionRequest",
    "ExtensionStatus",
    "LimitUnit",
    "ResolvedAnswer",
    "Revisit",
    "RoutingRule",
    "Satisfaction",
    "StepKind",
    "Summons",
    "SummonsDepartment",
    "SummonsStatus",
    "SweepRun",
    "Verification",
    "WorkReminderLetter",
]


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
    COMMANDER = "commander", _("指挥长")


class RoutingRule(models.Model):
    """Editable routing: a category goes to a department; a town (or any grid) goes to its territory."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE,
                               related_name="routing_rules")
    category = models.ForeignKey("intake.Category", verbose_name=_("事项类别"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="routing_rules")
    grid = models.ForeignKey("governance.Grid", verbose_name=_("网格/镇"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="routing_rules")
    department = models.ForeignKey("governance.Department", verbose_name=_("部门"), on_delete=models.CASCADE,
                                   related_name="routing_rules")
    role = models.CharField(_("建议角色"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.LEAD)
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100, help_text=_("数值小者优先。"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分拨规则")
        verbose_name_plural = _("分拨规则")
        ordering = ["center", "priority", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(category__isnull=False) | models.Q(grid__isnull=False),
                                   name="routing_rule_has_category_or_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.category or self.grid} → {self.department}"


class DeadlinePolicy(models.Model):
    """Limits for new assignments; the most specific active row wins (category, mode, complexity).

    Copied onto each assignment when it starts, so later edits never move running deadlines.
    """

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE,
                               related_name="deadline_policies")
    name = models.CharField(_("名称"), max_length=100)
    category = models.ForeignKey("intake.Category", verbose_name=_("事项类别"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+", help_text=_("留空适用于所有类别。"))
    handling_mode = models.CharField(_("办理方式"), max_length=12, choices=HandlingMode.choices, blank=True)
    complexity = models.CharField(_("复杂程度"), max_length=10, choices=Complexity.choices, blank=True)
    operating_mode = models.CharField(_("平战状态"), max_length=10, choices=OperatingMode.choices,
                                      default=OperatingMode.NORMAL)
    ack_amount = models.PositiveIntegerField(_("签收时限"), default=2)
    ack_unit = models.CharField(_("签收时限单位"), max_length=20, choices=LimitUnit.choices,
                                default=LimitUnit.WORKING_HOURS)
    handle_amount = models.PositiveIntegerField(_("办理时限"), default=7)
    handle_unit = models.CharField(_("办理时限单位"), max_length=20, choices=LimitUnit.choices,
                                   default=LimitUnit.WORKING_DAYS)
    reminder_lead_minutes = models.JSONField(
        _("到期前提醒（分钟）"), default=list, blank=True, help_text=_("如 [1440, 120]：到期前一天、两小时各提醒一次。"))
    escalation_chain = models.JSONField(
        _("超期升级链"), default=list, blank=True,
        help_text=_('如 [{"after_minutes": 0, "to": "liaison"}, {"after_minutes": 240, "to": "leader_in_charge"}]'))
    progress_every_working_days = models.PositiveSmallIntegerField(
        _("督办进度报告间隔（工作日）"), null=True, blank=True)
    rework_amount = models.PositiveIntegerField(_("重办时限"), default=3)
    rework_unit = models.CharField(_("重办时限单位"), max_length=20, choices=LimitUnit.choices,
                                   default=LimitUnit.WORKING_DAYS)
    letter_after_overdue = models.PositiveSmallIntegerField(
        _("当月超期几次发工作提示函"), default=3)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("办理时限设置")
        verbose_name_plural = _("办理时限设置")
        ordering = ["center", "operating_mode", "name"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """One department's part of a matter, with its own clock and reply."""

    case = models.ForeignKey("intake.Case", verbose_name=_("事项"), on_delete=models.PROTECT,
                             related_name="assignments")
    center = models.ForeignKey("governance.Center", verbose_name=_("交办中心"), on_delete=models.PROTECT,
                               related_name="assignments")
    department = models.ForeignKey("governance.Department", verbose_name=_("承办部门"), on_delete=models.PROTECT,
                                   related_name="assignments")
    mode = models.CharField(_("办理方式"), max_length=12, choices=HandlingMode.choices)
    role = models.CharField(_("角色"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.SOLE)
    lead = models.ForeignKey("self", verbose_name=_("牵头交办"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="co_parts")
    previous = models.ForeignKey("self", verbose_name=_("改派自"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    status = models.CharField(_("状态"), max_length=14, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED, db_index=True)
    status_before_decline = models.CharField(max_length=14, blank=True)
    instructions = models.TextField(_("交办意见"), blank=True)
    part = models.TextField(_("分工"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("交办人"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    duty_director = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("当班轮值主任"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(_("交办时间"))
    ack_due_at = models.DateTimeField(_("签收期限"))
    due_at = models.DateTimeField(_("办理期限"), db_index=True)
    original_due_at = models.DateTimeField(_("原办理期限"))
    operating_mode = models.CharField(_("交办时平战状态"), max_length=10, choices=OperatingMode.choices,
                                      default=OperatingMode.NORMAL)
    policy = models.ForeignKey(DeadlinePolicy, verbose_name=_("时限设置"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    policy_snapshot = models.JSONField(_("时限设置（交办时）"), default=dict)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    acknowledged_late = models.BooleanField(_("超时签收"), default=False)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    report = models.TextField(_("办理结果"), blank=True)
    reported_late = models.BooleanField(_("超期反馈"), default=False)
    overdue_at = models.DateTimeField(_("标记超期时间"), null=True, blank=True)
    redo_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    supervising_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("督办领导"), null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    progress_every_working_days = models.PositiveSmallIntegerField(_("进度报告间隔（工作日）"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("最近进度报告"), null=True, blank=True)
    spent_working_minutes = models.PositiveIntegerField(
        _("已用工作时间（分钟）"), default=0, help_text=_("退回改派时记下本部门已用时间；改派后的交办继承前手累计。"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        ordering = ["-assigned_at", "-pk"]
        indexes = [
            models.Index(fields=["department", "status", "due_at"]),
            models.Index(fields=["case", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ASSIGNMENT_STATUSES


class AssignmentReport(models.Model):
    """A progress report or a report-back (the lead's merged answer in joint mode)."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("进度报告")
        REPORT_BACK = "report_back", _("办理反馈")

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attachments = models.ManyToManyField("intake.Attachment", blank=True, related_name="+")
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("办理报告")
        verbose_name_plural = _("办理报告")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.kind}"


class ExtensionRequest(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="extension_requests")
    reason = models.TextField(_("理由"))
    requested_due_at = models.DateTimeField(_("申请延至"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=10, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    old_due_at = models.DateTimeField(_("原期限"))
    new_due_at = models.DateTimeField(_("批准期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=models.Q(status="pending"),
                                    name="extension_one_pending_per_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.status}"


class Verification(models.Model):
    case = models.ForeignKey("intake.Case", on_delete=models.PROTECT, related_name="verifications")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("核查通过"))
    notes = models.TextField(_("核查情况"), blank=True)
    verified_at = models.DateTimeField(_("核查时间"))

    class Meta:
        verbose_name = _("核查")
        verbose_name_plural = _("核查")
        ordering = ["verified_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.passed}"


class Revisit(models.Model):
    """The applicant called back: two separate answers, never merged into one score."""

    case = models.ForeignKey("intake.Case", on_delete=models.PROTECT, related_name="revisits")
    revisited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved = models.CharField(_("是否解决"), max_length=10, choices=ResolvedAnswer.choices)
    satisfaction = models.CharField(_("满意度"), max_length=14, choices=Satisfaction.choices)
    notes = models.TextField(_("回访记录"), blank=True)
    revisited_at = models.DateTimeField(_("回访时间"))

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["revisited_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.resolved}/{self.satisfaction}"


class ExplanationCall(models.Model):
    """A call explaining to the applicant why the matter cannot be finished in time (seed 000 二(二))."""

    case = models.ForeignKey("intake.Case", on_delete=models.PROTECT, related_name="explanation_calls")
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("解释内容"))
    called_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("解释回访")
        verbose_name_plural = _("解释回访")
        ordering = ["called_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.called_at:%Y-%m-%d}"


class Summons(models.Model):
    center = models.ForeignKey("governance.Center", on_delete=models.PROTECT, related_name="summonses")
    case = models.ForeignKey("intake.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="summonses")
    reason = models.TextField(_("召集事由"))
    status = models.CharField(_("状态"), max_length=10, choices=SummonsStatus.choices,
                              default=SummonsStatus.REQUESTED, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    report_in_minutes = models.PositiveSmallIntegerField(_("报到时限（分钟）"), null=True, blank=True)
    report_in_due_at = models.DateTimeField(_("报到截止"), null=True, blank=True)
    operating_mode = models.CharField(max_length=10, choices=OperatingMode.choices, default=OperatingMode.NORMAL)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("召集")
        verbose_name_plural = _("召集")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"召集 {self.pk} {self.get_status_display()}"


class SummonsDepartment(models.Model):
    summons = models.ForeignKey(Summons, on_delete=models.CASCADE, related_name="departments")
    department = models.ForeignKey("governance.Department", on_delete=models.PROTECT, related_name="summonses")
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    reported_in_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    reported_in_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报到人员"), null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    reported_in_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                on_delete=models.PROTECT, related_name="+")
    minutes_late = models.PositiveIntegerField(_("迟到分钟数"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("超时升级时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("召集部门")
        verbose_name_plural = _("召集部门")
        constraints = [models.UniqueConstraint(fields=["summons", "department"], name="summons_department_unique")]

    def __str__(self) -> str:
        return f"{self.summons_id} {self.department}"


class DeadlineStep(models.Model):
    """One thing the deadline engine must do at `due_at`, exactly once.

    The sweep claims due rows with `UPDATE ... WHERE fired_at IS NULL` and a claim token; only the
    rows it claimed are acted on, so two sweeps at once cannot both fire a step.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=StepKind.choices)
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="steps")
    summons_department = models.ForeignKey(SummonsDepartment, null=True, blank=True, on_delete=models.CASCADE,
                                           related_name="steps")
    level = models.PositiveSmallIntegerField(_("级别"), default=0)
    targets = models.JSONField(_("通知对象"), default=list)
    due_at = models.DateTimeField(_("到期时间"))
    fired_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("时限节点")
        verbose_name_plural = _("时限节点")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(fired_at__isnull=True, cancelled_at__isnull=True),
                         name="deadline_step_pending"),
            models.Index(fields=["claim"], condition=~models.Q(claim=""), name="deadline_step_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.due_at:%Y-%m-%d %H:%M}"


class WorkReminderLetter(models.Model):
    """工作提示函: issued once per department and month when its overdue count reaches the threshold."""

    department = models.ForeignKey("governance.Department", on_delete=models.PROTECT, related_name="work_letters")
    month = models.DateField(_("月份"))
    overdue_count = models.PositiveIntegerField(_("当月超期次数"))
    trigger = models.ForeignKey(Assignment, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("发出时间"))

    class Meta:
        verbose_name = _("工作提示函")
        verbose_name_plural = _("工作提示函")
        constraints = [models.UniqueConstraint(fields=["department", "month"], name="work_letter_once_per_month")]

    def __str__(self) -> str:
        return f"{self.department} {self.month:%Y-%m}"


class SweepRun(models.Model):
    """One run of the deadline sweep, for the auditor and the status page."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    fired = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"sweep {self.started_at:%H:%M:%S} fired={self.fired}"


class AuditAlarm(models.Model):
    """Raised by the auditor when steps fell due and did not fire; resolved when they have."""

    kind = models.CharField(max_length=40, default="deadline_steps_unfired")
    message = models.CharField(max_length=300)
    missed = models.PositiveIntegerField(default=0)
    raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("时限督办告警")
        verbose_name_plural = _("时限督办告警")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=models.Q(resolved_at__isnull=True),
                                    name="audit_alarm_one_open_per_kind"),
        ]

    def __str__(self) -> str:
        return self.message
