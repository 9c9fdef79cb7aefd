"""The deadline engine's rows. Every deadline is a column; every reminder, overdue mark and
escalation is a `DeadlineStep` with `fired_at`: the sweep claims a step with a conditional update,
so each fires exactly once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    StepKind,
)
from dispatch.models.assignment import Assignment
from dispatch.models.summons import SummonsDepartment


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
    # Deadlines of other apps (a warning letter's answer, a consultation's action item): the app
    # registers a handler for its `subject_type` (dispatch.services.subjects) and the sweep hands it
    # the claimed steps, so one engine fires every deadline of the center.
    subject_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    subject_id = models.PositiveBigIntegerField(_("对象编号"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("级别"), default=0)
    targets = models.JSONField(_("通知对象"), default=list)
    due_at = models.DateTimeField(_("到期时间"))
    fired_at = models.DateTimeField(_("执行时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, blank=True)
    # How late the sweep acted (the moment it claimed the step minus `due_at`): the status page
    # shows the day's worst, the measure of "every deadline fires within a minute".
    lag = models.DurationField(_("执行延迟"), null=True, blank=True)
    # Messages written with the fired mark (same transaction): the auditor checks they all exist.
    message_count = models.PositiveIntegerField(_("消息数"), default=0)

    class Meta:
        verbose_name = _("时限节点")
        verbose_name_plural = _("时限节点")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(fired_at__isnull=True, cancelled_at__isnull=True),
                         name="deadline_step_pending"),
            models.Index(fields=["claim"], condition=~models.Q(claim=""), name="deadline_step_claim"),
            models.Index(fields=["fired_at"], condition=models.Q(fired_at__isnull=False), name="deadline_step_fired"),
            # A subject's steps, and a page's matters' clocks (`subject_id IN` the page's 20, of five
            # types): led by the type, PostgreSQL read every step of the five types and filtered them
            # by matter (114,000 rows, 85 ms at 2M), so the id leads.
            models.Index(fields=["subject_id", "subject_type"], condition=~models.Q(subject_type=""),
                         name="deadline_step_subject"),
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
    """One run of the deadline sweep, for the auditor and the status page. A run whose process
    died stays "running" until the auditor closes it as failed."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        FINISHED = "finished", _("已完成")
        FAILED = "failed", _("失败")

    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    fired = models.PositiveIntegerField(_("已执行"), default=0)
    skipped = models.PositiveIntegerField(_("已跳过"), default=0)
    batches = models.PositiveIntegerField(default=0)
    # The time the run fired its steps at (their `fired_at`) and the longest a step waited past its time
    # (the largest `lag`): the status page's figures of the day, read from these rows, not from the steps.
    fired_at = models.DateTimeField(_("执行时点"), null=True, blank=True)
    worst_lag = models.DurationField(_("最大延迟"), null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("时限巡检记录")
        verbose_name_plural = _("时限巡检记录")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at"], condition=models.Q(status="running"),
                                name="sweep_run_running"),
                   # The day's runs (`deadline_lag_today`, on every /healthz): a run every 15 s, a week kept.
                   models.Index(fields=["fired_at"], name="sweep_run_fired")]

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
