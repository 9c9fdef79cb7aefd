"""情况报告 (seed 003 情况报告制度): a major case, sudden event or emergency is reported upward at
once (首报) and followed by 续报 until it ends with the 终报. One report, numbered per reporting center
and year, with its entries in order; the follow-up interval is copied onto the row when it is filed,
so a later change of policy does not rewrite when a follow-up was due."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from command.choices import UrgentEntryKind, UrgentReportStatus


def urgent_reference(year: int, number: int) -> str:
    """The printed number: 〔2026〕情况报告 3 号."""
    return f"〔{year}〕情况报告{number}号"


class UrgentReport(models.Model):
    center = models.ForeignKey("governance.Center", verbose_name=_("报告单位"), on_delete=models.PROTECT,
                               related_name="urgent_reports")
    # The district center it is reported to (itself for the district center's own reports).
    to_center = models.ForeignKey("governance.Center", verbose_name=_("报送中心"), on_delete=models.PROTECT,
                                  related_name="urgent_reports_received")
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("序号"))
    case = models.ForeignKey("intake.Case", verbose_name=_("事项"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="urgent_reports")
    title = models.CharField(_("事件名称"), max_length=200)
    occurred_at = models.DateTimeField(_("发生时间"))
    place = models.CharField(_("发生地点"), max_length=200)
    interval_minutes = models.PositiveSmallIntegerField(_("续报间隔（分钟）"))
    escalate_after_minutes = models.PositiveSmallIntegerField(_("逾期报告指挥长（分钟）"))
    status = models.CharField(_("状态"), max_length=10, choices=UrgentReportStatus.choices,
                              default=UrgentReportStatus.OPEN)
    last_sequence = models.PositiveSmallIntegerField(_("最新报次"), default=0)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("首报人"), on_delete=models.PROTECT,
                                  related_name="+")
    opened_at = models.DateTimeField(_("首报时间"))
    next_due_at = models.DateTimeField(_("下次续报时间"), null=True, blank=True)
    late_since = models.DateTimeField(_("续报逾期时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("报告指挥长时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("终报时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("终报人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "review_urgentreport"  # the name it had in review
        verbose_name = _("情况报告")
        verbose_name_plural = _("情况报告")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["center", "year", "number"], name="urgent_report_number_unique"),
        ]
        indexes = [
            models.Index(fields=["center", "status", "opened_at"], name="urgent_report_center"),
            models.Index(fields=["to_center", "status", "opened_at"], name="urgent_report_to_center"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return urgent_reference(self.year, self.number)


class UrgentReportEntry(models.Model):
    """One report of the series: the facts at hand when it was sent (首报, 续报 n, 终报)."""

    report = models.ForeignKey(UrgentReport, verbose_name=_("情况报告"), on_delete=models.PROTECT,
                               related_name="entries")
    sequence = models.PositiveSmallIntegerField(_("报次"))  # 0 the 首报, 1.. the 续报 and the 终报
    kind = models.CharField(_("类型"), max_length=10, choices=UrgentEntryKind.choices)
    what_happened = models.TextField(_("事件情况"))
    casualties = models.TextField(_("伤亡及影响范围"), blank=True)
    measures = models.TextField(_("已采取的措施"), blank=True)
    next_steps = models.TextField(_("下一步工作"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField(_("报告时间"))
    due_at = models.DateTimeField(_("应报时间"), null=True, blank=True)
    late = models.BooleanField(_("逾期"), default=False)

    class Meta:
        db_table = "review_urgentreportentry"  # the name it had in review
        verbose_name = _("情况报告（报次）")
        verbose_name_plural = _("情况报告（报次）")
        ordering = ["report", "sequence"]
        constraints = [models.UniqueConstraint(fields=["report", "sequence"], name="urgent_entry_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.report_id} #{self.sequence}"

    @property
    def label(self) -> str:
        """首报 / 续报（第 n 次）/ 终报."""
        if self.kind == UrgentEntryKind.FOLLOW_UP:
            return gettext("续报（第%(n)s次）") % {"n": self.sequence}
        return str(self.get_kind_display())
