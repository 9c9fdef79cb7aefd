from __future__ import annotations

from django import template

from intake.choices import CaseStatus
from intake.events import event_label as _event_label
from intake.validators import mask_id_number, mask_phone

register = template.Library()

_STATUS_LABELS = dict(CaseStatus.choices)


@register.filter
def mask_id(value: str) -> str:
    return mask_id_number(value or "")


@register.filter
def mask_tel(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def event_label(value: str) -> str:
    return _event_label(value)


@register.filter
def status_label(value: str) -> str:
    return str(_STATUS_LABELS.get(value, value or ""))
