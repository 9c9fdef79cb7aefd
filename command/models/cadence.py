"""Standing meetings (会商制度): a meeting kind held on a fixed rhythm with a chair rule and invitees by
rule (seed 000 三, 001 五(二)). Each occurrence is a `Consultation` numbered by its place in the rhythm,
so the deputies' turn follows the rhythm, not the dates that holidays move."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from command.choices import CadenceFrequency, ChairRule, ConsultationKind

DEFAULT_MISSED_AFTER = dt.timedelta(hours=2)


class MeetingCadence(models.Model):
    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.PROTECT,
                               related_name="meeting_cadences")
    kind = models.CharField(_("会商类型"), max_length=24, choices=ConsultationKind.choices)
    title = models.CharField(_("会议名称"), max_length=200)
    frequency = models.CharField(_("周期"), max_length=10, choices=CadenceFrequency.choices)
    first_date = models.DateField(_("首次日期"), help_text=_("每周、每两周的会议在此日的星期几召开；每月的在此日的日期召开。"))
    time = models.TimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    chair_rule = models.CharField(_("主持人规则"), max_length=24, choices=ChairRule.choices)
    invitee_rules = models.JSONField(_("参会人规则"), default=list)
    # How long after its time a meeting not recorded as held reminds its chair (the live test shortens it).
    missed_after = models.DurationField(_("逾期未召开提醒（召开时间后）"), default=DEFAULT_MISSED_AFTER)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设立人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("设立时间"))

    class Meta:
        db_table = "review_meetingcadence"  # the name it had in review
        verbose_name = _("会商制度")
        verbose_name_plural = _("会商制度")
        ordering = ["center", "kind"]
        constraints = [models.UniqueConstraint(fields=["center", "kind"], condition=models.Q(active=True),
                                               name="cadence_one_active_per_kind")]

    def __str__(self) -> str:
        return self.title
