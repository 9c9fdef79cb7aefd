"""The one rule for free text, and the one field type that carries it into every form and serializer.

Whatever a person types as prose (a title, a reason, a note, a letter's answer, minutes) is trimmed,
refused when it holds a control character other than a line break or a tab (NUL, escape...), counted
as empty when it is made only of invisible characters (zero-width spaces, joiners, the BOM: Unicode's
"format" category), and held to a length limit. A page's form and the API's serializer for the same
input use `FreeTextField` / `FreeTextSerializerField` with the same limit (the constants live beside
the service that takes the text), so the two channels cannot disagree.

`tests/test_house_rules_free_text.py` reads every form and serializer of the project: a text input
that is not one of these two fields fails unless it is declared a code (an ID number, a phone, a case code).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers

_CONTROL_ALLOWED = frozenset({"\n", "\r", "\t"})
_INVISIBLE = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})

CONTROL_MESSAGE = gettext_lazy("%(label)s含有不可见的控制字符（如 NUL），请删除后重新填写。")
REQUIRED_MESSAGE = gettext_lazy("请填写%(label)s。")
TOO_LONG_MESSAGE = gettext_lazy("%(label)s最多 %(max)s 个字，当前 %(count)s 个字。")


class FreeTextError(ValueError):
    """What is wrong with a text: a stable code and the Chinese sentence for the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def is_visible_text(text: str) -> bool:
    """Whether the text shows anything at all (not only spaces and zero-width characters)."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE for ch in text)


def normalise_free_text(value: object) -> str:
    """The text as it is kept: trimmed, and empty when nothing in it is visible. Raises
    `FreeTextError` for a control character (it would be invisible in every list and export)."""
    text = ("" if value is None else str(value)).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in _CONTROL_ALLOWED for ch in text):
        raise FreeTextError("control_character", gettext("含有不可见的控制字符（如 NUL），请删除后重新填写。"))
    return text if is_visible_text(text) else ""


def check_free_text(value: object, *, label: str, max_chars: int, required: bool = False) -> str:
    """The whole rule at once (services use it through `intake.services.cleaning.clean_text`):
    the normalised text, or `FreeTextError` with a sentence that names the field."""
    try:
        text = normalise_free_text(value)
    except FreeTextError as error:
        raise FreeTextError(error.code, CONTROL_MESSAGE % {"label": label}) from None
    if required and not text:
        raise FreeTextError("required", REQUIRED_MESSAGE % {"label": label})
    if len(text) > max_chars:
        raise FreeTextError("too_long", TOO_LONG_MESSAGE % {"label": label, "max": max_chars, "count": len(text)})
    return text


def _label(field_label: Any, fallback: str) -> str:
    return str(field_label) if field_label else fallback


class FreeTextField(forms.CharField):
    """A form's free text: the one rule, and a length limit that must be given."""

    def __init__(self, *, max_length: int, error_label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("strip", True)
        super().__init__(max_length=max_length, **kwargs)
        self.error_label = error_label  # the field's short name in messages, when its label is long

    def clean(self, value: Any) -> str:
        try:
            return check_free_text(value, label=_label(self.error_label or self.label, gettext("此项")), max_chars=self.max_length or 0,
                                   required=self.required)
        except FreeTextError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class FreeTextSerializerField(serializers.CharField):
    """The API's free text: the same rule and limit as the page's `FreeTextField`."""

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", not kwargs.get("required", True) or "default" in kwargs)
        super().__init__(max_length=max_length, trim_whitespace=False, **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data is serializers.empty or data is None:
            return super().run_validation(data)
        if not isinstance(data, str | int | float) or isinstance(data, bool):
            self.fail("invalid")
        label = _label(self.label or self.help_text, gettext("此项"))
        try:
            return check_free_text(data, label=label, max_chars=self.max_length or 0,
                                   required=not self.allow_blank)
        except FreeTextError as error:
            raise serializers.ValidationError(error.message, code=error.code) from None
