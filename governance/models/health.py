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


class JobLease(models.Model):
    """Who runs a long job right now (a report export, the summaries refresh, the radar): the holder
    proves it is alive with a heartbeat; a lease whose heartbeat is older than `JOB_LEASE_SECONDS`
    belonged to a worker that died and is taken over (by exactly one taker: the takeover is an UPDATE
    conditioned on the old token) or failed (governance.jobs)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    key = models.CharField(_("任务"), max_length=100, unique=True)
    token = models.CharField(_("持有者"), max_length=32, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    heartbeat_at = models.DateTimeField(_("最近心跳"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.CharField(_("失败原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("任务租约")
        verbose_name_plural = _("任务租约")
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="job_lease_state_beat")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
