"""The monthly work report (工作专报): the duty director's commentary and the generated files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已签发")

    class Export(models.TextChoices):
        IDLE = "idle", _("未生成")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已生成")
        FAILED = "failed", _("生成失败")

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="work_reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    commentary = models.TextField(_("轮值主任意见"), blank=True)
    commentary_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撰写人"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    export_status = models.CharField(_("导出状态"), max_length=10, choices=Export.choices, default=Export.IDLE)
    export_progress = models.PositiveSmallIntegerField(_("导出进度（%）"), default=0)
    export_token = models.CharField(max_length=36, blank=True)
    export_error = models.CharField(max_length=300, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="review/reports/", blank=True)
    xlsx = models.FileField(_("Excel"), upload_to="review/reports/", blank=True)
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作专报")
        verbose_name_plural = _("工作专报")
        ordering = ["center", "-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["center", "year", "month"], name="work_report_one_per_month")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.center}"
