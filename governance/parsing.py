"""Reading numbers people and programs type into URLs and forms, without surprises.

`str.isdigit()` is true for "²" and "١", which `int()` then refuses or reads as another number;
and a 30-digit id overflows the database's BIGINT. Both used to end in a 500.
"""

from __future__ import annotations

from typing import Any

DB_ID_MAX = 2**63 - 1


def db_id(value: Any) -> int | None:
    """A primary key typed as ASCII digits that fits a BIGINT, or None."""
    text = str(value if value is not None else "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= DB_ID_MAX else None


def small_int(value: Any, *, minimum: int, maximum: int) -> int | None:
    """An ASCII integer within [minimum, maximum], or None."""
    text = str(value if value is not None else "").strip()
    digits = text[1:] if text.startswith("-") else text.lstrip("+")
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
