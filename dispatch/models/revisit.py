"""The revisit as 12345 centers run it (issue 22 item 4): each attempt that reached nobody, and the
center's ruling that a matter is 不参评 (left out of the 解决率 and 满意率) with its reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import ExclusionReason, ExclusionStatus, RevisitMethod


class RevisitAttempt(models.Model):
    """One try to reach the applicant that reached nobody (no answer, switched off, nobody home).
    Enough of them on different days let the revisit end as 无法联系."""

    case = models.ForeignKey("intake.Case", on_delete=models.PROTECT, related_name="revisit_attempts")
    attempted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("回访方式"), max_length=10, choices=RevisitMethod.choices)
    notes = models.TextField(_("情况"), blank=True)
    attempted_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("回访未联系上")
        verbose_name_plural = _("回访未联系上")
        ordering = ["attempted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.method} {self.attempted_at:%Y-%m-%d %H:%M}"


class RevisitExclusion(models.Model):
    """The center rules a matter 不参评: unreachable (after the year's attempts on different days),
    a duplicate of another matter (named), or an unreasonable demand, which the commander (or a deputy
    commander) confirms, never the person who proposed it. At most one in force per matter."""

    # Read through Meta.indexes' (case, status); nothing reads the exclusions by the matter they name as the
    # original, and matters are never deleted (issue 25's index audit).
    case = models.ForeignKey("intake.Case", on_delete=models.PROTECT, related_name="revisit_exclusions",
                             db_index=False)
    reason = models.CharField(_("不参评原因"), max_length=14, choices=ExclusionReason.choices)
    duplicate_of = models.ForeignKey("intake.Case", verbose_name=_("重复于"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+", db_index=False)
    notes = models.TextField(_("说明"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"))
    status = models.CharField(_("状态"), max_length=10, choices=ExclusionStatus.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    decision_note = models.TextField(_("确认意见"), blank=True)

    class Meta:
        verbose_name = _("不参评认定")
        verbose_name_plural = _("不参评认定")
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=~models.Q(status=ExclusionStatus.REFUSED),
                                    name="revisit_exclusion_one_in_force"),
            models.CheckConstraint(
                condition=models.Q(reason=ExclusionReason.DUPLICATE, duplicate_of__isnull=False)
                | (~models.Q(reason=ExclusionReason.DUPLICATE) & models.Q(duplicate_of__isnull=True)),
                name="revisit_exclusion_duplicate_names_original"),
        ]
        indexes = [models.Index(fields=["case", "status"], name="revisit_exclusion_case_status")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason} {self.status}"
