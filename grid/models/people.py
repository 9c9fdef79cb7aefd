"""Who answers for a grid: its leaders (网格长/副网格长) and the workers assigned to it, with dates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grid.choices import LeaderRole, WorkerKind


class GridLeader(models.Model):
    """A leader of a grid at any level; `user` when the leader has an account, else the name only
    (imports name leaders who never log in)."""

    grid = models.ForeignKey("governance.Grid", verbose_name=_("网格"), on_delete=models.CASCADE,
                             related_name="leaders")
    role = models.CharField(_("职务"), max_length=10, choices=LeaderRole.choices, default=LeaderRole.LEADER)
    name = models.CharField(_("姓名"), max_length=50)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="grids_led")
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("网格长")
        verbose_name_plural = _("网格长")
        ordering = ["grid", "role", "name"]
        constraints = [models.UniqueConstraint(fields=["grid", "role", "name"], name="grid_leader_unique")]

    def __str__(self) -> str:
        return f"{self.grid} {self.get_role_display()} {self.name}"


class GridAssignment(models.Model):
    """A worker covers a grid from `starts_on` to `ends_on` (inclusive; open when empty).

    Rows are never rewritten when a worker moves: the old row is ended and a new one starts, so
    "who covered this grid on that day" keeps its answer. Access follows these dates at query time
    (`grid.selectors.grids_assigned_on`): nothing is copied, so nothing goes stale.
    """

    grid = models.ForeignKey("governance.Grid", verbose_name=_("网格"), on_delete=models.PROTECT,
                             related_name="worker_assignments")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("网格员"), on_delete=models.PROTECT,
                               related_name="grid_assignments")
    kind = models.CharField(_("类别"), max_length=15, choices=WorkerKind.choices, default=WorkerKind.FULL_TIME)
    department = models.ForeignKey("governance.Department", verbose_name=_("所属部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text=_("部门网格员、战时增援力量的派出部门。"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    wartime_only = models.BooleanField(
        _("仅战时"), default=False,
        help_text=_("责任网格（微网格）的战时责任人：只在战时生效。"))
    activation = models.ForeignKey("grid.WartimeActivation", verbose_name=_("战时增援批次"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="reinforcements",
                                   help_text=_("战时增援力量：战时结束时自动释放。"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网格员配置")
        verbose_name_plural = _("网格员配置")
        ordering = ["grid", "starts_on", "pk"]
        indexes = [models.Index(fields=["worker", "ends_on"]), models.Index(fields=["grid", "starts_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__isnull=True)
                                   | models.Q(ends_on__gte=models.F("starts_on")),
                                   name="grid_assignment_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.grid} ({self.starts_on}–{self.ends_on or ''})"


class WartimeActivation(models.Model):
    """A wartime period as the grid lived it: which micro-grids were activated (to deactivate the
    same ones at the end) and who reinforced the grids."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="+")
    mode = models.OneToOneField("dispatch.Mode", verbose_name=_("战时状态"), on_delete=models.PROTECT,
                                related_name="grid_activation")
    started_at = models.DateTimeField(_("启动时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    activated_grid_ids = models.JSONField(_("启用的微网格"), default=list)

    class Meta:
        verbose_name = _("战时网格启用")
        verbose_name_plural = _("战时网格启用")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.center} {self.started_at:%Y-%m-%d %H:%M}"
