"""Editable routing rules and deadline policies (the policy in force is copied onto each assignment)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    AssignmentRole,
    LimitUnit,
)
from intake.choices import Complexity, HandlingMode, OperatingMode


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


class RoutingHistory(models.Model):
    """How many matters of a category each department led, per day: the statistics behind the
    board's suggestions. One upsert when a lead (or sole) assignment is created keeps it current, so
    the board adds up at most 90 days x departments rows instead of counting assignments."""

    # Read through the unique (center, category, day, department), which starts with it (issue 25's index audit).
    center = models.ForeignKey("governance.Center", on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey("intake.Category", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("governance.Department", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    assignments = models.PositiveIntegerField(_("牵头/独办交办数"), default=0)

    class Meta:
        verbose_name = _("分拨历史（按日）")
        verbose_name_plural = _("分拨历史（按日）")
        constraints = [
            models.UniqueConstraint(fields=["center", "category", "day", "department"],
                                    name="routing_history_one_row_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.category_id} → {self.department_id}: {self.assignments}"


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
