"""The timeline's hash chain (issue 24 item 9): the ORM refuses to update or delete an event, but a
database user could still rewrite one. Each event carries an HMAC over its own content and the
previous event's hash of the same matter (in insertion order), keyed with TIMELINE_CHAIN_KEY, a secret
kept outside the database. Changing, deleting or inserting an event breaks every link after it, and
without the key the chain cannot be recomputed. `manage.py timeline_verify` audits every matter; the
status page shows the matters changed in the last day whose chain is broken."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from intake.models import Case, CaseEvent

FIELDS = ("case_id", "type", "actor_id", "source", "from_status", "to_status", "data", "occurred_at")


def _canonical(values: dict[str, Any]) -> bytes:
    occurred_at = values["occurred_at"]
    content = {
        **{name: values[name] for name in FIELDS if name not in ("data", "occurred_at")},
        # What the JSON column gives back, so the hash is the same before and after the round trip.
        "data": json.loads(json.dumps(values["data"], cls=DjangoJSONEncoder)),
        "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(values: dict[str, Any], prev_hash: str) -> str:
    key = settings.TIMELINE_CHAIN_KEY.encode()
    return hmac.new(key, prev_hash.encode() + b"\n" + _canonical(values), hashlib.sha256).hexdigest()


def _values(event: CaseEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in FIELDS}


def chain_link(events: list[CaseEvent]) -> None:
    """Give new events their place in their matters' chains (before the INSERT). The matters' rows are
    locked first (in id order), so two appends to one matter never link to the same previous event."""
    case_ids = sorted({event.case_id for event in events})
    if not case_ids:
        return
    list(Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk").values_list("pk", flat=True))
    last_ids = dict(CaseEvent.objects.filter(case_id__in=case_ids).values("case_id").annotate(last=Max("id"))
                    .values_list("case_id", "last"))
    last = dict(CaseEvent.objects.filter(pk__in=last_ids.values()).values_list("case_id", "chain_hash"))
    for event in events:
        previous = last.get(event.case_id, "")
        event.prev_hash = previous
        event.chain_hash = event_hash(_values(event), previous)
        last[event.case_id] = event.chain_hash


@dataclass(frozen=True)
class BrokenLink:
    case_id: int
    case_code: str
    event_id: int
    reason: str


def chain_verify(*, case_ids: Iterable[int] | None = None) -> list[BrokenLink]:
    """The first broken link of each matter whose chain does not hold (none: intact). One query,
    streamed in (matter, id) order."""
    rows = CaseEvent.objects.order_by("case_id", "id")
    if case_ids is not None:
        rows = rows.filter(case_id__in=list(case_ids))
    broken: dict[int, BrokenLink] = {}
    current, previous = None, ""
    for row in rows.values("id", "case__code", "prev_hash", "chain_hash", *FIELDS).iterator(chunk_size=2000):
        if row["case_id"] != current:
            current, previous = row["case_id"], ""
        if row["case_id"] in broken:
            continue
        reason = ""
        if row["prev_hash"] != previous:
            reason = "previous_changed"  # an event before it was removed, inserted or rewritten
        elif not hmac.compare_digest(row["chain_hash"], event_hash(row, previous)):
            reason = "content_changed"
        if reason:
            broken[row["case_id"]] = BrokenLink(row["case_id"], row["case__code"], row["id"], reason)
        previous = row["chain_hash"]
    return list(broken.values())


def recent_chain_check(*, now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """For the status page: the chains of the matters with an event in the last day."""
    since = (now or timezone.now()) - dt.timedelta(days=1)
    touched = CaseEvent.objects.filter(occurred_at__gte=since).values("case_id").distinct()
    broken = chain_verify(case_ids=[row["case_id"] for row in touched])
    label = gettext("时间线防篡改链")
    if not broken:
        return {label: {"ok": True, "message": gettext("近一天有变动的事项，时间线链完整。")}}
    codes = "、".join(link.case_code for link in broken[:10])
    message = gettext("%(count)s 个事项的时间线链断裂（数据库中的记录可能被直接改动过）：%(codes)s")
    return {label: {"ok": False, "message": message % {"count": len(broken), "codes": codes}}}
