"""研判专报 (seed 000 三(一)): the social-governance analysis on five themes, monthly and on demand.

Drafted from the data (the figures of each theme frozen in `data`, so what was issued does not move
with later edits), each theme's text edited by the duty director, issued by the commander."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from command.choices import AnalysisKind, AnalysisStatus, AnalysisTheme


class AnalysisReport(models.Model):
    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="analysis_reports")
    kind = models.CharField(_("类型"), max_length=10, choices=AnalysisKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    period_start = models.DateField(_("研判期间起"))
    period_end = models.DateField(_("研判期间止"))
    status = models.CharField(_("状态"), max_length=10, choices=AnalysisStatus.choices, default=AnalysisStatus.DRAFT)
    generated_at = models.DateTimeField(_("生成时间"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)

    class Meta:
        db_table = "review_analysisreport"  # the name it had in review
        verbose_name = _("研判专报")
        verbose_name_plural = _("研判专报")
        ordering = ["-period_end", "-pk"]
        constraints = [models.UniqueConstraint(fields=["center", "period_start"],
                                               condition=models.Q(kind=AnalysisKind.MONTHLY),
                                               name="analysis_monthly_once")]

    def __str__(self) -> str:
        return self.title


class AnalysisSection(models.Model):
    report = models.ForeignKey(AnalysisReport, on_delete=models.CASCADE, related_name="sections")
    theme = models.CharField(_("研判主题"), max_length=24, choices=AnalysisTheme.choices)
    position = models.PositiveSmallIntegerField(_("顺序"))
    data = models.JSONField(_("数据"), default=dict, encoder=DjangoJSONEncoder)
    drafted_text = models.TextField(_("系统初稿"))
    text = models.TextField(_("研判意见"))
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    edited_at = models.DateTimeField(_("修改时间"), null=True, blank=True)

    class Meta:
        db_table = "review_analysissection"  # the name it had in review
        verbose_name = _("研判专报主题")
        verbose_name_plural = _("研判专报主题")
        ordering = ["report", "position"]
        constraints = [models.UniqueConstraint(fields=["report", "theme"], name="analysis_section_once")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.theme}"
