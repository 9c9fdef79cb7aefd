"""The dashboard's monthly intake counts, refreshed in the background (a summary table)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IntakeMonth(models.Model):
    """Matters registered in one month (and how many of them are closed), for a district (town empty)
    or one of its towns, as counted at `refreshed_at`."""

    district = models.ForeignKey("governance.Center", on_delete=models.CASCADE, related_name="+")
    town = models.ForeignKey("governance.Grid", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份（首日）"))
    registered = models.PositiveIntegerField(_("受理"))
    closed = models.PositiveIntegerField(_("其中已办结"))
    refreshed_at = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("月度受理统计")
        verbose_name_plural = _("月度受理统计")
        indexes = [models.Index(fields=["district", "town", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.registered}"
