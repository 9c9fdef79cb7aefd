"""State of the database, the broker and the background workers, for /healthz and the status page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.cache_backend import cache_status
from governance.jobs import jobs_stale
from governance.models import Heartbeat
from governance.replica import breaker as replica_breaker
from governance.replica import replica_configured

WORKER = "worker"
BEAT = "beat"

# Checks that other apps add from their `ready()` (governance imports no app above it):
# each is called with `now=` and returns {label: {"ok": bool, "message": str, ...}}. A failing check
# marked `"soft": True` is the lag of something that already works again (a backlog draining, a job
# being taken over): the center is "recovering", amber on the status page, and /healthz stays 200.
ExtraCheck = Callable[..., dict[str, dict[str, Any]]]
_EXTRA_CHECKS: list[ExtraCheck] = []


def register_check(check: ExtraCheck) -> None:
    if check not in _EXTRA_CHECKS:
        _EXTRA_CHECKS.append(check)


def run_extra_checks(*, now: dt.datetime) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for check in _EXTRA_CHECKS:
        try:
            results.update(check(now=now))
        except Exception as exc:  # a broken check must not take the health page down with it
            results[getattr(check, "__name__", "check")] = {"ok": False, "message": f"检查失败：{exc}"}
    return results


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
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        client.ping()
        queues = queue_depths(client)
    except (OSError, redis.RedisError) as exc:
        return {"ok": False, "transport": parts.scheme, "host": f"{host}:{port}", "error": str(exc)}
    return {"ok": True, "transport": parts.scheme, "host": f"{host}:{port}", "queues": queues}


def queue_depths(client: Any) -> dict[str, int]:
    """Messages waiting in each Celery queue on Redis (a queue is one list per priority step)."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    steps = options.get("priority_steps", [0, 3, 6, 9])
    sep = options.get("sep", "\x06\x16")
    names = getattr(settings, "BROKER_QUEUES", [settings.CELERY_TASK_DEFAULT_QUEUE])
    pipe = client.pipeline()
    for name in names:
        for step in steps:
            pipe.llen(name if not step else f"{name}{sep}{step}")
    lengths = iter(pipe.execute())
    return {name: sum(next(lengths) for _ in steps) for name in names}


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


def worker_component(queue: str) -> str:
    """The heartbeat of the workers consuming `queue` (`worker:sweep`, `worker:urgent` …)."""
    return f"{WORKER}:{queue}"


def workers_record(*, queues: list[str], at: dt.datetime) -> None:
    """A worker is alive: each worker process beats for the queues it consumes, from a thread of its own
    (governance.celery_signals), every `WORKER_HEARTBEAT_SECONDS`, whatever beat does."""
    for queue in queues:
        heartbeat_record(component=worker_component(queue), at=at)


def _age(hb: Heartbeat | None, now: dt.datetime, stale_seconds: float) -> dict[str, Any]:
    if hb is None:
        return {"ok": False, "last_seen": None, "age_seconds": None}
    age = (now - hb.last_seen).total_seconds()
    return {"ok": age <= stale_seconds, "last_seen": timezone.localtime(hb.last_seen).isoformat(),
            "age_seconds": round(age)}


def check_heartbeats(*, now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Beat (it records publishing its heartbeat task, every minute) and the worker of each queue (each
    worker process beats for its own queues): a dead sweep or SMS worker shows within
    `WORKER_HEARTBEAT_STALE_SECONDS`, and a dead beat does not make the workers look dead."""
    now = now or timezone.now()
    queues = list(getattr(settings, "BROKER_QUEUES", [settings.CELERY_TASK_DEFAULT_QUEUE]))
    names = [BEAT, *(worker_component(queue) for queue in queues)]
    seen = {hb.component: hb for hb in Heartbeat.objects.filter(component__in=names)}
    per_queue = {queue: _age(seen.get(worker_component(queue)), now, settings.WORKER_HEARTBEAT_STALE_SECONDS)
                 for queue in queues}
    stopped = [queue for queue, state in per_queue.items() if not state["ok"]]
    ages = [state["age_seconds"] for state in per_queue.values()]
    oldest = max(per_queue.values(), key=lambda state: (state["age_seconds"] is None, state["age_seconds"] or 0))
    worker = {"ok": not stopped, "last_seen": oldest["last_seen"],
              "age_seconds": None if None in ages else max(ages, default=None),
              "queues": per_queue, "stopped": stopped}
    return {WORKER: worker, BEAT: _age(seen.get(BEAT), now, settings.HEARTBEAT_STALE_SECONDS)}


def system_health(*, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    database = check_database()
    broker = check_broker()
    beats = check_heartbeats(now=now) if database["ok"] else {
        WORKER: {"ok": False, "last_seen": None, "age_seconds": None, "queues": {}, "stopped": []},
        BEAT: {"ok": False, "last_seen": None, "age_seconds": None},
    }
    checks = {"database": database, "broker": broker, **beats}
    extra = run_extra_checks(now=now) if database["ok"] else {}
    return {
        "status": overall_status(checks, extra),
        "time": timezone.localtime(now).isoformat(),
        "checks": checks,
        "extra_checks": extra,
    }


OK, RECOVERING, DEGRADED = "ok", "recovering", "degraded"


def overall_status(checks: dict[str, dict[str, Any]], extra: dict[str, dict[str, Any]]) -> str:
    """`degraded` when a component or a hard check fails, `recovering` when only soft checks fail."""
    failing = [c for c in [*checks.values(), *extra.values()] if not c["ok"]]
    if not failing:
        return OK
    return RECOVERING if all(c.get("soft") for c in failing) else DEGRADED


# The status page's names of the components (the extra checks are named by their keys).
COMPONENT_NAMES = {"database": _("数据库"), "broker": _("消息队列"), "worker": _("后台任务（worker）"),
                   "beat": _("定时调度（beat）")}


def failing_checks(report: dict[str, Any]) -> list[str]:
    """The names of what fails outright (not the soft checks that only say "recovering"), for the
    status page's headline: what to look at first."""
    core = [str(COMPONENT_NAMES.get(key, key)) for key, check in report["checks"].items() if not check["ok"]]
    return core + [name for name, check in report["extra_checks"].items() if not check["ok"] and not check.get("soft")]


def governance_checks(*, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """The shared cache (read around while Redis is down) and long jobs whose worker died."""
    results: dict[str, dict[str, Any]] = {}
    if "ResilientRedisCache" in settings.CACHES["default"]["BACKEND"]:
        cache = cache_status()
        results["共享缓存"] = {"ok": cache["ok"], "soft": True,
                           "message": "正常" if cache["ok"] else "Redis 不可用：暂时直接读取数据库，业务照常"}
    if replica_configured():
        usable = replica_breaker.usable()
        results["只读副本"] = {"ok": usable, "soft": True, "message": (
            "正常：报表、驾驶舱、考核、研判和导出从副本读取" if usable
            else f"{replica_breaker.reason}：暂时全部从主库读取，业务照常")}
    stale = jobs_stale(now=now)
    results["后台长任务"] = {
        "ok": not stale, "soft": True,
        "message": (f"{len(stale)} 个任务的处理进程已停止，正在接管：" + "、".join(j.key for j in stale[:5])
                    if stale else "没有停滞的任务"),
    }
    return results

