"""The monthly assessment: the scoring scheme of a year and the published (frozen) versions of a month."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核办法（年度）")
        verbose_name_plural = _("考核办法（年度）")
        ordering = ["center", "-year"]
        constraints = [models.UniqueConstraint(fields=["center", "year"], name="assessment_scheme_one_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.center}"


class AssessmentVersion(models.Model):
    """A published month: the figures as they stood, frozen. A recomputation adds the next version
    with the differences from the one before and the reason given; rows are never edited."""

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
