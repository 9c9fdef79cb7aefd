from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a background component last proved it was alive (worker, beat)."""

    component = models.CharField(_("组件"), max_length=30, unique=True)
    last_seen = models.DateTimeField(_("最近一次"))
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")

    def __str__(self) -> str:
        return f"{self.component} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"
