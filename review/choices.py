"""Choices of the review app's accountability ladder (问责阶梯): the rungs an overdue assignment climbs,
the referrals to the district's efficiency office, and the timeline events they write."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from command.choices import LetterKind

# --- the accountability ladder of an overdue assignment (issue 22 item 8; seeds 004, 000 七) ---------
LADDER_SUBJECT = "ladder"


class Rung(models.TextChoices):
    """The rungs an overdue assignment climbs, in order (催办 → … → 移交区效能办)."""

    REMINDER = "reminder", _("催办")
    SUPERVISION_NOTICE = "supervision_notice", _("督办通知")
    WORK_LETTER = "work_letter", _("工作提示函")
    WARNING_LETTER = "warning_letter", _("风险预警函")
    CRITICISM = "criticism", _("通报批评")
    REFERRAL = "referral", _("移交区效能办")


RUNG_ORDER: tuple[str, ...] = tuple(Rung.values)
# A rung's level on its deadline step (1 … 6) and back.
RUNG_LEVEL = {rung: index for index, rung in enumerate(RUNG_ORDER, start=1)}
RUNG_BY_LEVEL = {index: rung for rung, index in RUNG_LEVEL.items()}
RUNG_LETTER_KIND = {Rung.WORK_LETTER: LetterKind.WORK_REMINDER, Rung.WARNING_LETTER: LetterKind.RISK_WARNING}


class RungStatus(models.TextChoices):
    ISSUED = "issued", _("已发出")
    SKIPPED = "skipped", _("越级跳过")


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("待效能办答复")
    ANSWERED = "answered", _("已答复")


class ReferralOutcome(models.TextChoices):
    ACCOUNTABLE = "accountable", _("予以问责")
    ADMONISHED = "admonished", _("约谈提醒、批评教育")
    CLEARED = "cleared", _("不予问责")


class LadderEventType(models.TextChoices):
    """Timeline events of the accountability ladder on the matter of the overdue assignment."""

    LADDER_ISSUED = "ladder.rung_issued", _("超期问责升级")
    LADDER_SKIPPED = "ladder.rung_skipped", _("指挥长越级跳过问责环节")
    REFERRAL_ANSWERED = "ladder.referral_answered", _("区效能办答复问责移交")
