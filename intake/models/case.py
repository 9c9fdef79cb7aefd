"""The matter (事项) and its code sequence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.choices import (
    AnswerLimitUnit,
    CaseStatus,
    Channel,
    Complexity,
    HandlingMode,
    OperatingMode,
    RiskLevel,
    Urgency,
)

# The order of the dispatch board's queue: most urgent, then riskiest, then oldest. Declared here
# because an index of the matter serves it (the same expressions, so PostgreSQL reads the queue in
# order instead of sorting every waiting matter).
URGENCY_RANK = models.Case(
    models.When(urgency=Urgency.CRITICAL, then=models.Value(0)), models.When(urgency=Urgency.URGENT, then=models.Value(1)),
    default=models.Value(2), output_field=models.IntegerField(),
)
RISK_RANK = models.Case(
    models.When(risk_level=RiskLevel.MAJOR, then=models.Value(0)), models.When(risk_level=RiskLevel.HIGH, then=models.Value(1)),
    models.When(risk_level=RiskLevel.MEDIUM, then=models.Value(2)), default=models.Value(3),
    output_field=models.IntegerField(),
)


class Category(models.Model):
    """Two-level, editable tree of kinds of matter (矛盾纠纷 > 劳动争议, 12345 诉求 > 投诉, ...)."""

    parent = models.ForeignKey(
        "self", verbose_name=_("上级类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    initials = models.CharField(
        _("拼音首字母"), max_length=50, blank=True, help_text=_("用于输入 ld 找到“劳动争议”；留空由系统生成。")
    )
    default_complexity = models.CharField(
        _("默认复杂程度"), max_length=10, choices=Complexity.choices, default=Complexity.ORDINARY
    )
    ordering = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    phrases = models.TextField(
        _("常用语"), blank=True,
        help_text=_("窗口登记时可一键插入事项描述的常用语，每行一条；下级类别没有时用上级类别的。"),
    )
    # The kind's own answer limit (issue 22 item 11): both set, or neither (then the parent's, and
    # without one the limit by complexity, `intake.answer_limits`).
    answer_limit = models.PositiveSmallIntegerField(
        _("答复时限"), null=True, blank=True,
        help_text=_("本类事项承诺答复的时限（正整数），与时限单位一起填写；留空用上级类别的，"
                    "上级也未设置时按复杂程度（一般 7 个工作日，复杂 15 个工作日）。"),
    )
    answer_limit_unit = models.CharField(
        _("时限单位"), max_length=16, choices=AnswerLimitUnit.choices, blank=True,
        help_text=_("工作日按工作日历（节假日不计、调休上班日计入）；自然日连续计算，最后一日是节假日的顺延至节后第一个工作日；小时连续计算，夜间和节假日照计。"),
    )

    class Meta:
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")
        ordering = ["ordering", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(answer_limit__isnull=True, answer_limit_unit="")
                           | models.Q(answer_limit__gte=1, answer_limit_unit__in=AnswerLimitUnit.values)),
                name="category_answer_limit_whole",
                violation_error_message=_("答复时限须为正整数并选择一种时限单位，或两者都不填。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name}/{self.name}" if self.parent_id and self.parent else self.name


class CaseSequence(models.Model):
    """The last number used for a district's matters in a year; codes are never reused."""

    district = models.ForeignKey("governance.Center", verbose_name=_("所属区"), on_delete=models.PROTECT,
                                 related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    last_value = models.PositiveIntegerField(_("已用到的序号"), default=0)

    class Meta:
        verbose_name = _("事项编号序列")
        verbose_name_plural = _("事项编号序列")
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.district_id}/{self.year}: {self.last_value}"


