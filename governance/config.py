"""Reading settings from the environment, failing fast with a one-line explanation."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

# Every variable the project reads; `.env.example` lists the same names.
KNOWN_VARIABLES = frozenset(
    {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "VAR_DIR",
        "MEDIA_ROOT",
        "DATABASE_URL",
        "REDIS_URL",
        "SECURE_COOKIES",
        "CELERY_TASK_ALWAYS_EAGER",
        "HEARTBEAT_STALE_SECONDS",
        "WORKING_HOURS",
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "DEFAULT_FROM_EMAIL",
        "LOG_LEVEL",
        "DEFAULT_DISTRICT_CODE",
        "PORT",
        "SMS_BACKEND",
        "ATTACHMENT_MAX_BYTES",
        "ATTACHMENT_X_ACCEL_PREFIX",
        "ADMIN_URL",
        "API_TOKEN_TTL_DAYS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "LOGIN_FAILURE_LIMIT",
        "LOGIN_LOCKOUT_MINUTES",
        "LOGIN_ADDRESS_FAILURE_LIMIT",
        "TRUSTED_PROXIES",
        "API_THROTTLE_USER",
        "API_THROTTLE_ANON",
        "API_THROTTLE_OPEN311",
    }
)

DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
_BOOL_WORDS = {"1", "0", "true", "false", "yes", "no", "on", "off", ""}
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class Env:
    """A thin wrapper over django-environ whose errors are one readable line."""

    def __init__(self, environment: dict[str, str] | None = None) -> None:
        self.environ = os.environ if environment is None else environment
        self._env = environ.Env()
        self._env.ENVIRON = self.environ

    def reject_misspelled(self) -> None:
        """Refuse a variable that looks like one of ours but is not (DATABSE_URL, REDIS_URI)."""
        for name in self.environ:
            if name in KNOWN_VARIABLES:
                continue
            close = difflib.get_close_matches(name, KNOWN_VARIABLES, n=1, cutoff=0.85)
            if close and close[0] not in self.environ:
                raise ImproperlyConfigured(f"未知的配置项 {name}：是否想写 {close[0]}？（见 .env.example）")

    def str(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default)

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        if raw.strip().lower() not in _BOOL_WORDS:
            raise ImproperlyConfigured(f"{name}={raw!r} 不是布尔值：请用 1/0、true/false、yes/no 或 on/off。")
        return self._env.bool(name, default=default)

    def int(self, name: str, default: int) -> int:
        raw = self.environ.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} 不是整数。") from None

    def list(self, name: str, default: list[str]) -> list[str]:
        raw = self.environ.get(name)
        if raw is None:
            return default
        return [item.strip() for item in raw.split(",") if item.strip()]

    def path(self, name: str, default: Path) -> Path:
        raw = self.environ.get(name)
        return Path(raw) if raw else Path(default)

    def check_url(self, name: str, value: str, *, schemes: set[str]) -> None:
        scheme = urlsplit(value).scheme
        if scheme not in schemes:
            allowed = "、".join(sorted(schemes))
            raise ImproperlyConfigured(f"{name} 的协议 {scheme or '(空)'!s} 不受支持：应为 {allowed}。")

    def database(self, *, default_sqlite: Path) -> dict[str, Any]:
        url = self.environ.get("DATABASE_URL", "")
        if not url:
            default_sqlite.parent.mkdir(parents=True, exist_ok=True)
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(default_sqlite),
                "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            }
        self.check_url("DATABASE_URL", url, schemes=DATABASE_SCHEMES)
        try:
            config = environ.Env.db_url_config(url)
        except Exception as exc:  # django-environ raises several types for a bad URL
            raise ImproperlyConfigured(f"DATABASE_URL 无法解析：{exc}") from None
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("CONN_MAX_AGE", 60)
            config.setdefault("CONN_HEALTH_CHECKS", True)
            config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
        return config

    def working_hours(self, name: str, default: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        raw = self.environ.get(name) or default
        periods: list[tuple[tuple[int, int], tuple[int, int]]] = []
        for part in raw.split(","):
            match = _HOURS.match(part.strip())
            if not match:
                raise ImproperlyConfigured(f"{name}={raw!r} 格式错误：应为 08:30-12:00,14:30-17:30 这样的时段。")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if not (0 <= h1 < 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
                raise ImproperlyConfigured(f"{name} 中的时段 {part.strip()} 无效：开始须早于结束。")
            if periods and periods[-1][1] > (h1, m1):
                raise ImproperlyConfigured(f"{name} 的时段须按时间先后排列且不重叠。")
            periods.append(((h1, m1), (h2, m2)))
        return periods
