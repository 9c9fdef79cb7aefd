"""The accountability ladder of an overdue assignment (issue 22 item 8; seeds 004 and 000 七): each rung
issued (or skipped by the commander with a reason) once, and the referral to the 区效能办 with the
facts attached and its answer, for the department and for the named staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from review.choices import ReferralOutcome, ReferralStatus, Rung, RungStatus


class AccountabilityRung(models.Model):
    """One rung of one assignment's ladder: issued by the deadline engine when its time came, or by the
    commander skipping the rungs below it (those are recorded `skipped`, with his reason). One row per
    assignment and rung: the database refuses a second."""

    # Read through the unique (assignment, rung) and `ladder_rung_center_month`, which start with them
    # (issue 25's index audit).
    assignment = models.ForeignKey("dispatch.Assignment", verbose_name=_("交办"), on_delete=models.PROTECT,
                                   related_name="ladder_rungs", db_index=False)
    center = models.ForeignKey("governance.Center", verbose_name=_("交办中心"), on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    department = models.ForeignKey("governance.Department", verbose_name=_("承办部门"), on_delete=models.PROTECT,
                                   related_name="ladder_rungs")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    rung = models.CharField(_("环节"), max_length=20, choices=Rung.choices)
    level = models.PositiveSmallIntegerField(_("级别"))
    status = models.CharField(_("状态"), max_length=10, choices=RungStatus.choices)
    due_at = models.DateTimeField(_("应发时间"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("越级理由"), blank=True)
    days_overdue = models.PositiveIntegerField(_("超期天数"), default=0)
    letter = models.OneToOneField("command.WarningLetter", verbose_name=_("函件"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="ladder_rung")

    class Meta:
        verbose_name = _("超期问责环节")
        verbose_name_plural = _("超期问责环节")
        ordering = ["assignment", "level"]
        constraints = [models.UniqueConstraint(fields=["assignment", "rung"], name="ladder_rung_once")]
        indexes = [
            models.Index(fields=["center", "occurred_at"], name="ladder_rung_center_month"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.rung} {self.status}"


class EfficiencyReferral(models.Model):
    """移交区效能办: the facts of the ladder attached (written when referred, never edited), and the
    office's answer for the department and for each named person."""

    rung = models.OneToOneField(AccountabilityRung, verbose_name=_("问责环节"), on_delete=models.PROTECT,
                                related_name="referral")
    # Nothing reads referrals by matter, and matters are never deleted (issue 25's index audit).
    center = models.ForeignKey("governance.Center", verbose_name=_("移交中心"), on_delete=models.PROTECT,
                               related_name="+")
    department = models.ForeignKey("governance.Department", verbose_name=_("被移交部门"), on_delete=models.PROTECT,
                                   related_name="efficiency_referrals")
    case = models.ForeignKey("intake.Case", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    facts = models.TextField(_("移交事实材料"))
    status = models.CharField(_("状态"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.OPEN)
    referred_at = models.DateTimeField(_("移交时间"))
    outcome = models.CharField(_("对部门的处理"), max_length=12, choices=ReferralOutcome.choices, blank=True)
    answer = models.TextField(_("答复意见"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("移交区效能办")
        verbose_name_plural = _("移交区效能办")
        ordering = ["-referred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.department} {self.referred_at:%Y-%m-%d}"


class ReferralPerson(models.Model):
    """A named person of the referral (the 承办人, the liaison) and the office's outcome for them."""

    referral = models.ForeignKey(EfficiencyReferral, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT,
                               related_name="+")
    duty = models.CharField(_("职责"), max_length=20)
    outcome = models.CharField(_("处理"), max_length=12, choices=ReferralOutcome.choices, blank=True)

    class Meta:
        verbose_name = _("移交涉及人员")
        verbose_name_plural = _("移交涉及人员")
        ordering = ["referral", "pk"]
        constraints = [models.UniqueConstraint(fields=["referral", "person"], name="referral_person_once")]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.person_id}"
