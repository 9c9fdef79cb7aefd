"""The web app with personal data stored in clear text, for `bench_intake`'s comparison only.

`bench_intake.bench_registration(encrypted=False)` starts gunicorn on this module (with
`--pythonpath benchmarks`) to measure registration without the field encryption of issue 24 item 8,
beside the figure with it. The keyed hash (blind index) stays: lookups need it either way. Never
deployed: the project's settings refuse to start in production without the encryption keys."""

from __future__ import annotations

import governance.crypto as crypto
from governance.wsgi import application


class _ClearText:
    """Stands where the Fernet keys stand: "encrypts" and "decrypts" to the same bytes."""

    def encrypt(self, data: bytes) -> bytes:
        return data

    def decrypt(self, token: bytes) -> bytes:
        return token


crypto._keys = _ClearText  # type: ignore[assignment]  # pii_encrypt/pii_decrypt call crypto._keys()

__all__ = ["application"]
