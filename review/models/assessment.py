"""The monthly assessment: the scoring scheme of a year and the published (frozen) versions of a month."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import LimitUnit
from governance.append_only import AppendOnlyModel

LADDER = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))]
# The ladder's offsets in rung order (command.choices.RUNG_ORDER).
LADDER_FIELDS = ("ladder_reminder_after", "ladder_notice_after", "ladder_work_letter_after",
                 "ladder_warning_letter_after", "ladder_criticism_after", "ladder_referral_after")
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
POINTS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class AssessmentScheme(models.Model):
    """How a center scores its departments in one year. The defaults are an example to adjust,
    not a rule: the three weights 30/35/35, the deductions and thresholds are the administrator's."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE,
                               related_name="assessment_schemes")
    year = models.PositiveSmallIntegerField(_("年度"))
    weight_response = models.DecimalField(_("响应率权重"), max_digits=5, decimal_places=2, default=Decimal(30),
                                          validators=POINTS)
    weight_resolution = models.DecimalField(_("解决率权重"), max_digits=5, decimal_places=2, default=Decimal(35),
                                            validators=POINTS)
    weight_satisfaction = models.DecimalField(_("满意率权重"), max_digits=5, decimal_places=2, default=Decimal(35),
                                              validators=POINTS)
    threshold_response = models.DecimalField(
        _("响应率门槛（%）"), max_digits=5, decimal_places=2, default=Decimal(60), validators=PERCENT,
        help_text=_("低于门槛时该项得分为零。"))
    threshold_resolution = models.DecimalField(_("解决率门槛（%）"), max_digits=5, decimal_places=2,
                                               default=Decimal(60), validators=PERCENT)
    threshold_satisfaction = models.DecimalField(_("满意率门槛（%）"), max_digits=5, decimal_places=2,
                                                 default=Decimal(60), validators=PERCENT)
    deduct_ack_late = models.DecimalField(_("每件超时签收扣分"), max_digits=5, decimal_places=2,
                                          default=Decimal("0.5"), validators=POINTS)
    deduct_overdue = models.DecimalField(_("每件超期扣分"), max_digits=5, decimal_places=2, default=Decimal(1),
                                         validators=POINTS)
    deduct_overdue_day = models.DecimalField(_("每超期工作日扣分"), max_digits=5, decimal_places=2,
                                             default=Decimal("0.2"), validators=POINTS)
    deduct_summons_late = models.DecimalField(_("每次召集迟到扣分"), max_digits=5, decimal_places=2,
                                              default=Decimal(1), validators=POINTS)
    deduct_summons_absent = models.DecimalField(_("每次召集未到扣分"), max_digits=5, decimal_places=2,
                                                default=Decimal(2), validators=POINTS)
    deduct_duty_missed = models.DecimalField(_("每次缺班扣分"), max_digits=5, decimal_places=2,
                                             default=Decimal(2), validators=POINTS)
    flag_inaction_min = models.PositiveSmallIntegerField(
        _("不作为：触发件数"), default=1, help_text=_("逾期未签收、召集未报到、退回被驳回的件数达到此数即标记。"))
    flag_slow_min = models.PositiveSmallIntegerField(
        _("慢作为：触发件数"), default=2, help_text=_("超时签收、超期、召集迟到的件数达到此数即标记。"))
    flag_wrong_min = models.PositiveSmallIntegerField(
        _("乱作为：触发件数"), default=2, help_text=_("退回重办、回访未解决重办的件数达到此数即标记。"))
    deduct_flag_inaction = models.DecimalField(
        _("不作为标记扣分"), max_digits=5, decimal_places=2, default=Decimal(5), validators=POINTS,
        help_text=_("部门本月被标记不作为时扣减的分数（种子 000 七：考核问效）。"))
    deduct_flag_slow = models.DecimalField(_("慢作为标记扣分"), max_digits=5, decimal_places=2, default=Decimal(3),
                                           validators=POINTS)
    deduct_flag_wrong = models.DecimalField(_("乱作为标记扣分"), max_digits=5, decimal_places=2, default=Decimal(5),
                                            validators=POINTS)
    # Handling limits of the year (issue 22): read by dispatch through `dispatch.hooks.handling_limits`.
    decline_window_working_hours = models.DecimalField(
        _("退单时限（工作小时）"), max_digits=5, decimal_places=2, default=Decimal(2),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(80))],
        help_text=_("交办后此时限内，部门可自行以“非本单位职责”退回（办理时限暂停，待轮值主任裁定）；超过后退回须经轮值主任批准，期间办理时限照常计算。"))
    extension_max_count = models.PositiveSmallIntegerField(
        _("每件交办最多延期次数"), default=2, validators=[MaxValueValidator(20)],
        help_text=_("在次数和天数以内的延期由轮值主任审批；超出的须由指挥长审批。"))
    extension_max_working_days = models.PositiveSmallIntegerField(
        _("每件交办累计延期上限（工作日）"), default=10, validators=[MaxValueValidator(250)])
    # The accountability ladder of an overdue assignment (issue 22 item 8): how long after its deadline
    # each rung is issued, in the unit below (working days on the center's calendar by default).
    ladder_unit = models.CharField(_("问责阶梯时间单位"), max_length=16, choices=LimitUnit.choices,
                                   default=LimitUnit.WORKING_DAYS)
    ladder_reminder_after = models.DecimalField(_("超期后催办"), max_digits=6, decimal_places=2, default=Decimal(1),
                                                validators=LADDER)
    ladder_notice_after = models.DecimalField(_("超期后督办通知"), max_digits=6, decimal_places=2, default=Decimal(3),
                                              validators=LADDER)
    ladder_work_letter_after = models.DecimalField(_("超期后工作提示函"), max_digits=6, decimal_places=2,
                                                   default=Decimal(5), validators=LADDER)
    ladder_warning_letter_after = models.DecimalField(_("超期后风险预警函"), max_digits=6, decimal_places=2,
                                                      default=Decimal(10), validators=LADDER)
    ladder_criticism_after = models.DecimalField(
        _("超期后通报批评"), max_digits=6, decimal_places=2, default=Decimal(15), validators=LADDER,
        help_text=_("通报批评列入当月工作专报。"))
    ladder_referral_after = models.DecimalField(
        _("超期后移交区效能办"), max_digits=6, decimal_places=2, default=Decimal(20), validators=LADDER,
        help_text=_("各环节须依次不早于上一环节。"))
    revisit_unreachable_attempts = models.PositiveSmallIntegerField(
        _("认定无法联系前的回访次数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("回访须在这么多个不同日期各联系一次未果，才能认定“无法联系”（不参评）。"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核办法（年度）")
        verbose_name_plural = _("考核办法（年度）")
        ordering = ["center", "-year"]
        constraints = [models.UniqueConstraint(fields=["center", "year"], name="assessment_scheme_one_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.center}"

    def clean(self) -> None:
        offsets = [getattr(self, field) for field in LADDER_FIELDS]
        if any(later < earlier for earlier, later in zip(offsets, offsets[1:], strict=False)):
            raise ValidationError({LADDER_FIELDS[-1]: _("问责阶梯各环节的时间须依次不早于上一环节。")})


class AssessmentVersion(AppendOnlyModel):
    """A published month: the figures as they stood, frozen. A recomputation adds the next version
    with the differences from the one before and the reason given; append-only: rows are never edited."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="assessment_versions")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    version = models.PositiveSmallIntegerField(_("版本"))
    figures = models.JSONField(_("考核数据"))
    changes = models.JSONField(_("与上一版的差异"), default=list, blank=True)
    reason = models.CharField(_("重新计算原因"), max_length=300, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("考核发布版本")
        verbose_name_plural = _("考核发布版本")
        ordering = ["center", "-year", "-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["center", "year", "month", "version"], name="assessment_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} v{self.version}"


class AssessmentSnapshot(models.Model):
    """The month's figures as last computed by the background refresh (every few minutes), so that the
    page answers at once over a million matters; the page shows when they were computed."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE,
                               related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    figures = models.JSONField(_("考核数据"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("考核数据快照")
        verbose_name_plural = _("考核数据快照")
        constraints = [models.UniqueConstraint(fields=["center", "year", "month"], name="assessment_snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} @ {self.computed_at:%Y-%m-%d %H:%M}"
