"""Grid work: patrols and their photos, the collected-information ledger, and grid reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.append_only import AppendOnlyModel
from grid.choices import ItemKind, PatrolStatus


class Patrol(models.Model):
    """网格巡查: one walk of a worker through a grid, started and finished on the phone."""

    grid = models.ForeignKey("governance.Grid", verbose_name=_("网格"), on_delete=models.PROTECT,
                             related_name="patrols")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("网格员"), on_delete=models.PROTECT,
                               related_name="patrols")
    status = models.CharField(_("状态"), max_length=10, choices=PatrolStatus.choices, default=PatrolStatus.ON_PATROL)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    route_notes = models.TextField(_("巡查路线与情况"), blank=True)
    client_key = models.CharField(_("客户端幂等键"), max_length=64, unique=True, null=True, blank=True,
                                  help_text=_("手机离线时生成，重发时据此只记一次。"))

    class Meta:
        verbose_name = _("网格巡查")
        verbose_name_plural = _("网格巡查")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["grid", "-started_at"]), models.Index(fields=["worker", "status"])]

    def __str__(self) -> str:
        return f"{self.grid} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolPhoto(models.Model):
    """A photo of a patrol (uploads checked by intake's one validator)."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to="patrols/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("类型"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("巡查照片")
        verbose_name_plural = _("巡查照片")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class CollectedItem(models.Model):
    """One entry of the grid's basic-information ledger (人、地、事、物、组织、网络)."""

    grid = models.ForeignKey("governance.Grid", verbose_name=_("网格"), on_delete=models.PROTECT,
                             related_name="collected_items")
    kind = models.CharField(_("类别"), max_length=15, choices=ItemKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    details = models.TextField(_("情况"), blank=True)
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    residents = models.PositiveIntegerField(_("人数"), null=True, blank=True)
    patrol = models.ForeignKey(Patrol, verbose_name=_("采集于巡查"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("采集人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("采集时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("采集信息")
        verbose_name_plural = _("采集信息")
        ordering = ["grid", "kind", "name"]
        indexes = [models.Index(fields=["grid", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class CollectedItemChange(AppendOnlyModel):
    """Who changed what in the ledger, and when (old and new values per field); append-only."""

    item = models.ForeignKey(CollectedItem, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                              related_name="+")
    patrol = models.ForeignKey(Patrol, null=True, blank=True, on_delete=models.SET_NULL, related_name="item_changes")
    changes = models.JSONField(_("变更"), default=dict)
    changed_at = models.DateTimeField(_("变更时间"))

    class Meta:
        verbose_name = _("采集信息变更")
        verbose_name_plural = _("采集信息变更")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.changed_at:%Y-%m-%d %H:%M}"


class GridReport(models.Model):
    """源头发现: a problem found in a grid became this matter (channel "grid report")."""

    case = models.OneToOneField("intake.Case", on_delete=models.PROTECT, related_name="grid_report")
    grid = models.ForeignKey("governance.Grid", on_delete=models.PROTECT, related_name="grid_reports")
    patrol = models.ForeignKey(Patrol, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client_key = models.CharField(_("客户端幂等键"), max_length=64, unique=True)
    reported_at = models.DateTimeField(_("上报时间"))

    class Meta:
        verbose_name = _("网格上报")
        verbose_name_plural = _("网格上报")
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} ({self.grid_id})"


class OpenCounts(models.Model):
    """A district's open matters per grid and how many of them are overdue, as the worker counted them at
    `counted_at` (`grid.services.open_counts.open_counts_refresh`, every minute): the grid tree and the
    grid pages read this row instead of counting every open matter of the district (580 ms at 874,000
    of them), also the first time after a deploy or a cache flush."""

    district = models.OneToOneField("governance.Center", verbose_name=_("所属区"), on_delete=models.CASCADE,
                                    related_name="+")
    counted_at = models.DateTimeField(_("统计时间"))
    counts = models.JSONField(_("各网格在办、超期数"), default=dict)  # {"<grid id>": [open, overdue]}

    class Meta:
        verbose_name = _("网格在办统计")
        verbose_name_plural = _("网格在办统计")

    def __str__(self) -> str:
        return f"{self.district_id} {self.counted_at:%Y-%m-%d %H:%M}"
