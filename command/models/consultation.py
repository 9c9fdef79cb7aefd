"""Consultations (议事会商): meetings with invitations, agenda, attendance, minutes and decisions;
each decision's action item has an owner and a deadline on the deadline engine."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from command.choices import ActionStatus, ConsultationKind, ConsultationStatus
from governance.models.fields import optional_person


class Consultation(models.Model):
    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="consultations")
    kind = models.CharField(_("会商类型"), max_length=24, choices=ConsultationKind.choices)
    title = models.CharField(_("会议名称"), max_length=200)
    scheduled_at = models.DateTimeField(_("会议时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("主持人"), on_delete=models.PROTECT,
                              related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=ConsultationStatus.choices,
                              default=ConsultationStatus.SCHEDULED)
    minutes = models.TextField(_("会议纪要"), blank=True)
    held_at = models.DateTimeField(_("召开时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("安排人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("安排时间"))
    # A standing meeting's occurrence: its number in the rhythm (0, 1, 2 … from the cadence's first date).
    cadence = models.ForeignKey("command.MeetingCadence", verbose_name=_("会商制度"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="occurrences")
    occurrence = models.PositiveIntegerField(_("期次"), null=True, blank=True)
    # Cancelled (scheduled → cancelled, once): by the chair or the center's director, with the reason.
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = optional_person(_("取消人"), related_name="+")
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        db_table = "review_consultation"  # the name it had in review
        verbose_name = _("议事会商")
        verbose_name_plural = _("议事会商")
        ordering = ["-scheduled_at", "-pk"]
        indexes = [models.Index(fields=["center", "kind", "-scheduled_at"], name="consultation_by_kind")]
        constraints = [models.UniqueConstraint(fields=["cadence", "occurrence"], name="consultation_occurrence_once")]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("参会人"), on_delete=models.PROTECT,
                             related_name="consultation_invitations")
    department = models.ForeignKey("governance.Department", verbose_name=_("代表单位"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(_("出席"), null=True, blank=True)

    class Meta:
        db_table = "review_invitation"  # the name it had in review
        verbose_name = _("会商邀请")
        verbose_name_plural = _("会商邀请")
        constraints = [models.UniqueConstraint(fields=["consultation", "user"], name="invitation_once")]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.user_id}"


class AgendaItem(models.Model):
    """One agenda point: a matter, a risk signal, a letter, or an open action item carried over."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    title = models.CharField(_("议题"), max_length=200)
    case = models.ForeignKey("intake.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signal = models.ForeignKey("command.RiskSignal", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="agenda_items")
    letter = models.ForeignKey("command.WarningLetter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="agenda_items")
    carried_action = models.ForeignKey("command.ActionItem", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="carried_to")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        db_table = "review_agendaitem"  # the name it had in review
        verbose_name = _("会商议题")
        verbose_name_plural = _("会商议题")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "signal"], condition=models.Q(signal__isnull=False),
                                    name="agenda_signal_once"),
            models.UniqueConstraint(fields=["consultation", "case"], condition=models.Q(case__isnull=False),
                                    name="agenda_case_once"),
            models.UniqueConstraint(fields=["consultation", "letter"], condition=models.Q(letter__isnull=False),
                                    name="agenda_letter_once"),
            models.UniqueConstraint(fields=["consultation", "carried_action"],
                                    condition=models.Q(carried_action__isnull=False), name="agenda_action_once"),
        ]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("决定事项"))
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="decisions")
    decided_at = models.DateTimeField(_("决定时间"))

    class Meta:
        db_table = "review_decision"  # the name it had in review
        verbose_name = _("会商决定")
        verbose_name_plural = _("会商决定")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:50]


class ActionItem(models.Model):
    """The work a decision gives to an owner (a department, or a person), with a deadline."""

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="action")
    owner_department = models.ForeignKey("governance.Department", verbose_name=_("责任单位"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报告人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    result = models.TextField(_("落实情况"), blank=True)

    class Meta:
        db_table = "review_actionitem"  # the name it had in review
        verbose_name = _("会商决定落实事项")
        verbose_name_plural = _("会商决定落实事项")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="action_item_open")]

    def __str__(self) -> str:
        return self.decision.text[:50]
