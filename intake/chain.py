"""The timeline's hash chain: each event of a matter stores a SHA-256 over its own canonical content
and the hash of the matter's previous event, so a row rewritten, removed or slipped in with SQL
breaks the chain at that point and the verifier names it.

- Appending (`events_seal`, called by every ORM insert of `CaseEvent`) locks the matter's row first
  (`SELECT … FOR UPDATE`), then reads the matter's last event: two events appended to one matter at
  once are chained one after the other, never both after the same event. The unique constraint on
  (matter, previous hash) refuses a fork in the database as well (SQLite serialises its writers).
- Chain order is the order of insertion (the event's id), not `occurred_at`: a caller may record an
  event with an earlier time than the last one.
- What the chain cannot show: a matter whose *last* events were deleted, or a database user who
  rewrites an event and recomputes every later hash of that matter. Keep the verifier's reports
  (the `TimelineCheck` rows, the nightly log) and the database backups off the database server.

The canonical form must never change for events already written (the migration that sealed the old
rows uses it too): a new form would need a new `v`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max
from django.utils import timezone
from psycopg2.extras import execute_values

CHAIN_VERSION = 1
GENESIS = ""  # the previous hash of a matter's first event
EVENT_TABLE = "intake_caseevent"
CASE_TABLE = "intake_case"
_COLUMNS = "id, case_id, type, actor_id, source, from_status, to_status, data, occurred_at, prev_hash, hash"


def canonical_data(data: Any) -> Any:
    """The data as the database keeps it (the JSON field's encoder turns dates, decimals and lazy
    strings into JSON), so the hash of an event before its insert equals the hash of the row read back."""
    return json.loads(json.dumps(data if data is not None else {}, cls=DjangoJSONEncoder))


def canonical_time(value: dt.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_digest(*, case_id: int, type: str, actor_id: int | None, source: str, from_status: str,
                 to_status: str, data: Any, occurred_at: dt.datetime, prev_hash: str) -> str:
    """SHA-256 (hex) over the event's canonical content and the previous event's hash."""
    content = {
        "v": CHAIN_VERSION, "case": case_id, "type": type, "actor": actor_id, "source": source,
        "from": from_status, "to": to_status, "data": canonical_data(data), "at": canonical_time(occurred_at),
        "prev": prev_hash,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _previous_of(head: tuple[int, str | None] | None) -> str:
    if head is None:
        return GENESIS
    pk, digest = head
    # A last event written outside the application (no hash) is reported by the verifier; the next
    # event still gets a previous hash of its own, so appending never fails on it.
    return digest or f"unsealed:{pk}"


def events_seal(*, events: list[Any], using: str = "default", new_case_ids: frozenset[int] = frozenset()) -> None:
    """Give each new event its place in its matter's chain (`prev_hash`, `hash`), in list order.
    Must run in the transaction that inserts them (the matter rows stay locked until it ends).
    `new_case_ids`: matters inserted by this same transaction (registration): invisible to others
    and without events, so neither locked nor read (two statements less per registration). Named
    wrongly, the unique (matter, previous hash) constraint refuses the second first event."""
    if not events:
        return
    # The models from the events themselves: this module is imported by the model's module.
    CaseEvent = type(events[0])  # noqa: N806
    Case = CaseEvent._meta.get_field("case").related_model  # noqa: N806
    case_ids = sorted({event.case_id for event in events} - set(new_case_ids))
    if None in case_ids:
        raise ValueError("an event's matter must be saved before the event")
    if case_ids and connections[using].features.has_select_for_update:
        # In id order, so two appenders that touch several matters lock them in the same order.
        list(Case.objects.using(using).select_for_update().filter(pk__in=case_ids).order_by("pk")
             .values_list("pk", flat=True))
    rows = CaseEvent._base_manager.using(using)
    heads: dict[int, tuple[int, str | None]] = {}
    if not case_ids:
        pass
    elif len(case_ids) == 1:
        last = rows.filter(case_id=case_ids[0]).order_by("-pk").values_list("pk", "hash").first()
        if last is not None:
            heads[case_ids[0]] = last
    else:
        last_ids = (rows.filter(case_id__in=case_ids).values("case_id").annotate(last=Max("pk"))
                    .values_list("last", flat=True))
        for case_id, pk, digest in rows.filter(pk__in=last_ids).values_list("case_id", "pk", "hash"):
            heads[case_id] = (pk, digest)
    previous = {case_id: _previous_of(head) for case_id, head in heads.items()}
    for event in events:
        prev = previous.get(event.case_id, GENESIS)
        event.prev_hash = prev
        event.hash = event_digest(case_id=event.case_id, type=event.type, actor_id=event.actor_id,
                                  source=event.source, from_status=event.from_status, to_status=event.to_status,
                                  data=event.data, occurred_at=event.occurred_at, prev_hash=prev)
        previous[event.case_id] = event.hash


# --- reading the chain with SQL (the verifier, and the migration that sealed the old rows) ---------
@dataclass(frozen=True)
class StoredEvent:
    id: int
    case_id: int
    type: str
    actor_id: int | None
    source: str
    from_status: str
    to_status: str
    data: Any
    occurred_at: dt.datetime
    prev_hash: str | None
    hash: str | None

    def digest(self, *, prev_hash: str) -> str:
        return event_digest(case_id=self.case_id, type=self.type, actor_id=self.actor_id, source=self.source,
                            from_status=self.from_status, to_status=self.to_status, data=self.data,
                            occurred_at=self.occurred_at, prev_hash=prev_hash)


def _stored(row: tuple) -> StoredEvent:
    pk, case_id, type_, actor_id, source, from_status, to_status, data, occurred_at, prev_hash, digest = row
    if isinstance(data, (str, bytes, bytearray)):
        data = json.loads(data)
    if isinstance(occurred_at, str):  # SQLite without the column's converter
        occurred_at = dt.datetime.fromisoformat(occurred_at)
    if timezone.is_naive(occurred_at):  # the database keeps UTC
        occurred_at = occurred_at.replace(tzinfo=dt.UTC)
    return StoredEvent(pk, case_id, type_, actor_id, source, from_status, to_status, data, occurred_at,
                       prev_hash, digest)


def _case_id_batches(connection: BaseDatabaseWrapper, *, batch: int, case_ids: Iterable[int] | None = None,
                     from_case_id: int = 0) -> Iterator[list[int]]:
    if case_ids is not None:
        ids = sorted(set(case_ids))
        for start in range(0, len(ids), batch):
            yield ids[start:start + batch]
        return
    last = from_case_id - 1
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT id FROM {CASE_TABLE} WHERE id > %s ORDER BY id LIMIT %s", [last, batch])  # noqa: S608
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return
            yield ids
            last = ids[-1]


def _events_of(connection: BaseDatabaseWrapper, case_ids: list[int]) -> Iterator[list[StoredEvent]]:
    """The events of these matters, one list per matter, in chain order."""
    marks = ", ".join(["%s"] * len(case_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_COLUMNS} FROM {EVENT_TABLE} WHERE case_id IN ({marks}) "  # noqa: S608
                       "ORDER BY case_id, id", case_ids)
        rows = [_stored(row) for row in cursor.fetchall()]
    current: list[StoredEvent] = []
    for event in rows:
        if current and current[-1].case_id != event.case_id:
            yield current
            current = []
        current.append(event)
    if current:
        yield current


@dataclass(frozen=True)
class ChainBreak:
    """The first broken link of one matter's timeline."""

    case_id: int
    event_id: int
    kind: str  # "unsealed" | "content" | "link"
    occurred_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "event_id": self.event_id, "kind": self.kind,
                "occurred_at": self.occurred_at.isoformat()}


