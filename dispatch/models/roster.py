"""The duty roster as rules (order, unit, start date) plus dated overrides; never one row per day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import CommandRole, NonWorkingDayPolicy, RotationUnit, ShiftKind
from governance.models.fields import optional_person


class DutyRoster(models.Model):
    """A center's rotation of duty-director departments from `start_date` (until `end_date`)."""

    center = models.ForeignKey(
        "governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE, related_name="duty_rosters"
    )
    name = models.CharField(_("名称"), max_length=100)
    start_date = models.DateField(_("起始日期"), help_text=_("排在第一位的部门从这一天开始轮值。"))
    end_date = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("留空表示长期有效。"))
    unit = models.CharField(
        _("轮换单位"), max_length=10, choices=RotationUnit.choices, default=RotationUnit.DAY
    )
    non_working_days = models.CharField(
        _("节假日安排"), max_length=10, choices=NonWorkingDayPolicy.choices, default=NonWorkingDayPolicy.COVER
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("轮值表")
        verbose_name_plural = _("轮值表")
        ordering = ["center", "-start_date"]

    def __str__(self) -> str:
        return f"{self.name}（{self.start_date} 起）"


class DutyRosterSlot(models.Model):
    """One department's place in the rotation order."""

    roster = models.ForeignKey(
        DutyRoster, verbose_name=_("轮值表"), on_delete=models.CASCADE, related_name="slots"
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    department = models.ForeignKey(
        "governance.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="duty_slots"
    )

    class Meta:
        verbose_name = _("轮值顺序")
        verbose_name_plural = _("轮值顺序")
        ordering = ["roster", "position"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "position"], name="duty_slot_position_unique"),
            models.UniqueConstraint(fields=["roster", "department"], name="duty_slot_department_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.department}"


class DutyTeam(models.Model):
    """A rotation department's fixed duty director (主班) and designated deputy (副班)."""

    department = models.OneToOneField(
        "governance.Department", verbose_name=_("部门"), on_delete=models.CASCADE, related_name="duty_team"
    )
    main_director = optional_person(_("轮值主任（主班）"), related_name="duty_teams_main")
    deputy_director = optional_person(_("副班"), related_name="duty_teams_deputy")

    class Meta:
        verbose_name = _("轮值主任（主副班）")
        verbose_name_plural = _("轮值主任（主副班）")
        ordering = ["department"]

    def __str__(self) -> str:
        return str(self.department)


class DutyShift(models.Model):
    """An override of the rotation for one date. One active override per center and date;
    a newer one cancels the older (kept, with who cancelled it)."""

    center = models.ForeignKey(
        "governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE, related_name="duty_shifts"
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=20, choices=ShiftKind.choices)
    department = models.ForeignKey(
        "governance.Department",
        verbose_name=_("值班部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duty_shifts",
        help_text=_("替班或调换时接班的部门；留空表示仍为原轮值部门。"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("值班人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duty_shifts",
        help_text=_("留空表示由该部门的主班值守。"),
    )
    reason = models.CharField(_("原因"), max_length=200)
    swap_date = models.DateField(_("调换日期"), null=True, blank=True)
    requested_by = optional_person(_("申请人"), related_name="+", help_text=_("由管理人员代为办理时，记录实际申请人。"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"))
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancelled_by = optional_person(_("撤销人"), related_name="+")

    class Meta:
        verbose_name = _("调班记录")
        verbose_name_plural = _("调班记录")
        ordering = ["-date", "-entered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "date"],
                condition=models.Q(cancelled_at__isnull=True),
                name="duty_shift_one_active_per_day",
            )
        ]
        indexes = [models.Index(fields=["center", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class CommandAssignment(models.Model):
    """Who is commander or deputy commander of a center during a period."""

    center = models.ForeignKey(
        "governance.Center",
        verbose_name=_("中心"),
        on_delete=models.CASCADE,
        related_name="command_assignments",
    )
    role = models.CharField(_("职务"), max_length=20, choices=CommandRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="command_assignments",
    )
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("留空表示长期有效。"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("指挥长任期")
        verbose_name_plural = _("指挥长任期")
        ordering = ["center", "role", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="command_assignment_period_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.user}"


class ActingGrant(models.Model):
    """The commander opens the duty director's rights to a named person for a period, with the
    reason recorded (seed 000 一(四): the duty director runs the center during his duty; when he cannot,
    e.g. he is ill, the commander lets someone else act). Never deleted: withdrawn early, it keeps
    who withdrew it and when; the board shows the grants in force."""

    center = models.ForeignKey(
        "governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE, related_name="acting_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("授权人员"), on_delete=models.PROTECT, related_name="acting_grants"
    )
    starts_at = models.DateTimeField(_("授权起"))
    ends_at = models.DateTimeField(_("授权止"))
    reason = models.CharField(_("授权原因"), max_length=200)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("授权人"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("授权时间"))
    revoked_at = models.DateTimeField(_("收回时间"), null=True, blank=True)
    revoked_by = optional_person(_("收回人"), related_name="+")

    class Meta:
        verbose_name = _("代行轮值主任授权")
        verbose_name_plural = _("代行轮值主任授权")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="acting_grant_period_valid"),
        ]
        indexes = [models.Index(fields=["center", "user", "ends_at"], name="acting_grant_in_force")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"
