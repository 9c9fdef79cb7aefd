"""Enumerations of the center's organization."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CenterLevel(models.TextChoices):
    DISTRICT = "district", _("区（县）级中心")
    TOWN = "town", _("镇（街道）分中心")
    VILLAGE = "village", _("村（社区）综治站")


class Residency(models.TextChoices):
    PERMANENT = "permanent", _("常驻")
    ROTATING = "rotating", _("轮驻")
    ON_CALL = "on_call", _("随驻")


class WindowKind(models.TextChoices):
    FIXED = "fixed", _("固定窗口")
    FLEXIBLE = "flexible", _("灵活窗口")


class GridLevel(models.TextChoices):
    DISTRICT = "district", _("区")
    TOWN = "town", _("镇（乡、街道）")
    AREA = "area", _("工作片")
    VILLAGE = "village", _("村（社区）")
    UNIT = "unit", _("单元网格")
    MICRO = "micro", _("责任网格（微网格）")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假（休息日）")
    WORKDAY = "workday", _("调休上班（工作日）")


class PreferredChannel(models.TextChoices):
    """How a person prefers to get ordinary messages outside the app (urgent ones go by every channel
    on file)."""

    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
