"""Wartime as a plan that runs (seed 000 六, 002 五(一)): a plan set in advance per response level
(the leader rota, the standby roster of the departments, the support teams, the grids concerned) and
the episode each declaration starts, with what it activated and what ending released."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import ResponseLevel, WartimeEventType
from governance.append_only import AppendOnlyModel
from governance.models.fields import optional_person

LEADER_SHIFT_HOURS = 12  # story 8: a district leader on duty at the center each 12 hours
FIRST_CONSULTATION_MINUTES = 60  # the first 战时会商 within the hour


class WartimePlan(models.Model):
    """What a declaration of `level` sets running at the center."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE,
                               related_name="wartime_plans")
    level = models.PositiveSmallIntegerField(_("响应等级"), choices=ResponseLevel.choices)
    name = models.CharField(_("预案名称"), max_length=100)
    leader_shift_hours = models.PositiveSmallIntegerField(_("领导轮值每班（小时）"), default=LEADER_SHIFT_HOURS)
    consultation_within_minutes = models.PositiveSmallIntegerField(
        _("首次战时会商（启动后分钟内）"), default=FIRST_CONSULTATION_MINUTES)
    grids = models.ManyToManyField("governance.Grid", verbose_name=_("涉及网格"), blank=True, related_name="+",
                                   help_text=_("启动时启用这些网格下的责任网格（微网格）；留空表示全区。"))

    class Meta:
        verbose_name = _("战时预案")
        verbose_name_plural = _("战时预案")
        ordering = ["center", "level"]
        constraints = [models.UniqueConstraint(fields=["center", "level"], name="wartime_plan_one_per_level")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_display()}）"


