"""Who saw a full resident ID number, when, and from which page (个人信息查看留痕)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.append_only import AppendOnlyModel


class SensitiveView(AppendOnlyModel):
    """One full view of a party's ID number (or credit code); append-only: rows are never changed or
    deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT, related_name="+"
    )
    party = models.ForeignKey("intake.Party", verbose_name=_("当事人"), on_delete=models.PROTECT, related_name="+")
    # Nothing reads the views by matter, and matters are never deleted (issue 25's index audit).
    case = models.ForeignKey(
        "intake.Case", verbose_name=_("事项"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    field = models.CharField(_("字段"), max_length=20, default="id_number")
    page = models.CharField(_("页面"), max_length=300, blank=True)
    viewed_at = models.DateTimeField(_("查看时间"), db_index=True)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-viewed_at", "-id"]
        # No page reads a party's or a person's views in order (issue 25's index audit): the foreign keys'
        # own indexes serve a party's or a user's delete, `viewed_at` the admin's list.

    def __str__(self) -> str:
        return f"{self.actor_id} -> {self.party_id} @ {self.viewed_at:%Y-%m-%d %H:%M}"
