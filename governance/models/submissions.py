from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Submission(models.Model):
    """A page form that was carried out, by its one-time key (`governance.page_actions.OnceField`):
    the same form sent again (a double click, a resent request, a second tab) finds its key here
    and is answered with what the first one made instead of doing it twice."""

    key = models.CharField(_("表单一次性编号"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    result_pk = models.BigIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("表单提交")
        verbose_name_plural = _("表单提交")

    def __str__(self) -> str:
        return self.key


class ApiRequest(models.Model):
    """An API write sent with an `Idempotency-Key` header (governance.idempotency): the same key
    from the same caller is answered with the first answer, stored here, instead of acting twice."""

    key = models.CharField(_("幂等键"), max_length=64, unique=True)  # digest of caller and header
    fingerprint = models.CharField(max_length=64)  # digest of method, path and body
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)  # null while the first is running
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接口幂等请求")
        verbose_name_plural = _("接口幂等请求")

    def __str__(self) -> str:
        return self.key
