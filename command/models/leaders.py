"""领导通 (seed 002 三(三)): what a leader does from the phone besides reading the dashboard.

- `Follow` (关注): a leader follows a matter he may see; its timeline's events of note reach him as
  notifications (`command.services.leaders.follow_events_notify`).
- `Instruction` (批示): a leader's instruction on a matter or on a warning letter, addressed to the
  departments handling it, each of which answers it (`InstructionDepartment`) before a deadline kept
  by the deadline engine.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("领导"), on_delete=models.CASCADE,
                             related_name="followed_matters")
    case = models.ForeignKey("intake.Case", verbose_name=_("事项"), on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(_("关注时间"))

    class Meta:
        db_table = "review_follow"  # the name it had in review
        verbose_name = _("领导关注")
        verbose_name_plural = _("领导关注")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="follow_one_per_leader_and_matter")]
        # The timeline's hook asks "who follows these matters" for every event of note.
        indexes = [models.Index(fields=["case"], name="follow_case")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.case_id}"


class Instruction(models.Model):
    """批示: on a matter (`case`) or on a warning letter (`letter`), never both."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("intake.Case", verbose_name=_("事项"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="instructions")
    letter = models.ForeignKey("command.WarningLetter", verbose_name=_("函件"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="instructions")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批示领导"), on_delete=models.PROTECT,
                               related_name="instructions_given")
    text = models.TextField(_("批示内容"))
    issued_at = models.DateTimeField(_("批示时间"))
    answer_limit_working_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"))
    answer_due_at = models.DateTimeField(_("答复期限"))

    class Meta:
        db_table = "review_instruction"  # the name it had in review
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(case__isnull=False, letter__isnull=True)
                                   | models.Q(case__isnull=True, letter__isnull=False),
                                   name="instruction_on_a_matter_or_a_letter"),
        ]
        indexes = [models.Index(fields=["leader", "issued_at"], name="instruction_leader")]

    def __str__(self) -> str:
        return f"{self.pk} {self.text[:20]}"


class InstructionDepartment(models.Model):
    """One handling department's duty to answer an instruction, and its answer."""

    instruction = models.ForeignKey(Instruction, verbose_name=_("批示"), on_delete=models.CASCADE,
                                    related_name="departments")
    department = models.ForeignKey("governance.Department", verbose_name=_("答复单位"), on_delete=models.PROTECT,
                                   related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("答复内容"), blank=True)
    answered_late = models.BooleanField(_("逾期答复"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)

    class Meta:
        db_table = "review_instructiondepartment"  # the name it had in review
        verbose_name = _("批示答复")
        verbose_name_plural = _("批示答复")
        ordering = ["instruction_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["instruction", "department"],
                                               name="instruction_department_once")]
        indexes = [models.Index(fields=["department", "answered_at"], name="instruction_department_open")]

    def __str__(self) -> str:
        return f"{self.instruction_id} → {self.department_id}"
