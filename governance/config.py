"""Reading settings from the environment, failing fast with a one-line explanation.

django-environ parses; this module adds what it lacks: a refusal in one readable line instead of a
traceback, strict booleans (`maybe` is not false), and the check for misspelled variables. Every
variable the settings read is recorded as it is read, so the check needs no list of its own: call
`reject_misspelled()` once the settings have read everything (`.env.example` documents the same
names; `governance/tests/test_config.py` compares them).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
_BOOL_WORDS = {"1", "0", "true", "false", "yes", "no", "on", "off", ""}
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


_RATE_UNITS = {"s": 1, "min": 60, "hour": 3600, "day": 86400}


class Env:
    """django-environ's `Env` over one mapping, recording the names read."""

    def __init__(self, environment: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environment is None else environment
        self._env = environ.Env()
        self._env.ENVIRON = self.environ
        self.read: set[str] = set()

    def _raw(self, name: str) -> str | None:
        self.read.add(name)
        return self.environ.get(name)

    def reject_misspelled(self, *, also_known: Iterable[str] = ()) -> None:
        """Refuse a variable that looks like one the project reads but is not (DATABSE_URL,
        REDIS_URI). `also_known`: names read outside the settings (the Makefile's PORT)."""
        known = self.read | set(also_known)
        for name in self.environ:
            if name in known:
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if close and close[0] not in self.environ:
                raise ImproperlyConfigured(f"未知的配置项 {name}：是否想写 {close[0]}？（见 .env.example）")

    def str(self, name: str, default: str = "") -> str:
        self._raw(name)
        return self._env.str(name, default=default)

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self._raw(name)
        if raw is not None and raw.strip().lower() not in _BOOL_WORDS:
            raise ImproperlyConfigured(f"{name}={raw!r} 不是布尔值：请用 1/0、true/false、yes/no 或 on/off。")
        return self._env.bool(name, default=default)

    def int(self, name: str, default: int) -> int:
        return self._number(name, default, self._env.int, "整数")

    def float(self, name: str, default: float) -> float:
        return self._number(name, default, self._env.float, "数字")

    def _number(self, name: str, default: Any, parse: Callable[[str], Any], kind: str) -> Any:
        raw = self._raw(name)
        if not raw:
            return default
        try:
            return parse(name)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} 不是{kind}。") from None

    def web_address(self, name: str) -> str:
        """An http(s) address without its trailing slash, or "" when unset."""
        value = self.str(name, default="").rstrip("/")
        if value:
            self.check_url(name, value, schemes={"http", "https"})
        return value

    def rate_limits(self, name: str, default: str) -> tuple[tuple[int, int], ...]:
        """`30/min,1000/hour` → ((30, 60), (1000, 3600)): at most 30 a minute and 1,000 an hour; units s,
        min, hour and day; empty: no limit."""
        raw = self._raw(name)
        text = default if raw is None else raw
        limits = []
        for part in (piece.strip() for piece in text.split(",")):
            if not part:
                continue
            count, _, unit = part.partition("/")
            if not count.strip().isdigit() or int(count) < 1 or unit.strip() not in _RATE_UNITS:
                raise ImproperlyConfigured(f"{name}={text!r}：{part!r} 应写成 次数/单位，如 30/min、1000/hour、"
                                           "50/day（单位 s、min、hour、day，次数至少为 1）。")
            limits.append((int(count), _RATE_UNITS[unit.strip()]))
        return tuple(limits)

    def list(self, name: str, default: list[str]) -> list[str]:
        if self._raw(name) is None:
            return default
        return [item.strip() for item in self._env.list(name) if item.strip()]

    def path(self, name: str, default: Path) -> Path:
        return Path(self._raw(name) or default)

    def check_url(self, name: str, value: str, *, schemes: set[str]) -> None:
        scheme = urlsplit(value).scheme
        if scheme not in schemes:
            allowed = "、".join(sorted(schemes))
            raise ImproperlyConfigured(f"{name} 的协议 {scheme or '(空)'!s} 不受支持：应为 {allowed}。")

    def database(self, *, default_sqlite: Path) -> dict[str, Any]:
        url = self._raw("DATABASE_URL") or ""
        if not url:
            default_sqlite.parent.mkdir(parents=True, exist_ok=True)
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(default_sqlite),
                "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            }
        return self._postgres("DATABASE_URL", url)

    def replica_database(self, primary: dict[str, Any]) -> dict[str, Any] | None:
        """`DATABASE_REPLICA_URL`: a streaming replica of the primary (PostgreSQL only), or None. In
        tests it mirrors the primary's test database (the replica holds whatever the primary does)."""
        url = self._raw("DATABASE_REPLICA_URL") or ""
        if not url:
            return None
        if primary["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_REPLICA_URL 需要 PostgreSQL 主库（DATABASE_URL）。")
        config = self._postgres("DATABASE_REPLICA_URL", url)
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_REPLICA_URL 应为 PostgreSQL 只读副本的地址（postgres://…）。")
        config["TEST"] = {"MIRROR": "default"}
        return config

    def _postgres(self, name: str, url: str) -> dict[str, Any]:
        self.check_url(name, url, schemes=DATABASE_SCHEMES)
        try:
            config = self._env.db_url_config(url)
        except Exception as exc:  # django-environ raises several types for a bad URL
            raise ImproperlyConfigured(f"{name} 无法解析：{exc}") from None
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("CONN_MAX_AGE", 60)
            config.setdefault("CONN_HEALTH_CHECKS", True)
            config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
        return config

    def working_hours(self, name: str, default: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """`08:30-12:00,14:30-17:30`: periods of a working day, in order, not overlapping."""
        raw = self._raw(name) or default
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


# What each real SMS gateway needs besides the backend's name (`SMS_BACKEND=aliyun` or `tencent`).
_SMS_GATEWAY_NEEDS = {
    "aliyun": ("SMS_KEY_ID", "SMS_KEY_SECRET", "SMS_TEMPLATE_SUMMONS", "SMS_TEMPLATE_ESCALATION",
               "SMS_TEMPLATE_NOTICE"),
    "tencent": ("SMS_KEY_ID", "SMS_KEY_SECRET", "SMS_APP_ID", "SMS_TEMPLATE_SUMMONS", "SMS_TEMPLATE_ESCALATION",
                "SMS_TEMPLATE_NOTICE"),
}
_SMS_GATEWAY_CLASSES = {"dispatch.gateways.aliyun_sms.AliyunSMSBackend": "aliyun",
                        "dispatch.gateways.tencent_sms.TencentSMSBackend": "tencent"}


def _require_gateway_settings(setting: str, backend: str, values: dict[str, str], *,
                              needs: Mapping[str, tuple[str, ...]], classes: Mapping[str, str]) -> None:
    """A real gateway without its key, app id or a template code would fail every message at 2 a.m.:
    refuse to start instead."""
    vendor = classes.get(backend.strip(), backend.strip().lower())
    missing = [name for name in needs.get(vendor, ()) if not values.get(name)]
    if missing:
        raise ImproperlyConfigured(f"{setting}={backend} 需要配置：{'、'.join(missing)}（见 README「Notifications」）。")


def check_sms_gateway(backend: str, values: dict[str, str]) -> None:
    _require_gateway_settings("SMS_BACKEND", backend, values, needs=_SMS_GATEWAY_NEEDS, classes=_SMS_GATEWAY_CLASSES)


_VOICE_GATEWAY_NEEDS = {"aliyun": ("VOICE_KEY_ID", "VOICE_KEY_SECRET", "VOICE_SHOW_NUMBER", "VOICE_TEMPLATE_ESCALATION",
                                   "VOICE_TEMPLATE_CONFIRMED")}
_VOICE_GATEWAY_CLASSES = {"dispatch.gateways.aliyun_voice.AliyunVoiceBackend": "aliyun"}


def check_voice_gateway(backend: str, values: dict[str, str], *, play_times: int, after_minutes: float) -> None:
    """As `check_sms_gateway`, for the voice gateway; and the call's numbers within the vendor's range."""
    _require_gateway_settings("VOICE_BACKEND", backend, values, needs=_VOICE_GATEWAY_NEEDS,
                              classes=_VOICE_GATEWAY_CLASSES)
    if not 1 <= play_times <= 3:
        raise ImproperlyConfigured(f"VOICE_PLAY_TIMES={play_times} 应为 1 到 3（网关允许的播放次数）。")
    if not after_minutes > 0:
        raise ImproperlyConfigured(f"VOICE_CALL_AFTER_MINUTES={after_minutes} 应大于 0（分钟，可带小数，如 0.5）。")
