"""Normal/wartime mode (平战转换): every switch is a new row; rows are never changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import (
    NORMAL_DISPATCH_MINUTES,
    NORMAL_LIMIT_PERCENT,
    NORMAL_REPORT_IN_MINUTES,
    NORMAL_SEND_ON_MINUTES,
    ResponseLevel,
)
from governance.append_only import AppendOnlyModel
from intake.choices import OperatingMode


class Mode(AppendOnlyModel):
    """The center's mode from `switched_at` on, with the limits that apply while it lasts; append-only:
    every switch is a new row.

    `seq` counts the switches of a center; the unique (center, seq) pair is the guard that makes
    two concurrent identical switches end with one row.
    """

    center = models.ForeignKey(
        "governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE, related_name="modes"
    )
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("状态"), max_length=10, choices=OperatingMode.choices)
    level = models.PositiveSmallIntegerField(
        _("响应等级"), choices=ResponseLevel.choices, null=True, blank=True
    )
    reason = models.CharField(_("原因"), max_length=300)
    switched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    switched_at = models.DateTimeField(_("转换时间"))
    summons_report_in_minutes = models.PositiveSmallIntegerField(
        _("召集报到时限（分钟）"), default=NORMAL_REPORT_IN_MINUTES
    )
    assignment_limit_percent = models.PositiveSmallIntegerField(
        _("新交办事项办理时限（占平时的百分比）"), default=NORMAL_LIMIT_PERCENT
    )

    # 马上受理: the first receiver sends a registered matter on, the duty director dispatches a waiting
    # one, within these minutes (copied onto each clock's steps when it starts).
    send_on_minutes = models.PositiveSmallIntegerField(_("登记后移送时限（分钟）"), default=NORMAL_SEND_ON_MINUTES)
    dispatch_minutes = models.PositiveSmallIntegerField(_("待调度派单时限（分钟）"), default=NORMAL_DISPATCH_MINUTES)

    class Meta:
        verbose_name = _("平战转换记录")
        verbose_name_plural = _("平战转换记录")
        ordering = ["center", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["center", "seq"], name="mode_seq_unique_per_center"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=OperatingMode.NORMAL, level__isnull=True)
                    | models.Q(kind=OperatingMode.WARTIME, level__isnull=False)
                ),
                name="mode_level_only_in_wartime",
            ),
        ]

    def __str__(self) -> str:
        if self.is_wartime:
            return f"{self.get_kind_display()}（{self.get_level_display()}）"
        return str(self.get_kind_display())

    @property
    def is_wartime(self) -> bool:
        return self.kind == OperatingMode.WARTIME
