"""Reading numbers and dates people and programs type into URLs, forms and APIs, without surprises.

`str.isdigit()` is true for "²" and "١", which `int()` then refuses or reads as another number;
and a 30-digit id overflows the database's BIGINT. Both used to end in a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext
from rest_framework import serializers

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


# --- dates ---------------------------------------------------------------------------------------
# No matter is registered, no deadline set and no meeting held outside these years. A date beyond
# them (9999-12-31, 0001-01-01) is a typing slip or a probe, and used to overflow a service adding a
# reminder delay or converting to UTC: a 500. Forms and APIs refuse it with this one message.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2199


def plausible_year(year: int) -> bool:
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def date_out_of_range_message() -> str:
    return gettext("日期须在 %(first)s 年至 %(last)s 年之间。") % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}


class _PlausibleDateMixin:
    """A form field's date or datetime within EARLIEST_YEAR..LATEST_YEAR (parsing overflow included)."""

    def to_python(self, value: Any) -> Any:
        try:
            result = super().to_python(value)  # type: ignore[misc]
        except OverflowError as error:
            raise forms.ValidationError(date_out_of_range_message(), code="date_out_of_range") from error
        if result is not None and not plausible_year(result.year):
            raise forms.ValidationError(date_out_of_range_message(), code="date_out_of_range")
        return result


class DateFormField(_PlausibleDateMixin, forms.DateField):
    """`forms.DateField` of a plausible date: every form of the project uses this one."""


class DateTimeFormField(_PlausibleDateMixin, forms.DateTimeField):
    """`forms.DateTimeField` of a plausible moment: every form of the project uses this one."""


class _PlausibleApiDateMixin:
    def to_internal_value(self, value: Any) -> Any:
        try:
            result = super().to_internal_value(value)  # type: ignore[misc]
        except OverflowError as error:
            raise serializers.ValidationError(date_out_of_range_message(), code="date_out_of_range") from error
        if result is not None and not plausible_year(result.year):
            raise serializers.ValidationError(date_out_of_range_message(), code="date_out_of_range")
        return result


class ApiDateField(_PlausibleApiDateMixin, serializers.DateField):
    """`serializers.DateField` of a plausible date (a 400 with the message otherwise)."""


class ApiDateTimeField(_PlausibleApiDateMixin, serializers.DateTimeField):
    """`serializers.DateTimeField` of a plausible moment (a 400 with the message otherwise)."""


# --- ids in forms --------------------------------------------------------------------------------
class IdFormField(forms.IntegerField):
    """A primary key typed into a form: a whole number from 1 to the database's BIGINT maximum."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", DB_ID_MAX)
        super().__init__(**kwargs)


class _IdChoiceMixin:
    """Model choices by primary key: a key that does not fit the database is an invalid choice (on
    SQLite `pk__in=[10**30]` raised OverflowError: a 500), never a query."""

    def _bad_key(self, value: Any) -> bool:
        key = getattr(self, "to_field_name", None) or "pk"
        return key == "pk" and value not in self.empty_values and db_id(value) is None  # type: ignore[attr-defined]


class IdModelChoiceField(_IdChoiceMixin, forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        if not isinstance(value, self.queryset.model) and self._bad_key(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdModelMultipleChoiceField(_IdChoiceMixin, forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> Any:
        for pk in value:
            if not isinstance(pk, self.queryset.model) and self._bad_key(pk):
                raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                            params={"pk": str(pk)[:30]})
        return super()._check_values(value)


# --- months in URLs and queries ------------------------------------------------------------------
def year_month(text: Any, *, first_year: int = 2000, last_year: int = 2100) -> tuple[int, int] | None:
    """A month typed as YYYY-MM (`?month=2025-10`) within the years a page can show, or None. A
    30-digit year used to overflow building the date (OverflowError, not ValueError), 9999-12 the
    next month."""
    year_text, _, month_text = str(text if text is not None else "").strip().partition("-")
    year = small_int(year_text, minimum=first_year, maximum=last_year)
    month = small_int(month_text, minimum=1, maximum=12)
    return None if year is None or month is None else (year, month)


def month_start(year: Any, month: Any, *, first_year: int = 2000, last_year: int = 2100) -> dt.date | None:
    """The first day of a month given as separate year and month (`?year=2025&month=10`), or None."""
    parsed = year_month(f"{year}-{month}", first_year=first_year, last_year=last_year)
    return dt.date(parsed[0], parsed[1], 1) if parsed else None