class WartimePlanLeader(models.Model):
    """One leader's place in the wartime leader rota (领导轮值), taken in turn from the declaration."""

    plan = models.ForeignKey(WartimePlan, verbose_name=_("战时预案"), on_delete=models.CASCADE, related_name="leaders")
    position = models.PositiveSmallIntegerField(_("顺序"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("带班领导"), on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = _("领导轮值顺序")
        verbose_name_plural = _("领导轮值顺序")
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="wartime_leader_position_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.user}"


class WartimePlanStandby(models.Model):
    """A department's person on standby (值班备勤) while the level is in force."""

    plan = models.ForeignKey(WartimePlan, verbose_name=_("战时预案"), on_delete=models.CASCADE, related_name="standby")
    department = models.ForeignKey("governance.Department", verbose_name=_("部门"), on_delete=models.PROTECT,
                                   related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("备勤人员"), on_delete=models.PROTECT,
                               related_name="+")
    phone = models.CharField(_("备勤电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("值班备勤")
        verbose_name_plural = _("值班备勤")
        ordering = ["plan", "department", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "department", "person"], name="wartime_standby_once")]

    def __str__(self) -> str:
        return f"{self.department} {self.person}"


class WartimePlanTeam(models.Model):
    """A support team (支援工作队) a department sends as a unit (成建制) when the duty director asks."""

    plan = models.ForeignKey(WartimePlan, verbose_name=_("战时预案"), on_delete=models.CASCADE, related_name="teams")
    department = models.ForeignKey("governance.Department", verbose_name=_("派出部门"), on_delete=models.PROTECT,
                                   related_name="+")
    name = models.CharField(_("工作队名称"), max_length=100)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("队长"), on_delete=models.PROTECT,
                               related_name="+")
    size = models.PositiveSmallIntegerField(_("人数"), default=1)

    class Meta:
        verbose_name = _("支援工作队")
        verbose_name_plural = _("支援工作队")
        ordering = ["plan", "department", "pk"]

    def __str__(self) -> str:
        return self.name


class WartimeEpisode(models.Model):
    """One wartime period, from its declaration to its end, with the plan copied at the start (later
    edits of the plan do not rewrite it): who was told, the rota order, the standby roster."""

    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="+")
    declared = models.OneToOneField("dispatch.Mode", verbose_name=_("启动记录"), on_delete=models.PROTECT,
                                    related_name="episode_started")
    ended = models.OneToOneField("dispatch.Mode", verbose_name=_("结束记录"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="episode_ended")
    plan = models.ForeignKey(WartimePlan, verbose_name=_("战时预案"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="episodes")
    level = models.PositiveSmallIntegerField(_("响应等级"), choices=ResponseLevel.choices)
    started_at = models.DateTimeField(_("启动时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    leader_shift_hours = models.PositiveSmallIntegerField(_("领导轮值每班（小时）"), default=LEADER_SHIFT_HOURS)
    leader_ids = models.JSONField(_("领导轮值顺序"), default=list)
    standby = models.JSONField(_("值班备勤"), default=list)  # [{"department": id, "person": id, "phone": ""}]
    notified_ids = models.JSONField(_("已通知人员"), default=list)
    consultation_id = models.PositiveIntegerField(_("首次战时会商"), null=True, blank=True)

    class Meta:
        verbose_name = _("战时过程")
        verbose_name_plural = _("战时过程")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["center"], condition=models.Q(ended_at__isnull=True),
                                    name="wartime_episode_one_open_per_center"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.started_at:%Y-%m-%d %H:%M}"


class RotaSwap(models.Model):
    """Two shifts of an episode's leader rota exchange their leaders (调换), like the duty roster's swaps."""

    episode = models.ForeignKey(WartimeEpisode, verbose_name=_("战时过程"), on_delete=models.CASCADE,
                                related_name="rota_swaps")
    first = models.PositiveIntegerField(_("第一班次"))
    second = models.PositiveIntegerField(_("第二班次"))
    reason = models.CharField(_("原因"), max_length=200)
    entered_by = optional_person(_("录入人"), related_name="+")
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("领导轮值调换")
        verbose_name_plural = _("领导轮值调换")
        ordering = ["episode", "entered_at", "pk"]

    def __str__(self) -> str:
        return f"{self.first} ⇄ {self.second}"


class StandbySwap(models.Model):
    """A department's person on standby hands the standby (值班备勤) over to a colleague of the same
    department while the episode runs (调换), like the leader rota's swaps: the roster copied at the start
    stays, the swaps are applied in the order they were entered."""

    episode = models.ForeignKey(WartimeEpisode, verbose_name=_("战时过程"), on_delete=models.CASCADE,
                                related_name="standby_swaps")
    department = models.ForeignKey("governance.Department", verbose_name=_("部门"), on_delete=models.PROTECT,
                                   related_name="+")
    person_out = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("原备勤人员"), on_delete=models.PROTECT,
                                   related_name="+")
    person_in = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接替人员"), on_delete=models.PROTECT,
                                  related_name="+")
    phone = models.CharField(_("备勤电话"), max_length=30, blank=True)
    reason = models.CharField(_("原因"), max_length=200)
    entered_by = optional_person(_("录入人"), related_name="+")
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("值班备勤调换")
        verbose_name_plural = _("值班备勤调换")
        ordering = ["episode", "entered_at", "pk"]

    def __str__(self) -> str:
        return f"{self.department} {self.person_out} → {self.person_in}"


class TeamDeployment(models.Model):
    """A support team sent as a unit to a matter (and its grid) until released."""

    episode = models.ForeignKey(WartimeEpisode, verbose_name=_("战时过程"), on_delete=models.PROTECT,
                                related_name="deployments")
    team = models.ForeignKey(WartimePlanTeam, verbose_name=_("支援工作队"), on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("intake.Case", verbose_name=_("事项"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    grid = models.ForeignKey("governance.Grid", verbose_name=_("派驻网格"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("任务"), max_length=200, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("派驻人"), on_delete=models.PROTECT,
                                related_name="+")
    sent_at = models.DateTimeField(_("派驻时间"))
    released_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("支援工作队派驻")
        verbose_name_plural = _("支援工作队派驻")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["team"], condition=models.Q(released_at__isnull=True),
                                    name="wartime_team_deployed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.sent_at:%m-%d %H:%M}"


class EpisodeEvent(AppendOnlyModel):
    """The episode's own timeline, append-only: declared, told, rota, standby, meeting, micro-grids,
    matters raised, teams sent, released, ended."""

    episode = models.ForeignKey(WartimeEpisode, verbose_name=_("战时过程"), on_delete=models.PROTECT,
                                related_name="events")
    type = models.CharField(_("类型"), max_length=40, choices=WartimeEventType.choices)
    actor = optional_person(_("操作人"), related_name="+")
    summary = models.CharField(_("摘要"), max_length=500)
    data = models.JSONField(_("数据"), default=dict)
    occurred_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("战时过程记录")
        verbose_name_plural = _("战时过程记录")
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return self.summary[:50]
