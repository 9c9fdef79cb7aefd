"""Duty attendance: who was at the center for their shift, signed in and out (issue 23, item 6).

The roster and the rota of the rotating departments say who *should* be at the center on a day; a
`DutySign` says who *was*: signed in with the code shown on the command center's screen (it changes
every minute) or confirmed present by a dispatcher, and signed out the same way. The assessment counts
the kept and missed shifts from these rows, not from the plan. The plan in force when the person
signed in (the department, the roster, an override, the shift's start) is copied onto the row so a
later roster edit does not rewrite what happened.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import DutyPost, SignMethod
from governance.models.fields import optional_person


class DutySign(models.Model):
    center = models.ForeignKey("governance.Center", verbose_name=_("中心"), on_delete=models.CASCADE,
                               related_name="duty_signs")
    date = models.DateField(_("值班日期"))
    post = models.CharField(_("岗位"), max_length=10, choices=DutyPost.choices)
    department = models.ForeignKey("governance.Department", verbose_name=_("部门"), on_delete=models.PROTECT,
                                   related_name="duty_signs")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT,
                               related_name="duty_signs")
    role = models.CharField(_("身份"), max_length=20, blank=True,
                            help_text=_("轮值主任岗位：主班、副班、替班或调换；轮驻岗位留空。"))
    roster = models.ForeignKey("dispatch.DutyRoster", verbose_name=_("轮值表"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    shift = models.ForeignKey("dispatch.DutyShift", verbose_name=_("调班记录"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField(_("应到时间"))
    signed_in_at = models.DateTimeField(_("签到时间"))
    in_method = models.CharField(_("签到方式"), max_length=10, choices=SignMethod.choices)
    in_confirmed_by = optional_person(_("签到确认人"), related_name="+")
    signed_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    out_method = models.CharField(_("签退方式"), max_length=10, choices=SignMethod.choices, blank=True)
    out_confirmed_by = optional_person(_("签退确认人"), related_name="+")

    class Meta:
        verbose_name = _("值班签到")
        verbose_name_plural = _("值班签到")
        ordering = ["-date", "post", "signed_in_at"]
        constraints = [
            # One row per person, post and day: a second press signs nothing new.
            models.UniqueConstraint(fields=["center", "date", "post", "person"], name="duty_sign_once_per_day"),
        ]
        indexes = [models.Index(fields=["center", "date"], name="duty_sign_center_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_post_display()} {self.person}"

    @property
    def minutes_late(self) -> int:
        seconds = (self.signed_in_at - self.starts_at).total_seconds()
        return int(seconds // 60) if seconds >= 60 else 0
