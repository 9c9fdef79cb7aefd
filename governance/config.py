"""Reading settings from the environment, failing fast with a one-line explanation.

django-environ parses (`Env` is its `Env`); this module adds only what it lacks: every name read is
recorded, for the check for misspelled variables (`reject_misspelled()`, once the settings have read
everything; `.env.example` documents the same names, `governance/tests/test_config.py` compares
them), a refusal in one readable line instead of a traceback, strict booleans (`maybe` is not
false), and the project's own formats (web addresses, rate limits, working hours, the databases).
"""

from __future__ import annotations

import builtins
import difflib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
_BOOL_WORDS = {"1", "0", "true", "false", "yes", "no", "on", "off", ""}
_NUMBER_KINDS = {int: "整数", float: "数字"}
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_RATE_UNITS = {"s": 1, "min": 60, "hour": 3600, "day": 86400}


class Env(environ.Env):
    """django-environ's `Env` over one mapping (the process's environment by default), recording the
    names read."""

    def __init__(self, environment: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.ENVIRON = os.environ if environment is None else environment
        self.read: set[str] = set()

    def get_value(self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET,
                  parse_default: bool = False) -> Any:
        """The library's, recording `var`; an empty number is its default, a bad one a line in Chinese."""
        self.read.add(var)
        raw = self.ENVIRON.get(var)
        if cast is bool and raw is not None and raw.strip().lower() not in _BOOL_WORDS:
            raise ImproperlyConfigured(f"{var}={raw!r} 不是布尔值：请用 1/0、true/false、yes/no 或 on/off。")
        if cast in _NUMBER_KINDS and raw == "" and default is not self.NOTSET:
            return default
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError:
            raise ImproperlyConfigured(f"{var}={raw!r} 不是{_NUMBER_KINDS.get(cast, '有效的值')}。") from None

    def list(self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET) -> builtins.list[str]:
        """The library's, without the blanks around the commas (`a, b,` is ["a", "b"])."""
        return [item.strip() for item in super().list(var, cast=cast, default=default) if item.strip()]

    def reject_misspelled(self, *, also_known: Iterable[str] = ()) -> None:
        """Refuse a variable that looks like one the project reads but is not (DATABSE_URL,
        REDIS_URI). `also_known`: names read outside the settings (the Makefile's PORT)."""
        known = self.read | set(also_known)
        for name in self.ENVIRON:
            if name in known:
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if close and close[0] not in self.ENVIRON:
                raise ImproperlyConfigured(f"未知的配置项 {name}：是否想写 {close[0]}？（见 .env.example）")

    def check_url(self, name: str, value: str, *, schemes: set[str]) -> None:
        scheme = urlsplit(value).scheme
        if scheme not in schemes:
            allowed = "、".join(sorted(schemes))
            raise ImproperlyConfigured(f"{name} 的协议 {scheme or '(空)'!s} 不受支持：应为 {allowed}。")

    def web_address(self, name: str) -> str:
        """An http(s) address without its trailing slash, or "" when unset."""
        value = self.str(name, default="").rstrip("/")
        if value:
            self.check_url(name, value, schemes={"http", "https"})
        return value

    def rate_limits(self, name: str, default: str) -> tuple[tuple[int, int], ...]:
        """`30/min,1000/hour` → ((30, 60), (1000, 3600)): at most 30 a minute and 1,000 an hour; units s,
        min, hour and day; empty: no limit."""
        limits = []
        for part in self.list(name, default=default.split(",")):
            count, _, unit = part.partition("/")
            if not count.strip().isdigit() or int(count) < 1 or unit.strip() not in _RATE_UNITS:
                raise ImproperlyConfigured(f"{name}={self.str(name, default=default)!r}：{part!r} 应写成 次数/单位，"
                                           "如 30/min、1000/hour、50/day（单位 s、min、hour、day，次数至少为 1）。")
            limits.append((int(count), _RATE_UNITS[unit.strip()]))
        return tuple(limits)

    def working_hours(self, name: str, default: str) -> builtins.list[tuple[tuple[int, int], tuple[int, int]]]:
        """`08:30-12:00,14:30-17:30`: periods of a working day, in order, not overlapping."""
        raw = self.str(name, default="") or default
        periods: builtins.list[tuple[tuple[int, int], tuple[int, int]]] = []
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

    def database(self, *, default_sqlite: Path) -> dict[str, Any]:
        """`DATABASE_URL` (PostgreSQL), or SQLite at `default_sqlite` when unset."""
        if not self.str("DATABASE_URL", default=""):
            default_sqlite.parent.mkdir(parents=True, exist_ok=True)
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(default_sqlite),
                "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            }
        return self._postgres("DATABASE_URL")

    def replica_database(self, primary: dict[str, Any]) -> dict[str, Any] | None:
        """`DATABASE_REPLICA_URL`: a streaming replica of the primary (PostgreSQL only), or None. In
        tests it mirrors the primary's test database (the replica holds whatever the primary does)."""
        if not self.str("DATABASE_REPLICA_URL", default=""):
            return None
        if primary["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_REPLICA_URL 需要 PostgreSQL 主库（DATABASE_URL）。")
        config = self._postgres("DATABASE_REPLICA_URL")
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_REPLICA_URL 应为 PostgreSQL 只读副本的地址（postgres://…）。")
        config["TEST"] = {"MIRROR": "default"}
        return config

    def _postgres(self, name: str) -> dict[str, Any]:
        self.check_url(name, self.str(name), schemes=DATABASE_SCHEMES)
        try:
            config = self.db_url(name)
        except Exception as exc:  # django-environ raises several types for a bad URL
            raise ImproperlyConfigured(f"{name} 无法解析：{exc}") from None
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("CONN_MAX_AGE", 60)
            config.setdefault("CONN_HEALTH_CHECKS", True)
            config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
        return config
