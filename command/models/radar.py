"""Risk signals (社会风险研判) raised by the radar from the data, each with its matters and reason."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from command.choices import AreaLevel, SignalKind, SignalStatus


class RiskSignal(models.Model):
    """One signal. `key` names what it is about (kind + category + area, person, department…); the
    radar refreshes an existing signal with the same key whose episode is still running instead of
    raising a second one, so running it again on the same data raises nothing new."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="risk_signals")
    kind = models.CharField(_("类型"), max_length=24, choices=SignalKind.choices)
    key = models.CharField(_("信号键"), max_length=200)
    title = models.CharField(_("标题"), max_length=200)
    reason = models.TextField(_("研判理由"))
    status = models.CharField(_("状态"), max_length=12, choices=SignalStatus.choices, default=SignalStatus.OPEN)
    category = models.ForeignKey("intake.Category", verbose_name=_("事项类别"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("governance.Grid", verbose_name=_("区域"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    area_level = models.CharField(_("区域层级"), max_length=10, choices=AreaLevel.choices, blank=True)
    department = models.ForeignKey("governance.Department", verbose_name=_("部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    # A key person of the grid's ledger (重点人员) who appears as an applicant: the signal follows the
    # ledger's rules (seen only by roles granted it, every view recorded); its title and reason
    # carry no name, so an agenda item or letter made from it does not carry one either.
    key_person = models.ForeignKey("grid.KeyPerson", verbose_name=_("重点人员"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    count = models.PositiveIntegerField(_("事项数"), default=0)
    baseline = models.FloatField(_("基线"), null=True, blank=True)
    metrics = models.JSONField(_("研判数据"), default=dict, blank=True)
    window_start = models.DateTimeField(_("研判区间起"))
    window_end = models.DateTimeField(_("研判区间止"))
    raised_at = models.DateTimeField(_("发现时间"))
    last_seen_at = models.DateTimeField(_("最近一次仍成立"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处置人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    dismiss_reason = models.CharField(_("排除理由"), max_length=500, blank=True)
    cases = models.ManyToManyField("intake.Case", through="RiskSignalCase", related_name="risk_signals")

    class Meta:
        db_table = "review_risksignal"  # the name it had in review
        verbose_name = _("风险研判信号")
        verbose_name_plural = _("风险研判信号")
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(fields=["center", "key", "-last_seen_at"], name="risk_signal_episode"),
            models.Index(fields=["center", "status", "-raised_at"], name="risk_signal_open"),
        ]

    def __str__(self) -> str:
        return self.title


class RiskSignalCase(models.Model):
    # The signal's rows are read through the unique (signal, case); nothing reads them by matter, and
    # matters are never deleted (issue 25's index audit).
    signal = models.ForeignKey(RiskSignal, on_delete=models.CASCADE, related_name="signal_cases", db_index=False)
    case = models.ForeignKey("intake.Case", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        db_table = "review_risksignalcase"  # the name it had in review
        constraints = [models.UniqueConstraint(fields=["signal", "case"], name="risk_signal_case_unique")]

    def __str__(self) -> str:
        return f"{self.signal_id} {self.case_id}"


class RadarRun(models.Model):
    """One run of the radar (scheduled or on demand): when, how long, what it raised."""

    center = models.ForeignKey("governance.Center", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    raised = models.PositiveIntegerField(default=0)
    refreshed = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        db_table = "review_radarrun"  # the name it had in review
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"radar {self.started_at:%Y-%m-%d %H:%M} raised={self.raised}"


class RadarRules(models.Model):
    """The radar's thresholds for one center (edited in the admin; without a row, the defaults).
    README "Risk radar" documents each rule."""

    center = models.OneToOneField("governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE,
                                  related_name="radar_rules")
    surge_window_days = models.PositiveSmallIntegerField(
        _("激增：统计窗口（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("1 = 当天与过去各周同一星期几比较；7 = 近 7 天与过去各周同期 7 天比较。最多 7。"))
    surge_baseline_weeks = models.PositiveSmallIntegerField(_("激增：基线周数"), default=8)
    surge_min_count = models.PositiveSmallIntegerField(_("激增：窗口内最少件数"), default=5)
    surge_ratio = models.FloatField(_("激增：达到基线平均的倍数"), default=3.0, validators=[MinValueValidator(1.0)])
    repeat_days = models.PositiveSmallIntegerField(_("重复来访：统计天数"), default=30)
    repeat_min_matters = models.PositiveSmallIntegerField(_("重复来访/同一事由：最少件数"), default=3)
    group_min_size = models.PositiveSmallIntegerField(_("群体性：最少涉及人数"), default=5)
    lookback_days = models.PositiveSmallIntegerField(_("群体性/回访未解决：回看天数"), default=7)
    overdue_weeks = models.PositiveSmallIntegerField(_("部门超期：连续上升周数"), default=3)
    overdue_min_count = models.PositiveSmallIntegerField(_("部门超期：本周最少超期件数"), default=3)
    key_person_days = models.PositiveSmallIntegerField(_("重点人员：回看天数"), default=30)

    class Meta:
        db_table = "review_radarrules"  # the name it had in review
        verbose_name = _("风险研判规则")
        verbose_name_plural = _("风险研判规则")

    def __str__(self) -> str:
        return str(self.center)
