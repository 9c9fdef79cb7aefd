"""Summons (中心吹哨、部门报到): the request, the approval, and each summoned department's report-in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import ReportInPlace, SummonsStatus
from intake.choices import OperatingMode


class Summons(models.Model):
    center = models.ForeignKey("governance.Center", on_delete=models.PROTECT, related_name="summonses")
    case = models.ForeignKey("intake.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="summonses")
    reason = models.TextField(_("召集事由"))
    status = models.CharField(_("状态"), max_length=10, choices=SummonsStatus.choices,
                              default=SummonsStatus.REQUESTED, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    report_in_minutes = models.PositiveSmallIntegerField(_("报到时限（分钟）"), null=True, blank=True)
    report_in_due_at = models.DateTimeField(_("报到截止"), null=True, blank=True)
    operating_mode = models.CharField(max_length=10, choices=OperatingMode.choices, default=OperatingMode.NORMAL)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("召集")
        verbose_name_plural = _("召集")
        ordering = ["-requested_at"]
        constraints = [
            # A matter has at most one summons awaiting approval (twenty tabs or a retried API call
            # request it once).
            models.UniqueConstraint(fields=["case"], condition=models.Q(status=SummonsStatus.REQUESTED, case__isnull=False),
                                    name="summons_one_pending_per_case"),
        ]

    def __str__(self) -> str:
        return f"召集 {self.pk} {self.get_status_display()}"


class SummonsDepartment(models.Model):
    # Read through the unique (summons, department), which starts with it (issue 25's index audit).
    summons = models.ForeignKey(Summons, on_delete=models.CASCADE, related_name="departments", db_index=False)
    department = models.ForeignKey("governance.Department", on_delete=models.PROTECT, related_name="summonses")
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    reported_in_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    reported_in_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报到人员"), null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    reported_in_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                on_delete=models.PROTECT, related_name="+")
    reported_in_place = models.CharField(_("报到方式"), max_length=20, choices=ReportInPlace.choices, blank=True)
    minutes_late = models.PositiveIntegerField(_("迟到分钟数"), null=True, blank=True)
    # A check-in made away from the center (no code, nobody of the center saw them): recorded, not counted.
    remote_at = models.DateTimeField(_("远程报到时间"), null=True, blank=True)
    remote_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("远程报到人员"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField(_("超时升级时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("召集部门")
        verbose_name_plural = _("召集部门")
        constraints = [models.UniqueConstraint(fields=["summons", "department"], name="summons_department_unique")]

    def __str__(self) -> str:
        return f"{self.summons_id} {self.department}"

    # The outbox keys of the department's messages (`Notification.dedupe_key`): the call-up, and the
    # escalation when it is late (with the voice calls that follow it).
    @property
    def call_up_key(self) -> str:
        return f"summons:{self.summons_id}:department:{self.department_id}:called"

    @property
    def escalation_key(self) -> str:
        return f"summons:{self.summons_id}:department:{self.department_id}:overdue"
