"""How people's names are shown: Chinese names family-name first with no space (陈晓燕)."""

from __future__ import annotations

import unicodedata

from django.contrib.auth.models import AbstractBaseUser


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED") for ch in text)


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    first, last = (getattr(user, "first_name", "") or "").strip(), (getattr(user, "last_name", "") or "").strip()
    if _is_cjk(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part) or user.get_username()
