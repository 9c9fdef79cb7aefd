"""API authentication (its own module: DRF imports it while loading its settings)."""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
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

    def _cleanup_token(self, auth_token: Any) -> bool:
        """Only this token's expiry (knox also sweeps every other token of the user on each call:
        one query more per request; expired tokens are refused either way)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema names it: `Authorization: Token <key>`."""

    target_class = "governance.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Token <key>（manage.py drf_create_token USER；默认 30 天有效）"}
