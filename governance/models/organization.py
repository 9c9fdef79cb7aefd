"""Centers, departments, people, windows and the stationing rota."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.choices import CenterLevel, PreferredChannel, Residency, WindowKind
from governance.models.fields import optional_person, up_the_tree


class Center(models.Model):
    """A social-governance center at one of three levels, tied to its territory.

    Every district-level center is the root of its own tree: matter codes are unique per district,
    so lower-level centers point at their district for cheap scoping.
    """

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("编码"),
        max_length=20,
        unique=True,
        help_text=_("区级中心用本地编码（如 QZTS），镇、村级用统计用区划代码。"),
    )
    level = models.CharField(_("层级"), max_length=10, choices=CenterLevel.choices)
    parent = up_the_tree(_("上级中心"), related_name="children")
    district = up_the_tree(_("所属区级中心"), help_text=_("区级中心留空（即其本身）。"))
    territory = models.ForeignKey(
        "governance.Grid", verbose_name=_("辖区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(_("值班电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("中心")
        verbose_name_plural = _("中心")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def district_center(self) -> Center:
        return self if self.level == CenterLevel.DISTRICT else self.district


class Department(models.Model):
    center = models.ForeignKey(Center, verbose_name=_("所属中心"), on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(_("名称"), max_length=100)
    short_code = models.CharField(_("简码"), max_length=20)
    residency = models.CharField(_("进驻方式"), max_length=10, choices=Residency.choices, default=Residency.ON_CALL)
    supplies_duty_directors = models.BooleanField(_("派轮值主任"), default=False)
    leader_in_charge = optional_person(_("分管领导"), related_name="departments_led")
    liaison = optional_person(_("联络员"), related_name="departments_liaised")
    phone = models.CharField(_("部门电话"), max_length=30, blank=True)
    # The department's duty group (值班群): a WeCom group robot's key, a DingTalk group robot's
    # access token and its signing secret (加签). Urgent messages to the department's people are also
    # posted there.
    wecom_robot_key = models.CharField(_("企业微信群机器人 key"), max_length=100, blank=True)
    dingtalk_robot_token = models.CharField(_("钉钉群机器人 access_token"), max_length=100, blank=True)
    dingtalk_robot_secret = models.CharField(_("钉钉群机器人加签密钥"), max_length=100, blank=True)
    is_territory = models.BooleanField(
        _("属地（乡镇政府）"), default=False, help_text=_("乡镇人民政府等属地单位，按属地接收事项。")
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["center", "short_code"]
        constraints = [
            models.UniqueConstraint(fields=["center", "short_code"], name="department_code_unique_per_center"),
            models.UniqueConstraint(fields=["center", "name"], name="department_name_unique_per_center"),
        ]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    center = models.ForeignKey(
        Center, verbose_name=_("所属中心"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    post = models.CharField(_("职务"), max_length=50, blank=True)
    # The person's channels on file besides the phone: their user id in the center's WeCom (企业微信)
    # and DingTalk (钉钉 / 政务钉钉) organizations, and the channel ordinary messages take.
    wecom_userid = models.CharField(_("企业微信账号"), max_length=64, blank=True)
    dingtalk_userid = models.CharField(_("钉钉账号"), max_length=64, blank=True)
    preferred_channel = models.CharField(_("常用通知渠道"), max_length=10, choices=PreferredChannel.choices,
                                         default=PreferredChannel.SMS)

    class Meta:
        verbose_name = _("人员资料")
        verbose_name_plural = _("人员资料")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class ServiceWindow(models.Model):
    center = models.ForeignKey(Center, verbose_name=_("所属中心"), on_delete=models.PROTECT, related_name="windows")
    number = models.PositiveSmallIntegerField(_("窗口号"))
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=WindowKind.choices, default=WindowKind.FIXED)
    department = models.ForeignKey(
        Department,
        verbose_name=_("业务部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="windows",
        help_text=_("灵活窗口为其开设的部门；综合受理窗口留空。"),
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("值守人员"), blank=True, related_name="service_windows"
    )
    active = models.BooleanField(_("开放"), default=True)

    class Meta:
        verbose_name = _("服务窗口")
        verbose_name_plural = _("服务窗口")
        ordering = ["center", "number"]
        constraints = [models.UniqueConstraint(fields=["center", "number"], name="window_number_unique_per_center")]

    def __str__(self) -> str:
        return f"{self.number}号 {self.name}"


class Stationing(models.Model):
    """A rotating department's standing day at the center (e.g. every Tuesday), within a period."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("星期一")
        TUESDAY = 1, _("星期二")
        WEDNESDAY = 2, _("星期三")
        THURSDAY = 3, _("星期四")
        FRIDAY = 4, _("星期五")
        SATURDAY = 5, _("星期六")
        SUNDAY = 6, _("星期日")

    center = models.ForeignKey(Center, verbose_name=_("中心"), on_delete=models.CASCADE, related_name="stationings")
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.CASCADE, related_name="stationings"
    )
    weekday = models.PositiveSmallIntegerField(_("进驻日"), choices=Weekday.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("轮驻安排")
        verbose_name_plural = _("轮驻安排")
        ordering = ["center", "weekday", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "department", "weekday", "valid_from"], name="stationing_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.get_weekday_display()}"
