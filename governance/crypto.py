"""Personal data at rest (PIPL; 等保 2.0 level 3): resident ID numbers and phones are stored
encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from `cryptography`), and found again by a keyed hash
(a blind index: HMAC-SHA256 with a key of its own), never by their clear text.

Keys come from the environment (settings `PII_ENCRYPTION_KEYS`, `PII_INDEX_KEY`), not from the
database. Several encryption keys may be set: the first encrypts, all decrypt (MultiFernet), so a
key is rotated by putting a new one first and running `manage.py pii_rotate_keys`, which rewrites
every value with it; then the old key can go. The index key cannot rotate without recomputing every
index (`pii_rotate_keys --reindex` does that after a change of `PII_INDEX_KEY`)."""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, base64)


class PersonalDataKeyError(Exception):
    """A stored value that none of the configured keys decrypts."""


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.PII_ENCRYPTION_KEYS))


def pii_encrypt(value: str) -> str:
    """The value encrypted with the first key ("" stays "": nothing to hide, and blank stays blank)."""
    if not value:
        return ""
    return _keys().encrypt(value.encode("utf-8")).decode("ascii")


def pii_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _keys().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as error:
        raise PersonalDataKeyError("no configured key decrypts this value (PII_ENCRYPTION_KEYS)") from error


def pii_rotate(token: str) -> str:
    """The token re-encrypted with the first key (same clear text)."""
    if not token:
        return ""
    return _keys().rotate(token.encode("ascii")).decode("ascii")


def pii_digest(value: str) -> str:
    """The blind index of a value: HMAC-SHA256 (hex) with `PII_INDEX_KEY`; "" for an empty value.
    Callers pass the value as the application stores it (an ID number upper-cased, a phone as its
    search key), so equal values give equal digests."""
    if not value:
        return ""
    key = settings.PII_INDEX_KEY.encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pii_encrypt_existing(model: type, fields: tuple[str, ...], *, batch: int = 500) -> int:
    """For a migration: copy each clear `field` into `<field>_enc` (encrypted by the field) and its
    blind index into `<field>_digest`, `batch` rows per statement, in primary-key order. Returns the
    number of rows written."""
    written, last = 0, 0
    columns = [f"{name}_enc" for name in fields] + [f"{name}_digest" for name in fields]
    while True:
        rows = list(model._base_manager.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return written
        for row in rows:
            for name in fields:
                clear = getattr(row, name) or ""
                setattr(row, f"{name}_enc", clear)
                setattr(row, f"{name}_digest", pii_digest(clear))
        model._base_manager.bulk_update(rows, columns)
        written += len(rows)
        last = rows[-1].pk
