"""The daily report of key disputes (矛盾纠纷日报), one per center and working day."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from command.choices import DailyReportStatus


class DailyReport(models.Model):
    """Generated from the data (sections frozen in `content` so later edits do not rewrite what was
    issued), reviewed and issued by the duty director."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="daily_reports")
    date = models.DateField(_("日期"))
    period_start = models.DateTimeField(_("统计起"))
    period_end = models.DateTimeField(_("统计止"))
    content = models.JSONField(_("内容"), default=dict, encoder=DjangoJSONEncoder)
    nothing_to_report = models.BooleanField(_("无重点事项"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=DailyReportStatus.choices,
                              default=DailyReportStatus.DRAFT)
    generated_at = models.DateTimeField(_("生成时间"))
    director_note = models.TextField(_("值班主任审核意见"), blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)

    class Meta:
        db_table = "review_dailyreport"  # the name it had in review
        verbose_name = _("矛盾纠纷日报")
        verbose_name_plural = _("矛盾纠纷日报")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["center", "date"], name="daily_report_once_per_day")]

    def __str__(self) -> str:
        return f"{self.center_id} {self.date}"
