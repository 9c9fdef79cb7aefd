"""Model fields for personal data at rest (governance/crypto.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import FieldError
from django.db import models

from governance.crypto import pii_decrypt, pii_digest, pii_encrypt


class EncryptedCharField(models.TextField):
    """Clear text in Python, a Fernet token in the database. It cannot be searched: every lookup but
    `isnull` is refused (a query on it would compare ciphertexts and silently find nothing); find
    rows through its `BlindIndexField`."""

    def __init__(self, *args: Any, max_chars: int | None = None, **kwargs: Any) -> None:
        self.max_chars = max_chars
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        if self.max_chars is not None:
            kwargs["max_chars"] = self.max_chars
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        return pii_decrypt(value) if value else ""

    def to_python(self, value: Any) -> str:
        return "" if value is None else str(value)

    def get_prep_value(self, value: Any) -> str:
        return pii_encrypt(self.to_python(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is stored encrypted: look it up through its blind index, "
                             f"not with __{lookup_name}")
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs: Any) -> Any:
        return forms.CharField(max_length=self.max_chars, required=not self.blank,
                               label=self.verbose_name, **{k: v for k, v in kwargs.items()
                                                           if k in ("help_text", "initial", "widget")})


class BlindIndexField(models.CharField):
    """The keyed hash (HMAC-SHA256) of another field's clear value, kept in step on every save and
    insert (`pre_save`), for exact lookups: `Party.objects.filter(phone_digest=pii_digest(key))`.
    A bulk_update or update() that changes the source must set it too."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("blank", True), ("default", ""), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = pii_digest(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value
