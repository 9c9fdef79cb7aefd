"""Verifying the timeline's hash chain (intake/chain.py): the nightly run, `verify_timeline`, and the
status page's check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from intake.chain import BREAK_CONTENT, BREAK_LINK, ChainBreak, timeline_verify
from intake.models import Case, TimelineCheck

BREAKS_KEPT = 100
# The nightly run (settings: timeline-verify) is late after this long: the status page warns (amber).
CHECK_STALE = dt.timedelta(hours=26)


def chain_break_describe(*, kind: str, event_id: int) -> str:
    if kind == BREAK_CONTENT:
        return _("事件 #%(id)s 的内容与其摘要不符（被改写）") % {"id": event_id}
    if kind == BREAK_LINK:
        return _("事件 #%(id)s 与前一事件的摘要不衔接（其前的事件被删除、插入或改写）") % {"id": event_id}
    return _("事件 #%(id)s 没有摘要（未经系统写入）") % {"id": event_id}


def _break_rows(breaks: list[ChainBreak]) -> list[dict[str, Any]]:
    kept = breaks[:BREAKS_KEPT]
    codes = dict(Case.objects.filter(pk__in=[b.case_id for b in kept]).values_list("pk", "code"))
    return [{**b.as_dict(), "code": codes.get(b.case_id, str(b.case_id))} for b in kept]


def timeline_check_matters(*, case_ids: Iterable[int]) -> tuple[int, int, list[dict[str, Any]]]:
    """Verify these matters' chains without recording (a partial check must not clear the status
    page): matters, events, and the first broken link of each broken matter."""
    result = timeline_verify(case_ids=case_ids)
    return result.matters, result.events, _break_rows(result.breaks)


def timeline_check_run(*, now: dt.datetime, progress: Callable[[int], None] | None = None) -> TimelineCheck:
    """Verify every matter's chain and record the result for the status page."""
    result = timeline_verify(progress=progress)
    return TimelineCheck.objects.create(started_at=now, finished_at=max(now, timezone.now()),
                                        matters=result.matters, events=result.events, broken=len(result.breaks),
                                        breaks=_break_rows(result.breaks))


def timeline_chain_checks(*, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """For the status page and /healthz: red while the last verification found a broken chain."""
    label = _("时间线防篡改")
    last = TimelineCheck.objects.order_by("-started_at", "-pk").first()
    if last is None:
        return {label: {"ok": True, "message": _("尚未核验（每晚自动核验，或运行 manage.py verify_timeline）")}}
    when = f"{timezone.localtime(last.started_at):%Y-%m-%d %H:%M}"
    if last.broken:
        first = last.breaks[0] if last.breaks else None
        detail = (_("首个：事项 %(code)s，%(what)s") % {
            "code": first["code"], "what": chain_break_describe(kind=first["kind"], event_id=first["event_id"])}
            if first else "")
        return {label: {"ok": False, "broken": last.broken,
                        "message": _("%(when)s 核验：%(count)s 件事项的时间线被改动。%(detail)s") % {
                            "when": when, "count": last.broken, "detail": detail}}}
    if now - last.started_at > CHECK_STALE:
        return {label: {"ok": False, "soft": True,
                        "message": _("最近一次核验在 %(when)s，已超过一天：定时核验可能已停止") % {"when": when}}}
    return {label: {"ok": True, "broken": 0,
                    "message": _("%(when)s 核验：%(matters)s 件事项、%(events)s 个事件，摘要链完整") % {
                        "when": when, "matters": last.matters, "events": last.events}}}
