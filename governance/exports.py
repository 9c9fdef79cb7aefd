"""Text written into CSV and Excel exports."""

from __future__ import annotations

from typing import Any

# What a spreadsheet reads as the start of a formula: = + - @, and a TAB or CR before one of them
# (Excel and LibreOffice skip leading whitespace when they guess a CSV cell's type).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """A text cell as text: one starting like a formula is prefixed with an apostrophe, which the
    spreadsheet shows as text and never evaluates. Other values are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
