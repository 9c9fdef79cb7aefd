"""The append-only timeline of a matter (saleor OrderEvent, zulip RealmAuditLog)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.choices import EventSource


class AppendOnlyError(Exception):
    """Timeline rows are never updated or deleted."""


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("case events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("case events are append-only")


class CaseEvent(models.Model):
    case = models.ForeignKey("intake.Case", on_delete=models.PROTECT, related_name="events")
    type = models.CharField(_("事件"), max_length=60, db_index=True, help_text=_("如 case.registered"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=10, choices=EventSource.choices, default=EventSource.WEB)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("事项时间线")
        verbose_name_plural = _("事项时间线")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["case", "occurred_at", "id"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("case events are append-only")
