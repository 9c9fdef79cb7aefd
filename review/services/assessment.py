"""Publishing a month's assessment: the figures freeze in a version; a recomputation adds the next one."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import Center
from governance.roles import MAY_PUBLISH_ASSESSMENT, may
from review.models import AssessmentVersion
from review.selectors.assessment import assessment_compute
from review.selectors.assessment_figures import Month
from review.selectors.assessment_history import assessment_diff

RECALCULATION_REASON_MAX_CHARS = 300  # the version's reason column


def assessment_publish(
    *, actor: AbstractBaseUser, center: Center, month: Month, reason: str = "", now: dt.datetime | None = None,
) -> AssessmentVersion:
    """Freeze the month's figures as they stand now. The first publication needs no reason; a later
    one (a recomputation) must say why and must change something, and records what changed."""
    now = now or timezone.now()
    if not may(actor, MAY_PUBLISH_ASSESSMENT):
        raise PermissionDeniedError(gettext("只有管理员可以发布考核结果。"))
    if month.first > timezone.localdate(now):
        raise ApplicationError(gettext("该月尚未开始，不能发布。"), code="future_month")
    figures = assessment_compute(center=center, month=month, now=now)
    latest = (AssessmentVersion.objects.filter(center=center, year=month.year, month=month.month)
              .order_by("-version").first())
    changes: list = []
    if latest is not None:
        if not reason.strip():
            raise ApplicationError(gettext("重新计算已发布的月份须填写原因。"), code="required", field="reason")
        changes = assessment_diff(latest.figures, figures)
        if not changes:
            raise ApplicationError(gettext("与已发布的第 %(v)s 版相比没有任何变化，无需发布新版本。")
                                   % {"v": latest.version}, code="unchanged")
    try:
        with transaction.atomic():
            return AssessmentVersion.objects.create(
                center=center, year=month.year, month=month.month, version=(latest.version + 1) if latest else 1,
                figures=figures, changes=changes, reason=reason.strip(), published_by=actor, published_at=now)
    except IntegrityError as exc:
        raise ApplicationError(gettext("他人刚刚发布了该月，请刷新后重试。"), code="stale_state") from exc
