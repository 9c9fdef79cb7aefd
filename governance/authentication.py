"""API authentication (its own module: DRF imports it while loading its settings)."""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """django-rest-knox tokens (stored as SHA-512 digests, with an expiry), reading the user's
    profile and center in the same query (every API call asks for the center next: one statement
    instead of two)."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        message = _("Invalid token.")
        raw = token.decode("utf-8")
        candidates = get_token_model().objects.filter(token_key=raw[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related(
            "user__profile__center__district")
        for auth_token in candidates:
            if self._cleanup_token(auth_token):  # expired: deleted, skipped
                continue
            try:
                digest = hash_token(raw)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message) from None
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)