class Case(models.Model):
    # The district, the center and the category have no index of their own (`db_index=False`): an index
    # of Meta.indexes starts with each (issue 25's index audit, `governance.index_uses`); every index of
    # this table costs every registration a write.
    district = models.ForeignKey(
        "governance.Center", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="district_cases",
        db_index=False,
    )
    center = models.ForeignKey(
        "governance.Center",
        verbose_name=_("当前承办中心"),
        on_delete=models.PROTECT,
        db_index=False,
        related_name="cases",
        help_text=_("事项上提、下交时随之改变。"),
    )
    code = models.CharField(_("事项编号"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(Category, verbose_name=_("事项类别"), on_delete=models.PROTECT, related_name="cases",
                                 db_index=False)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("事项描述"))
    address = models.CharField(_("发生地址"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "governance.Grid", verbose_name=_("所属网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    town = models.ForeignKey(
        "governance.Grid",
        verbose_name=_("所属镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="town_cases",
        help_text=_("由网格推得，便于按镇筛选。"),
        db_index=False,  # `case_town_recent` starts with it
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    complexity = models.CharField(_("复杂程度"), max_length=10, choices=Complexity.choices, default=Complexity.ORDINARY)
    # Not indexed alone: every read by status starts from its district, town, grid or center (Meta.indexes).
    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.REGISTERED)
    handling_mode = models.CharField(_("办理方式"), max_length=12, choices=HandlingMode.choices, blank=True)
    operating_mode = models.CharField(
        _("登记时运行状态"), max_length=10, choices=OperatingMode.choices, default=OperatingMode.NORMAL
    )
    is_group = models.BooleanField(_("群体性事项"), default=False)
    group_size = models.PositiveIntegerField(_("涉及人数"), default=1)
    first_receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("首接责任人"), on_delete=models.PROTECT, related_name="received_cases"
    )
    # No query reads matters by window: a window's delete in the admin reads the table once (windows are
    # closed with `active`, not deleted).
    window = models.ForeignKey(
        "governance.ServiceWindow",
        verbose_name=_("受理窗口"),
        db_index=False,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    registered_at = models.DateTimeField(_("登记时间"), db_index=True)
    expected_answer_at = models.DateTimeField(_("预计答复时间"), null=True, blank=True)
    # The limit promised at registration (from the category, or by complexity); empty on matters
    # registered before kinds had limits: those were promised by complexity, in working days.
    answer_limit = models.PositiveSmallIntegerField(_("答复时限"), null=True, blank=True)
    answer_limit_unit = models.CharField(_("时限单位"), max_length=16, choices=AnswerLimitUnit.choices, null=True,
                                         blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True, db_index=True)
    external_ref = models.CharField(_("外部工单号"), max_length=64, blank=True)
    external_source = models.CharField(_("外部来源"), max_length=64, blank=True)
    settlement = models.TextField(_("办理结果"), blank=True)
    resolved = models.BooleanField(_("已解决"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    related = models.ManyToManyField(
        "self", verbose_name=_("关联事项"), through="CaseLink", symmetrical=False, related_name="+", blank=True
    )

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "sequence"], name="case_sequence_number_unique"),
            models.UniqueConstraint(
                fields=["external_source", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="case_external_ref_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["category", "-registered_at"]),
            # Every list query carries the district (who may see what): the newest first, and the
            # frequent filters, each starting with it.
            # It carries what the leaders' dashboard counts by (today by channel; the month by
            # category, town and grid), so those counts read the index alone.
            models.Index(fields=["district", "-registered_at", "-id"], name="case_district_recent",
                         include=["category", "town", "grid", "channel"]),
            # The open matters of a district by status and deadline (the dashboard's open and
            # overdue counts) and by grid (the grid tree's): however many closed ones the history
            # holds, only open ones are read, from the index alone.
            models.Index(fields=["district", "status", "due_at"], name="case_district_open_grid", include=["grid"],
                         condition=~models.Q(status=CaseStatus.CLOSED)),
            models.Index(fields=["district", "status", "category", "-registered_at"], name="case_district_status"),
            # A town's matters of a period (its report and dashboard for a month, with the matters held at
            # its centers ORed in), and a town's matters at all (its first column). Issue 25: with the town
            # alone, a month's report ANDed 320,000 of the town's matters with 126,000 of the district's
            # month and read 20,000 heap pages for 5,924 rows (4 statements of 118 ms).
            models.Index(fields=["town", "registered_at"], name="case_town_recent"),
            # A town's open matters by status and deadline (its dashboard's open and overdue counts): the
            # few thousand open ones of its 320,000 at 2M matters, not its whole history.
            models.Index(fields=["town", "status", "due_at"], name="case_town_open",
                         condition=~models.Q(status=CaseStatus.CLOSED)),
            # A district's key matters of a period (high or major risk, or a group's: 2.5% of the rows), the
            # month report's 重点事项: read from the month's 82,000 matters, 88 ms at 2M.
            models.Index(fields=["district", "registered_at"], name="case_district_key_recent",
                         condition=models.Q(risk_level__in=[RiskLevel.HIGH, RiskLevel.MAJOR]) | models.Q(is_group=True)),
            # A center's matters reported back, the longest waiting first (the verification queue).
            models.Index(fields=["center", "updated_at"], name="case_center_reported",
                         condition=models.Q(status=CaseStatus.REPORTED)),
            # A grid's open matters by deadline (the grid's page): only its open ones are read, in order.
            models.Index(fields=["grid", "due_at"], name="case_grid_open_due", condition=~models.Q(status=CaseStatus.CLOSED)),
            # The dispatch board: what a center has waiting, counted and read in queue order.
            models.Index(fields=["center", "status"], name="case_center_status"),
            models.Index(models.F("center"), URGENCY_RANK, RISK_RANK, models.F("registered_at"), models.F("id"),
                         condition=models.Q(status=CaseStatus.PENDING_DISPATCH), name="case_dispatch_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CaseLink(models.Model):
    """A new matter linked to an earlier one (repeat visit 重复访, same site, same group)."""

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("关联时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事项关联")
        verbose_name_plural = _("事项关联")
        constraints = [models.UniqueConstraint(fields=["from_case", "to_case"], name="case_link_unique")]

    def __str__(self) -> str:
        return f"{self.from_case_id} -> {self.to_case_id}"
