"""重点人员 (seed 004): key groups the administrator defines, their people, every view of them,
their risk history and follow-up visits. Only roles granted `grid.view_keyperson` see any of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.append_only import AppendOnlyModel
from governance.fields import BlindIndexField, EncryptedCharField
from grid.choices import KeyPersonRisk


class KeyPersonGroup(models.Model):
    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("重点人群")
        verbose_name_plural = _("重点人群")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class KeyPerson(models.Model):
    grid = models.ForeignKey("governance.Grid", verbose_name=_("网格"), on_delete=models.PROTECT,
                             related_name="key_persons")
    group = models.ForeignKey(KeyPersonGroup, verbose_name=_("人群"), on_delete=models.PROTECT, related_name="people")
    name = models.CharField(_("姓名"), max_length=50)
    # Stored encrypted (governance/crypto.py), found by their blind index (`…_digest`).
    id_number = EncryptedCharField(_("公民身份号码"), max_chars=18)
    id_number_digest = BlindIndexField(source="id_number", db_index=True)
    phone = EncryptedCharField(_("联系电话"), max_chars=20)
    phone_digest = BlindIndexField(source="phone", db_index=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=KeyPersonRisk.choices,
                                  default=KeyPersonRisk.LOW)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    follow_up_every_days = models.PositiveSmallIntegerField(_("走访周期（天）"), default=30)
    notes = models.TextField(_("情况"), blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("重点人员")
        verbose_name_plural = _("重点人员")
        ordering = ["grid", "name"]

    def __str__(self) -> str:
        return self.name


class KeyPersonView(AppendOnlyModel):
    """Who looked at whom, when, and where (page, API, export, admin); append-only."""

    person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(_("查看时间"), db_index=True)
    context = models.CharField(_("场合"), max_length=20)

    class Meta:
        verbose_name = _("重点人员查看记录")
        verbose_name_plural = _("重点人员查看记录")
        ordering = ["-viewed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.viewer_id} -> {self.person_id}"


class KeyPersonRiskChange(models.Model):
    person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="risk_changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_level = models.CharField(max_length=10, choices=KeyPersonRisk.choices)
    to_level = models.CharField(max_length=10, choices=KeyPersonRisk.choices)
    reason = models.CharField(_("理由"), max_length=500)
    changed_at = models.DateTimeField(_("变更时间"))

    class Meta:
        verbose_name = _("风险等级变更")
        verbose_name_plural = _("风险等级变更")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.from_level}->{self.to_level}"


class KeyPersonFollowUp(models.Model):
    """A follow-up visit due at `due_at`, on the deadline engine (subject type
    `grid.keyperson_follow_up`): a reminder the day before, overdue at `due_at`, an escalation three
    days later; each mark below is set once by its step (a conditional update), and a visit done
    cancels the steps left."""

    person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="follow_ups")
    due_at = models.DateTimeField(_("应走访时间"))
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("走访时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    notes = models.TextField(_("走访情况"), blank=True)

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.due_at:%Y-%m-%d}"
