"""State of the database, the broker and the background workers, for /healthz and the status page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from governance.models import Heartbeat

WORKER = "worker"
BEAT = "beat"


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "vendor": connection.vendor, "error": str(exc).strip().splitlines()[0]}
    return {"ok": True, "vendor": connection.vendor}


def check_broker(timeout: float = 2.0) -> dict[str, Any]:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        ok = folder.is_dir() and _writable(folder)
        result: dict[str, Any] = {"ok": ok, "transport": "filesystem", "folder": str(folder)}
        if not ok:
            result["error"] = f"队列目录不可写：{folder}"
        return result
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port or 6379
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        client.ping()
    except (OSError, Exception) as exc:  # redis raises its own ConnectionError types
        return {"ok": False, "transport": parts.scheme, "host": f"{host}:{port}", "error": str(exc)}
    return {"ok": True, "transport": parts.scheme, "host": f"{host}:{port}"}


def _writable(folder: Path) -> bool:
    probe = folder / ".health-probe"
    try:
        probe.write_text("ok")
        probe.unlink()
    except OSError:
        return False
    return True


def heartbeat_record(*, component: str, at: dt.datetime, detail: dict[str, Any] | None = None) -> None:
    Heartbeat.objects.update_or_create(component=component, defaults={"last_seen": at, "detail": detail or {}})


def check_heartbeats(*, now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    now = now or timezone.now()
    stale = dt.timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    seen = {hb.component: hb for hb in Heartbeat.objects.filter(component__in=[WORKER, BEAT])}
    report: dict[str, dict[str, Any]] = {}
    for component in (WORKER, BEAT):
        hb = seen.get(component)
        if hb is None:
            report[component] = {"ok": False, "last_seen": None, "age_seconds": None}
            continue
        age = (now - hb.last_seen).total_seconds()
        report[component] = {
            "ok": age <= stale.total_seconds(),
            "last_seen": timezone.localtime(hb.last_seen).isoformat(),
            "age_seconds": round(age),
        }
    return report


def system_health(*, now: dt.datetime | None = None) -> dict[str, Any]:
    database = check_database()
    broker = check_broker()
    beats = check_heartbeats(now=now) if database["ok"] else {
        WORKER: {"ok": False, "last_seen": None, "age_seconds": None},
        BEAT: {"ok": False, "last_seen": None, "age_seconds": None},
    }
    checks = {"database": database, "broker": broker, **beats}
    return {
        "status": "ok" if all(c["ok"] for c in checks.values()) else "degraded",
        "time": timezone.localtime(now or timezone.now()).isoformat(),
        "checks": checks,
    }
