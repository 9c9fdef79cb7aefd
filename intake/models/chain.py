"""The results of the timeline's hash-chain verification (intake/chain.py), for the status page."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimelineCheck(models.Model):
    """One run of the verifier over every matter's timeline, and the first broken link of each
    broken matter (`breaks`: the first 100, each with the matter's code)."""

    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("结束时间"))
    matters = models.PositiveIntegerField(_("事项数"), default=0)
    events = models.PositiveIntegerField(_("事件数"), default=0)
    broken = models.PositiveIntegerField(_("断链事项数"), default=0)
    breaks = models.JSONField(_("断点"), default=list, blank=True)

    class Meta:
        verbose_name = _("时间线核验")
        verbose_name_plural = _("时间线核验")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.broken}"
