"""The REST API's settings (Django REST Framework, its tokens and its schema), read by
`governance.settings` through its recording `Env`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.config import Env


def api_settings(env: Env) -> dict[str, Any]:
    """REST_FRAMEWORK, REST_KNOX and SPECTACULAR_SETTINGS."""
    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework.authentication.SessionAuthentication",
            # django-rest-knox tokens: only a SHA-512 digest is stored, and they expire.
            "governance.authentication.TokenAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_PAGINATION_CLASS": "governance.api.StrictPageNumberPagination",
        "PAGE_SIZE": 50,
        "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        "EXCEPTION_HANDLER": "governance.api.exception_handler",
        # Per user (session or token) and per address for the anonymous; Open311 per platform key.
        # Too many calls answer 429 with Retry-After.
        "DEFAULT_THROTTLE_CLASSES": [
            "rest_framework.throttling.AnonRateThrottle",
            "rest_framework.throttling.UserRateThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
            "user": env.str("API_THROTTLE_USER", default="300/minute"),
            "open311": env.str("API_THROTTLE_OPEN311", default="120/minute"),
        },
    }
    # API tokens (`Authorization: Token <key>`, from `manage.py drf_create_token USER`): valid for
    # API_TOKEN_TTL_DAYS days, stored hashed; revoke with `drf_create_token USER --revoke`.
    REST_KNOX = {
        "TOKEN_TTL": dt.timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
        "AUTH_HEADER_PREFIX": "Token",
        "AUTO_REFRESH": False,
    }

    SPECTACULAR_SETTINGS = {
        "TITLE": "社会治理中心 API",
        "DESCRIPTION": "事项受理、调度派单、督办考核接口",
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,
        # Not a public API: the schema and the docs page only for signed-in users (issue 24 item 7).
        "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
        # Every operation documents every status it can answer (400/403/404/405/406/409/413/415/429).
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "governance.api.document_error_statuses",
        ],
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        # One stable enum name per choice set shared by several endpoints.
        "ENUM_NAME_OVERRIDES": {
            "CaseStatusEnum": "intake.choices.CaseStatus",
            "IntakeChannelEnum": "intake.choices.Channel",
            "HandlingModeEnum": "intake.choices.HandlingMode",
            "ComplexityEnum": "intake.choices.Complexity",
            "PartyKindEnum": "intake.choices.PartyKind",
            "AssignmentStatusEnum": "dispatch.choices.AssignmentStatus",
            "SummonsStatusEnum": "dispatch.choices.SummonsStatus",
            "ModeKindEnum": "intake.choices.OperatingMode",
            "ShiftKindEnum": "dispatch.choices.ShiftKind",
            "NotificationChannelEnum": "dispatch.choices.NotificationChannel",
            "DeliveryStatusEnum": "dispatch.choices.DeliveryStatus",
            "KeyPersonRiskEnum": "grid.choices.KeyPersonRisk",
            "RiskLevelEnum": "intake.choices.RiskLevel",
            "SignMethodEnum": "dispatch.choices.SignMethod",
        },
    }
    return {name: value for name, value in locals().items() if name.isupper()}
