"""The deadline engine's auditor and health: steps missed or fired without their messages, dead sweep
runs, the lag of the day, and the checks the status page and /healthz show."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from dispatch.models import (
    AuditAlarm,
    DeadlineStep,
    SweepRun,
)
from dispatch.services.notifications import (
    notification_outbox_stats,
    notification_urgent_waiting,
)

logger = logging.getLogger(__name__)

AUDIT_GRACE = dt.timedelta(minutes=2)  # the sweep runs every 15 s; a step 2 minutes late is missed
ALARM_KIND = "deadline_steps_unfired"
LOST_ALARM_KIND = "deadline_messages_missing"
# A run still "running" after this long died with its process (a catch-up of 10,000 steps takes seconds).
SWEEP_RUN_TIMEOUT = dt.timedelta(minutes=10)
# Finished runs are kept this long (failed ones for good: they are the record of an incident).
SWEEP_RUN_KEPT = dt.timedelta(days=7)
# The auditor looks this far back for fired steps missing their messages.
AUDIT_WINDOW = dt.timedelta(days=2)
# An e-mail/SMS row undelivered this long means deliveries are stuck (broker or worker down).
UNDELIVERED_STALE = dt.timedelta(minutes=10)
LAG_PROMISE = dt.timedelta(seconds=60)



def deadline_steps_missed(*, now: dt.datetime) -> int:
    return DeadlineStep.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True,
                                       due_at__lt=now - AUDIT_GRACE).count()


def deadline_steps_without_messages(*, now: dt.datetime) -> int:
    """Steps fired in the audit window that have fewer messages than they wrote when they fired
    (it cannot happen while marks and messages share a transaction; the auditor makes sure)."""
    return (DeadlineStep.objects.filter(fired_at__gte=now - AUDIT_WINDOW, outcome="fired", message_count__gt=0)
            .annotate(stored=Count("notifications")).filter(stored__lt=F("message_count")).count())


def sweep_runs_close_dead(*, now: dt.datetime) -> int:
    """Close as failed the runs still open long after any sweep could have finished (their process died),
    and forget finished runs older than `SWEEP_RUN_KEPT` (a run every 15 s is 5,760 rows a day)."""
    SweepRun.objects.filter(status=SweepRun.Status.FINISHED, started_at__lt=now - SWEEP_RUN_KEPT).delete()
    return SweepRun.objects.filter(status=SweepRun.Status.RUNNING, started_at__lt=now - SWEEP_RUN_TIMEOUT).update(
        status=SweepRun.Status.FAILED, finished_at=now, error="巡检进程中断（未正常结束），已由核查关闭")


def _alarm(*, kind: str, count: int, message: str, now: dt.datetime) -> AuditAlarm | None:
    open_alarms = AuditAlarm.objects.filter(kind=kind, resolved_at__isnull=True)
    if not count:
        open_alarms.update(resolved_at=now)
        return None
    if not open_alarms.update(last_seen_at=now, missed=count, message=message):
        try:
            with transaction.atomic():
                AuditAlarm.objects.create(kind=kind, message=message, missed=count, raised_at=now, last_seen_at=now)
        except IntegrityError:  # another auditor raised it at the same moment
            open_alarms.update(last_seen_at=now, missed=count, message=message)
    logger.error("deadline audit: %s", message)
    return open_alarms.first()


def deadline_audit(*, now: dt.datetime | None = None) -> AuditAlarm | None:
    """Close dead sweep runs as failed; raise (or refresh) an alarm when steps fell due and did not
    fire, or fired steps lack their messages; resolve each when it no longer holds. Returns an open
    alarm, if any."""
    now = now or timezone.now()
    sweep_runs_close_dead(now=now)
    missed = deadline_steps_missed(now=now)
    unfired = _alarm(kind=ALARM_KIND, count=missed, now=now,
                     message=f"有 {missed} 个时限节点到期超过 {AUDIT_GRACE.seconds // 60} 分钟仍未执行："
                             "定时调度（beat）或巡检任务可能已停止。")
    lost = deadline_steps_without_messages(now=now)
    missing = _alarm(kind=LOST_ALARM_KIND, count=lost, now=now,
                     message=f"有 {lost} 个已执行的时限节点缺少应发的通知：请核查并补发。")
    return unfired or missing


def deadline_lag_today(*, now: dt.datetime) -> dict[str, Any]:
    """The steps the sweep fired today (local day) and the worst lag of today's and of the last 15
    minutes, from the sweep's runs (a row a run; the steps of a day of bursts are tens of thousands)."""
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    runs = SweepRun.objects.filter(fired_at__gte=midnight, fired_at__lte=now)
    stats = runs.aggregate(worst=Max("worst_lag"), count=Sum(F("fired") + F("skipped")),
                           recent=Max("worst_lag", filter=Q(fired_at__gte=now - dt.timedelta(minutes=15))))
    worst, recent = stats["worst"], stats["recent"]
    return {"fired_today": stats["count"] or 0,
            "worst_lag_seconds": round(worst.total_seconds(), 1) if worst is not None else None,
            "recent_worst_lag_seconds": round(recent.total_seconds(), 1) if recent is not None else None}


