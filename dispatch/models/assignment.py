"""Assignments to departments, their reports and extensions, and the matter's verification, revisit
and explanation calls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    BOARD_LIVE_STATUSES,
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    ExtensionStatus,
    ResolvedAnswer,
    RevisitMethod,
    RevisitOutcome,
    Satisfaction,
)
from dispatch.models.routing import DeadlinePolicy
from governance.models.fields import optional_person
from intake.choices import HandlingMode, OperatingMode


class Assignment(models.Model):
    """One department's part of a matter, with its own clock and reply."""

    # The foreign keys without an index of their own (`db_index=False`) are read through an index of
    # Meta.indexes that starts with them, or by no query (who assigned and acknowledged it, the duty
    # director, the policy, the previous assignment: a user's or a policy's delete in the admin reads the
    # table once; assignments are never deleted). Issue 25's index audit (`governance.index_uses`): every transition writes every index.
    case = models.ForeignKey("intake.Case", verbose_name=_("事项"), on_delete=models.PROTECT,
                             related_name="assignments")
    center = models.ForeignKey("governance.Center", verbose_name=_("交办中心"), on_delete=models.PROTECT,
                               related_name="assignments", db_index=False)
    department = models.ForeignKey("governance.Department", verbose_name=_("承办部门"), on_delete=models.PROTECT,
                                   related_name="assignments", db_index=False)
    mode = models.CharField(_("办理方式"), max_length=12, choices=HandlingMode.choices)
    role = models.CharField(_("角色"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.SOLE)
    lead = models.ForeignKey("self", verbose_name=_("牵头交办"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="co_parts")
    previous = models.ForeignKey("self", verbose_name=_("改派自"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", db_index=False)
    # Indexed in Meta.indexes (`assignment_status`), without the pattern twin of `db_index`.
    status = models.CharField(_("状态"), max_length=14, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED)
    status_before_decline = models.CharField(max_length=14, blank=True)
    instructions = models.TextField(_("交办意见"), blank=True)
    part = models.TextField(_("分工"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("交办人"), null=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    duty_director = optional_person(_("当班轮值主任"), related_name="+", db_index=False)
    assigned_at = models.DateTimeField(_("交办时间"))
    ack_due_at = models.DateTimeField(_("签收期限"))
    due_at = models.DateTimeField(_("办理期限"))
    original_due_at = models.DateTimeField(_("原办理期限"))
    operating_mode = models.CharField(_("交办时平战状态"), max_length=10, choices=OperatingMode.choices,
                                      default=OperatingMode.NORMAL)
    policy = models.ForeignKey(DeadlinePolicy, verbose_name=_("时限设置"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", db_index=False)
    policy_snapshot = models.JSONField(_("时限设置（交办时）"), default=dict)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", db_index=False)
    acknowledged_late = models.BooleanField(_("超时签收"), default=False)
    # 承办人 (seed 001 五(一), 首办责任人): named by the department when it acknowledges; reminders go to
    # the handler and the liaison, and the assessment's staff figures follow the handler. No index: the
    # staff figures read the month's cohort through `assignment_center_month`.
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+", db_index=False)
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
            # A department's assignments in deadline order (the API's list of them), and a department's
            # matters for its people (`case_ids_visible_to_department_user`: its first column and the
            # matter included, read from the index alone).
            models.Index(fields=["department", "due_at", "id"], name="assignment_department_due", include=["case"]),
            # A department's live assignments in deadline order (its inbox, 50 at a time): the page is the
            # index's first entries. Issue 25: with a LIMIT, the planner walked the plain `due_at` index
            # (dropped) past 955,000 assignments of other departments (340 ms) for a department's 51.
            models.Index(fields=["department", "due_at", "id"], name="assignment_department_live",
                         condition=models.Q(status__in=BOARD_LIVE_STATUSES)),
            # A status alone (the board's declined and unacknowledged), without the `_like` twin of a
            # CharField's db_index: nothing matches a status by prefix.
            models.Index(fields=["status"], name="assignment_status"),
            # A center's assignments of a month (the assessment's cohort).
            models.Index(fields=["center", "assigned_at"], name="assignment_center_month"),
            # A department's assignments of a month (the assessment's drill-down lists).
            models.Index(fields=["department", "assigned_at"], name="assignment_department_month"),
            # The dispatch board: a center's live assignments in the board's own order (deadline, then
            # id), so its page of 200 is the index's first 200 entries with no sort, and no plan walking
            # the plain `due_at` index past the closed assignments competes with it; counted from the
            # index alone (status included). The board's filter is this condition, exactly
            # (`dispatch.selectors.work.BOARD_LIVE_STATUSES`).
            models.Index(fields=["center", "due_at", "id"], name="assignment_board_due", include=["status"],
                         condition=models.Q(status__in=BOARD_LIVE_STATUSES)),
            # The radar's weekly "department overdue climbing" counts and the daily report's newly
            # overdue: a range of `overdue_at` (only the assignments that went overdue), with the
            # department in the index so the weekly counts are read from it alone.
            models.Index(fields=["overdue_at", "department"], name="assignment_overdue_at",
                         condition=models.Q(overdue_at__isnull=False)),
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
    needs_commander = models.BooleanField(
        _("须指挥长审批"), default=False, help_text=_("申请时已超出年度延期次数或累计天数上限。"))

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


class DeclineRequest(models.Model):
    """A return as "not ours" asked after the year's 退单时限: it waits for the duty director while the
    department's clock runs on (a return within the window stops the clock: `Assignment.status` declined)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="decline_requests")
    reason = models.TextField(_("理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    window_ends_at = models.DateTimeField(_("退单时限"))
    status = models.CharField(_("状态"), max_length=10, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("超时退回申请")
        verbose_name_plural = _("超时退回申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=models.Q(status="pending"),
                                    name="decline_one_pending_per_assignment"),
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
    method = models.CharField(_("回访方式"), max_length=10, choices=RevisitMethod.choices,
                              default=RevisitMethod.PHONE, db_default=RevisitMethod.PHONE)
    outcome = models.CharField(_("回访结果"), max_length=12, choices=RevisitOutcome.choices,
                               default=RevisitOutcome.ANSWERED, db_default=RevisitOutcome.ANSWERED)
    # The two answers, blank when the applicant could not be reached or refused to rate.
    resolved = models.CharField(_("是否解决"), max_length=10, choices=ResolvedAnswer.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=14, choices=Satisfaction.choices, blank=True)
    notes = models.TextField(_("回访记录"), blank=True)
    revisited_at = models.DateTimeField(_("回访时间"))

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["revisited_at", "pk"]

    def __str__(self) -> str:
        if not self.answered:
            return f"{self.case_id} {self.outcome}"
        return f"{self.case_id} {self.resolved}/{self.satisfaction}"

    @property
    def answered(self) -> bool:
        return self.outcome == RevisitOutcome.ANSWERED


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