BREAK_UNSEALED, BREAK_CONTENT, BREAK_LINK = "unsealed", "content", "link"


def chain_first_break(events: list[StoredEvent]) -> ChainBreak | None:
    """Walk one matter's events in chain order; the first event whose hash is missing, does not match
    its content, or does not follow the previous event's hash."""
    expected = GENESIS
    for event in events:
        if event.hash is None or event.prev_hash is None:
            return ChainBreak(event.case_id, event.id, BREAK_UNSEALED, event.occurred_at)
        if event.digest(prev_hash=event.prev_hash) != event.hash:
            return ChainBreak(event.case_id, event.id, BREAK_CONTENT, event.occurred_at)
        if event.prev_hash != expected:
            return ChainBreak(event.case_id, event.id, BREAK_LINK, event.occurred_at)
        expected = event.hash
    return None


@dataclass
class Verification:
    matters: int = 0
    events: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)


def timeline_verify(*, case_ids: Iterable[int] | None = None, using: str = "default", batch: int = 1000,
                    progress: Callable[[int], None] | None = None) -> Verification:
    """Check every matter's chain (or these matters'), `batch` matters per query; the first broken
    link of each broken matter, in matter order."""
    connection = connections[using]
    result = Verification()
    for ids in _case_id_batches(connection, batch=batch, case_ids=case_ids):
        for events in _events_of(connection, ids):
            result.matters += 1
            result.events += len(events)
            broken = chain_first_break(events)
            if broken is not None:
                result.breaks.append(broken)
        if progress:
            progress(len(ids))
    return result


def timeline_seal_unsealed(connection: BaseDatabaseWrapper, *, from_case_id: int = 0, batch: int = 1000,
                           progress: Callable[[int], None] | None = None) -> int:
    """Seal the events that have no hash yet (rows written with SQL: the migration that introduced the
    chain, `seed_scale`'s bulk load), continuing each matter's chain from its previous event, `batch`
    matters at a time. Returns the number of events sealed. Never run it over a timeline that may
    have been tampered with: it would seal the tampering."""
    sealed = 0
    for ids in _case_id_batches(connection, batch=batch, from_case_id=from_case_id):
        updates: list[tuple[str, str, int]] = []
        for events in _events_of(connection, ids):
            previous = GENESIS
            for event in events:
                if event.hash is None:
                    digest = event.digest(prev_hash=previous)
                    updates.append((previous, digest, event.id))
                    previous = digest
                else:
                    previous = event.hash
        _write_seals(connection, updates)
        sealed += len(updates)
        if progress:
            progress(len(ids))
    return sealed


def _write_seals(connection: BaseDatabaseWrapper, updates: list[tuple[str, str, int]]) -> None:
    if not updates:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            execute_values(cursor.cursor,
                           f"UPDATE {EVENT_TABLE} AS e SET prev_hash = v.prev, hash = v.digest "  # noqa: S608
                           "FROM (VALUES %s) AS v(prev, digest, id) WHERE e.id = v.id",
                           updates, page_size=1000)
        else:
            cursor.executemany(f"UPDATE {EVENT_TABLE} SET prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
                               updates)
