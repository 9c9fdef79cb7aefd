"""API keys of the platforms that push matters through Open311 (12345 hotline, online portal)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlatformKey(models.Model):
    """One platform's key. Only a SHA-256 hash is kept: the key is shown once, when it is created.

    `source` scopes the platform's work-order numbers (`Case.external_source`): several keys of one
    platform (a rotated key) share it, so a retried push is recognised whichever key sent it.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True, help_text=_("如：泉州市12345热线"))
    source = models.CharField(
        _("平台标识"), max_length=64, help_text=_("外部工单号的来源标识；同一平台轮换密钥时保持不变。")
    )
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("密钥前缀"), max_length=16, editable=False, help_text=_("用于辨认密钥。"))
    center = models.ForeignKey(
        "governance.Center", verbose_name=_("登记到中心"), on_delete=models.PROTECT, related_name="platform_keys"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首接责任人（系统账号）"),
        on_delete=models.PROTECT,
        related_name="platform_keys",
        help_text=_("该平台推送的事项以此账号为首接责任人。"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("平台接口密钥")
        verbose_name_plural = _("平台接口密钥")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
