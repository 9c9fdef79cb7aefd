"""Parties (当事人) and attachments of a matter."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.fields import BlindIndexField, EncryptedCharField
from intake.choices import PartyKind, PartyRole


class Party(models.Model):
    """A person (with resident ID) or an organization (with unified social credit code)."""

    kind = models.CharField(_("类型"), max_length=12, choices=PartyKind.choices, default=PartyKind.PERSON)
    name = models.CharField(_("姓名/名称"), max_length=100)
    # Stored encrypted (governance/crypto.py), found by their blind index (`…_digest`).
    id_number = EncryptedCharField(_("公民身份号码"), max_chars=18)
    id_number_digest = BlindIndexField(source="id_number")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    phone = EncryptedCharField(_("联系电话"), max_chars=20)
    phone_digest = BlindIndexField(source="phone")
    address = models.CharField(_("住址"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        # `party_credit_code` is the credit code's index without the `_like` twin of db_index (matched
        # whole, never by prefix).
        indexes = [models.Index(fields=["credit_code"], name="party_credit_code"),
                   models.Index(fields=["id_number_digest"], name="party_id_number_digest"),
                   models.Index(fields=["phone_digest"], name="party_phone_digest")]

    def __str__(self) -> str:
        return self.name


class CaseParty(models.Model):
    # Read through the unique (case, party, role), which starts with it (issue 25's index audit).
    case = models.ForeignKey("intake.Case", on_delete=models.CASCADE, related_name="case_parties", db_index=False)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="case_parties")
    role = models.CharField(_("角色"), max_length=12, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    is_spokesman = models.BooleanField(_("代表人"), default=False)

    class Meta:
        verbose_name = _("事项当事人")
        verbose_name_plural = _("事项当事人")
        constraints = [models.UniqueConstraint(fields=["case", "party", "role"], name="case_party_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.party_id} {self.role}"


def attachment_upload_to(instance: object, filename: str) -> str:
    """An unguessable stored name that keeps only the extension the validator found by content;
    the name people see is the `name` column, and files are served only through the download view."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.{extension}"


class Attachment(models.Model):
    case = models.ForeignKey("intake.Case", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("类型"), max_length=100)
    purpose = models.CharField(_("用途"), max_length=30, blank=True, help_text=_("如 intake、settlement、report_back"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name
