"""Warning letters: 工作提示函 and 风险预警函, numbered per year, answered within a deadline.

This is the one letter model of the system. The deadline sweep's automatic 工作提示函 (a department's
overdue count reaching the policy's threshold in a month, `dispatch.WorkReminderLetter`) stays the
sweep's record of that trigger; the radar turns each such record into a `WarningLetter` (source
`overdue_count`, `trigger_record` one-to-one), so every letter — from a matter, a signal, the
assessment or the threshold — is numbered, printed, answered and counted the same way.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from command.choices import LETTER_NUMBER_WORD, LetterKind, LetterSource, LetterStatus


class LetterSequence(models.Model):
    """The last number of a district's letters of one kind in a year; numbers are never reused."""

    center = models.ForeignKey("governance.Center", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LetterKind.choices)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "review_lettersequence"  # the name it had in review
        constraints = [models.UniqueConstraint(fields=["center", "kind", "year"], name="letter_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.center_id}/{self.kind}/{self.year}: {self.last_value}"


class WarningLetter(models.Model):
    # The department and the signal are read through an index that starts with them
    # (`warning_letter_department`, the one letter per signal): no index of their own (issue 25's index audit).
    center = models.ForeignKey("governance.Center", verbose_name=_("发函中心"), on_delete=models.PROTECT,
                               related_name="warning_letters")
    kind = models.CharField(_("函件类型"), max_length=20, choices=LetterKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("序号"))
    department = models.ForeignKey("governance.Department", verbose_name=_("收函单位"), on_delete=models.PROTECT,
                                   related_name="warning_letters", db_index=False)
    subject = models.CharField(_("事由"), max_length=200)
    body = models.TextField(_("正文"))
    requirements = models.TextField(_("工作要求"), blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=LetterSource.choices)
    case = models.ForeignKey("intake.Case", verbose_name=_("事项"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="warning_letters")
    signal = models.ForeignKey("command.RiskSignal", verbose_name=_("研判信号"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="letters", db_index=False)
    trigger_record = models.OneToOneField("dispatch.WorkReminderLetter", verbose_name=_("超期阈值记录"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="letter")
    assessment_month = models.DateField(_("考核月份"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=LetterStatus.choices, default=LetterStatus.ISSUED)
    answer_limit_working_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("发函时间"))
    answer_due_at = models.DateTimeField(_("答复期限"))
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("答复内容"), blank=True)
    answered_late = models.BooleanField(_("逾期答复"), null=True, blank=True)

    class Meta:
        db_table = "review_warningletter"  # the name it had in review
        verbose_name = _("提示函/预警函")
        verbose_name_plural = _("提示函/预警函")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["center", "kind", "year", "number"], name="warning_letter_number_unique"),
            # A radar signal is turned into one letter (twenty tabs pressing 转为预警函 issue one).
            models.UniqueConstraint(fields=["signal"], condition=models.Q(signal__isnull=False),
                                    name="warning_letter_one_per_signal"),
        ]
        indexes = [
            models.Index(fields=["department", "issued_at"], name="warning_letter_department"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The printed number: 〔2026〕预警 3 号."""
        return f"〔{self.year}〕{LETTER_NUMBER_WORD.get(self.kind, '')}{self.number}号"