def deadline_engine_checks(*, now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """For the status page's and /healthz's `extra_checks`: missed steps, fired steps without their
    messages, dead sweep runs, the outbox (undelivered e-mail/SMS and the oldest) and the lag."""
    now = now or timezone.now()
    missed = deadline_steps_missed(now=now)
    # Fired steps without their messages: as the auditor (every minute, `deadline_audit`) last found
    # them, from its open alarm. Counted here on every view of /healthz and the status page, it joined
    # every step fired in two days to its messages (420 ms after a burst of 60,000 steps).
    open_alarms = list(AuditAlarm.objects.filter(resolved_at__isnull=True).order_by("-raised_at"))
    lost = next((open_alarm.missed for open_alarm in open_alarms if open_alarm.kind == LOST_ALARM_KIND), 0)
    alarm = open_alarms[0] if open_alarms else None
    last = SweepRun.objects.filter(status=SweepRun.Status.FINISHED).order_by("-started_at").first()
    dead = SweepRun.objects.filter(
        Q(status=SweepRun.Status.FAILED) | Q(status=SweepRun.Status.RUNNING, started_at__lt=now - SWEEP_RUN_TIMEOUT),
        started_at__gte=now - dt.timedelta(hours=1)).count()
    last_text = f"最近一次巡检 {timezone.localtime(last.started_at):%Y-%m-%d %H:%M:%S}" if last else "尚未巡检"
    if dead:
        last_text += f"；最近一小时 {dead} 次巡检中断"
    checks: dict[str, dict[str, Any]] = {}
    if missed or lost or alarm:
        parts = []
        if missed:
            parts.append(f"有 {missed} 个时限节点到期超过 {AUDIT_GRACE.seconds // 60} 分钟仍未执行")
        if lost:
            parts.append(f"有 {lost} 个已执行的时限节点缺少应发的通知")
        message = "；".join(parts) or (alarm.message if alarm else "")
        checks["时限督办"] = {"ok": False, "message": f"{message}（{last_text}）", "missed": missed,
                           "without_messages": lost}
    else:
        checks["时限督办"] = {"ok": True, "message": f"所有到期节点均已执行，通知齐全（{last_text}）", "missed": 0,
                           "without_messages": 0}
    outbox = notification_outbox_stats(now=now)
    stale = outbox["oldest_age_seconds"] is not None and outbox["oldest_age_seconds"] > UNDELIVERED_STALE.total_seconds()
    if outbox["undelivered"]:
        text = (f"待发送短信/邮件 {outbox['undelivered']} 条，最早一条已等待 "
                f"{_duration_text(outbox['oldest_age_seconds'])}")
    else:
        text = "没有待发送的短信/邮件"
    if stale:
        text += "：投递可能已停止"
    if outbox["held_for_office_hours"]:
        opens = dt.datetime.fromisoformat(outbox["office_opens_at"])
        text += f"；另有 {outbox['held_for_office_hours']} 条非紧急消息在静默时段暂缓，{opens:%m-%d %H:%M} 上班后发送"
    if outbox["held_by_gateway_limits"]:
        frees = dt.datetime.fromisoformat(outbox["gateway_limits_free_at"])
        text += (f"；{outbox['held_by_gateway_limits']} 条因接收人已达网关频率上限暂缓，"
                 f"最早 {frees:%m-%d %H:%M:%S} 发送")
    checks["消息投递"] = {"ok": not stale, "message": text, **outbox}
    urgent = notification_urgent_waiting(now=now)
    if urgent["failing"]:
        # red: the gateway refuses a summons message (it keeps retrying while the report-in runs)
        checks["紧急消息"] = {"ok": False, "message": f"召集短信/邮件有 {urgent['failing']} 条发送失败：网关异常，"
                                                   "系统持续重试，请电话通知被召集部门", **urgent}
    elif urgent["waiting"]:
        # amber: a call-up waits (the urgent worker is busy, down, or taking over a crashed delivery)
        checks["紧急消息"] = {"ok": False, "soft": True, **urgent,
                           "message": f"召集短信/邮件 {urgent['waiting']} 条待发送，最早一条已等待 "
                                      f"{_duration_text(urgent['oldest_age_seconds'])}"}
    else:
        checks["紧急消息"] = {"ok": True, "message": "没有待发送的召集短信/邮件", **urgent}
    lag = deadline_lag_today(now=now)
    recent = lag["recent_worst_lag_seconds"]
    late = recent is not None and recent > LAG_PROMISE.total_seconds()
    worst = lag["worst_lag_seconds"]
    checks["执行延迟"] = {
        # A step fired late in the last 15 minutes while none is missed now: the engine has caught up,
        # the center is recovering (amber), not down.
        "ok": not late, "soft": not missed,
        "message": (f"今日已执行 {lag['fired_today']} 个节点，最大延迟 {_duration_text(worst)}"
                    if worst is not None else "今日尚无执行的节点") + ("：最近 15 分钟超过 1 分钟" if late else ""),
        **lag,
    }
    return checks


def _duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} 秒"
    if seconds < 7200:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds / 3600:.1f} 小时"


def sweep_stats(*, now: dt.datetime) -> dict[str, int]:
    """Counts for the board and the benchmark."""
    return DeadlineStep.objects.aggregate(
        pending=Count("pk", filter=Q(fired_at__isnull=True, cancelled_at__isnull=True)),
        due=Count("pk", filter=Q(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)),
    )
