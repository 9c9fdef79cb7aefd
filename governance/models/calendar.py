"""Admin-editable calendar days that win over the official calendar package."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.choices import CalendarDayKind


class CalendarDay(models.Model):
    """A holiday or make-up working day; with a center, a local day off for that center only."""

    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("名称"), max_length=50, help_text=_("如：国庆节、春节调休上班、台风停工"))
    center = models.ForeignKey(
        "governance.Center",
        verbose_name=_("适用中心"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_days",
        help_text=_("留空表示全国（国务院办公厅公布）安排。"),
    )

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"], condition=models.Q(center__isnull=True), name="calendar_day_unique_national"
            ),
            models.UniqueConstraint(fields=["date", "center"], name="calendar_day_unique_per_center"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CalendarYear(models.Model):
    """Marks a year's official schedule as fully entered, so the missing-year warning goes away."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=200, help_text=_("如：国办发明电〔2026〕X号"))
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已录入的年度安排")
        verbose_name_plural = _("已录入的年度安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
