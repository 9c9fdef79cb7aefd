"""Pinyin initials of a Chinese name, so that typing "ld" finds 劳动争议."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_initials(name: str) -> str:
    """劳动争议 -> "ldzy"; "12345 诉求" -> "12345sq". Latin letters and digits are kept, lower-case."""
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for part in parts for ch in part.lower() if ch.isascii() and ch.isalnum())
