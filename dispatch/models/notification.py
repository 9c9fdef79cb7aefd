"""Notifications: one row per recipient and channel, with its delivery state."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import CONSOLE_GATEWAY, DeliveryStatus, NotificationChannel, ReceiptStatus

# A message outside the app that did not go (failed awaiting a retry, or abandoned), for the status page
# and each channel's failure rate; a call not placed because its person had already seen the message
# (read_at set) is no failure.
DELIVERY_FAILED = models.Q(status__in=[DeliveryStatus.FAILED, DeliveryStatus.ABANDONED], read_at__isnull=True)


class Notification(models.Model):
    """`dedupe_key` names the logical notification (e.g. ``summons:12:overdue``); with the recipient
    and the channel it is unique, so storing the same notification twice is impossible."""

    # Read through Meta.indexes' (recipient, channel, …), which start with it; nothing reads messages by
    # the type of their object (a content type goes only when its model does). Issue 25's index audit.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(
        _("类别"), max_length=60, help_text=_("如 summons.overdue、mode.wartime_declared")
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("关联对象类型"), null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    object_id = models.CharField(_("关联对象编号"), max_length=64, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    payload = models.JSONField(_("附加数据"), default=dict, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=NotificationChannel.choices, default=NotificationChannel.IN_APP)
    dedupe_key = models.CharField(_("去重键"), max_length=200)
    status = models.CharField(
        _("发送状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # The deadline step whose firing wrote this row (in the same transaction), for the auditor.
    step = models.ForeignKey("dispatch.DeadlineStep", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="notifications", verbose_name=_("时限节点"))
    # Broker priority of its delivery (0 first): summons are minutes-scale, sweep catch-up is bulk.
    priority = models.PositiveSmallIntegerField(_("优先级"), default=3)
    # Token of the delivery batch that holds the row while it sends (set-wise claim).
    claim = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.TextField(_("最近一次错误"), blank=True)
    last_attempt_at = models.DateTimeField(_("最近一次发送"), null=True, blank=True)
    # The gateway that accepted the message and its id there (Aliyun BizId, Tencent SerialNo): the
    # delivery receipt names the message by it.
    gateway = models.CharField(_("发送网关"), max_length=20, blank=True)
    gateway_message_id = models.CharField(_("网关消息编号"), max_length=64, blank=True)
    receipt = models.CharField(_("送达回执"), max_length=12, choices=ReceiptStatus.choices, blank=True)
    receipt_at = models.DateTimeField(_("回执时间"), null=True, blank=True)
    receipt_reason = models.CharField(_("回执说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    # Quiet hours: an ordinary message outside the app made at night or on a day off is held until the
    # office opens (dispatch.services.notifications.quiet_until); urgent kinds never are.
    not_before = models.DateTimeField(_("暂缓至"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "recipient", "channel"],
                name="notification_unique_per_recipient_channel",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            models.Index(fields=["status", "created_at"], name="notification_delivery"),
            models.Index(fields=["gateway", "gateway_message_id"], name="notification_gateway_id"),
            # a gateway's limits: what was sent to a person on a channel within a window
            # (dispatch.services.gateway_limits), without reading their whole history
            models.Index(fields=["recipient", "channel", "sent_at"], name="notification_recent_sends"),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def only_logged(self) -> bool:
        """"Sent" by the development backend (SMS_BACKEND or VOICE_BACKEND `console`): written to the
        server's log, never to a phone; pages must not call that 已发送."""
        return self.status == DeliveryStatus.SENT and self.gateway == CONSOLE_GATEWAY
