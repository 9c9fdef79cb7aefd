"""Helpers shared by the gateways' receipt parsers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def text_of(value: Any, limit: int = 200) -> str:
    return "" if value is None else str(value).strip()[:limit]


def local_time(value: str) -> dt.datetime | None:
    """`2026-11-18 10:05:03` in the center's time zone (the gateways report Beijing time); None when
    absent or unreadable (the receipt then counts at the moment it arrived)."""
    try:
        naive = dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def receipt_items(payload: Any, *, id_key: str) -> list[dict[str, Any]]:
    """The objects of a receipt push (a JSON array), each naming its message by `id_key`; ValueError
    for another shape."""
    if not isinstance(payload, list):
        raise ValueError("应为回执数组")
    for item in payload:
        if not isinstance(item, dict) or not text_of(item.get(id_key)):
            raise ValueError(f"回执缺少 {id_key}")
    return payload
