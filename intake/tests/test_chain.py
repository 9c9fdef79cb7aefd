"""The timeline's hash chain (issue 24 item 9): every event is sealed to the previous one of its
matter; a row rewritten, removed or slipped in with SQL is found by the verifier and turns the
status page red."""

from __future__ import annotations

import datetime as dt
import decimal
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from governance.health import system_health
from governance.roles import Role
from governance.tests.concurrency import at_once
from governance.tests.factories import UserFactory
from intake.chain import GENESIS, timeline_seal_unsealed, timeline_verify
from intake.choices import CaseEventType
from intake.events import case_event_build, case_event_record, case_events_record_many
from intake.models import CaseEvent, TimelineCheck
from intake.services.timeline import timeline_check_run
from intake.tests.test_services_case import register

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 10, 20, 9, 5, tzinfo=SH)


def chain(case):
    return list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("prev_hash", "hash"))


def link(case, *, n: int = 0, now=NOW):
    return case_event_record(case=case, type=CaseEventType.CASE_LINKED, actor=None, data={"n": n},
                             now=now + dt.timedelta(minutes=n))


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_every_event_follows_the_previous_one_of_its_matter(clerk, center):
    case = register(clerk, center)
    other = register(clerk, center)
    link(case, n=1)
    case_events_record_many(events=[  # one statement, two matters, two events of the first
        case_event_build(case=case, type=CaseEventType.CASE_LINKED, actor=None, data={"n": 2}, now=NOW),
        case_event_build(case=other, type=CaseEventType.CASE_LINKED, actor=None, data={"n": 2}, now=NOW),
        case_event_build(case=case, type=CaseEventType.CASE_LINKED, actor=None, data={"n": 3}, now=NOW),
    ])
    for matter in (case, other):
        rows = chain(matter)
        assert rows[0][0] == GENESIS
        assert all(len(digest) == 64 for _prev, digest in rows)
        assert [prev for prev, _ in rows[1:]] == [digest for _, digest in rows[:-1]]
    assert len(chain(case)) == len(chain(other)) + 2
    assert timeline_verify().breaks == []


@pytest.mark.django_db
def test_an_event_hashes_as_the_database_keeps_it(clerk, center):
    """Dates, decimals and lazy strings in the data are hashed as the JSON field stores them."""
    from django.utils.translation import gettext_lazy

    case = register(clerk, center)
    case_event_record(case=case, type=CaseEventType.CASE_LINKED, actor=clerk, now=NOW,
                      data={"at": NOW + dt.timedelta(microseconds=123456), "amount": decimal.Decimal("1.50"),
                            "label": gettext_lazy("事件"), "名": ["甲", 1, None, True, 2.5]})
    assert timeline_verify(case_ids=[case.pk]).breaks == []


@pytest.mark.django_db
def test_a_rewritten_event_is_found_and_turns_the_status_page_red(clerk, center, client):
    case = register(clerk, center)
    link(case, n=1)
    link(case, n=2)
    intact = register(clerk, center)
    target = CaseEvent.objects.filter(case=case).order_by("pk")[1]
    raw("UPDATE intake_caseevent SET to_status = %s WHERE id = %s", ["closed", target.pk])

    check = timeline_check_run(now=NOW)
    assert check.broken == 1
    assert check.breaks == [{"case_id": case.pk, "code": case.code, "event_id": target.pk, "kind": "content",
                             "occurred_at": target.occurred_at.isoformat()}]
    assert timeline_verify(case_ids=[intact.pk]).breaks == []

    health = system_health()
    assert health["status"] == "degraded"
    assert health["extra_checks"]["时间线防篡改"]["ok"] is False
    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    page = client.get("/org/status/").content.decode()
    assert f"事项 {case.code}" in page and f"事件 #{target.pk} 的内容与其摘要不符" in page
    assert '<span class="status-bad">' in page


@pytest.mark.django_db
def test_a_deleted_or_inserted_event_breaks_the_link(clerk, center):
    case = register(clerk, center)
    first, second, third = (link(case, n=n) for n in (1, 2, 3))
    raw("DELETE FROM intake_caseevent WHERE id = %s", [second.pk])
    [gap] = timeline_verify().breaks
    assert (gap.event_id, gap.kind) == (third.pk, "link")

    slipped = register(clerk, center)
    raw("INSERT INTO intake_caseevent (case_id, type, source, from_status, to_status, data, occurred_at) "
        "VALUES (%s, 'case.closed', 'web', '', 'closed', '{}', %s)", [slipped.pk, NOW])
    found = {b.case_id: b for b in timeline_verify().breaks}
    assert found[slipped.pk].kind == "unsealed"
    # appending after it still works, and the matter stays reported
    link(slipped, n=4)
    assert timeline_verify(case_ids=[slipped.pk]).breaks[0].kind == "unsealed"


@pytest.mark.django_db
def test_the_first_event_removed_is_found(clerk, center):
    case = register(clerk, center)
    link(case, n=1)
    first = CaseEvent.objects.filter(case=case).order_by("pk").first()
    raw("DELETE FROM intake_caseevent WHERE id = %s", [first.pk])
    assert timeline_verify().breaks[0].kind == "link"


@pytest.mark.django_db
def test_the_database_refuses_a_fork(clerk, center):
    case = register(clerk, center)
    head = CaseEvent.objects.filter(case=case).order_by("-pk").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        raw("INSERT INTO intake_caseevent (case_id, type, source, from_status, to_status, data, occurred_at, "
            "prev_hash, hash) VALUES (%s, 'case.closed', 'web', '', 'closed', '{}', %s, %s, %s)",
            [case.pk, NOW, head.prev_hash, "0" * 64])


@pytest.mark.django_db
def test_rows_written_with_sql_are_sealed_in_batches(clerk, center):
    """What the migration does to the events written before the chain existed (and seed_scale to
    its bulk load)."""
    cases = [register(clerk, center) for _ in range(3)]
    for case in cases:
        link(case, n=1)
    raw("UPDATE intake_caseevent SET hash = NULL, prev_hash = NULL", [])
    assert len(timeline_verify().breaks) == 3
    sealed = timeline_seal_unsealed(connection, batch=2)
    assert sealed == CaseEvent.objects.count()
    assert timeline_verify(batch=2).breaks == []
    link(cases[0], n=2)  # the chain goes on from the sealed rows
    assert timeline_verify().breaks == []


@pytest.mark.django_db
def test_verify_timeline_command(clerk, center):
    case = register(clerk, center)
    out = io.StringIO()
    call_command("verify_timeline", stdout=out)
    assert "摘要链完整" in out.getvalue()
    event = CaseEvent.objects.filter(case=case).first()
    raw("UPDATE intake_caseevent SET data = %s WHERE id = %s", ['{"channel": "phone"}', event.pk])
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 件事项的时间线被改动"):
        call_command("verify_timeline", stdout=out)
    assert f"{case.code}\t事件 #{event.pk} 的内容与其摘要不符" in out.getvalue()
    # one matter only: reported, not recorded for the status page
    with pytest.raises(CommandError):
        call_command("verify_timeline", "--case", case.code, stdout=io.StringIO())
    assert TimelineCheck.objects.count() == 2
    with pytest.raises(CommandError, match="没有这些事项"):
        call_command("verify_timeline", "--case", "NOPE", stdout=io.StringIO())


@pytest.mark.django_db
def test_status_page_states_of_the_check(clerk, center):
    from intake.services.timeline import timeline_chain_checks

    assert timeline_chain_checks(now=NOW)["时间线防篡改"]["ok"] is True  # not verified yet
    register(clerk, center)
    timeline_check_run(now=NOW)
    fresh = timeline_chain_checks(now=NOW + dt.timedelta(hours=1))["时间线防篡改"]
    assert fresh["ok"] is True and "摘要链完整" in fresh["message"]
    stale = timeline_chain_checks(now=NOW + dt.timedelta(days=2))["时间线防篡改"]
    assert stale["ok"] is False and stale["soft"] is True


@pytest.mark.django_db
def test_the_nightly_task_is_scheduled(settings, clerk, center):
    from intake.tasks import timeline_verify_task

    assert settings.CELERY_BEAT_SCHEDULE["timeline-verify"]["task"] == "intake.tasks.timeline_verify"
    register(clerk, center)
    with time_machine.travel(NOW, tick=False):
        assert timeline_verify_task() == 0
    assert TimelineCheck.objects.get().started_at == NOW


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_to_one_matter_never_fork(clerk, center):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    case = register(clerk, center)
    before = CaseEvent.objects.filter(case=case).count()

    def append(n: int) -> None:
        for k in range(5):
            with transaction.atomic():
                link(case, n=n * 10 + k)

    at_once(append, 8)
    assert CaseEvent.objects.filter(case=case).count() == before + 40
    assert timeline_verify().breaks == []
    prevs = [prev for prev, _ in chain(case)]
    assert len(set(prevs)) == len(prevs)


@pytest.mark.django_db
def test_registration_chains_its_first_events_without_reading_the_chain(clerk, center):
    """The registration's events start the new matter's chain without a lock or a read (the matter is
    this transaction's own); a matter wrongly named new is refused by the database, never forked."""
    case = register(clerk, center)
    assert chain(case)[0][0] == GENESIS and timeline_verify().breaks == []
    again = case_event_build(case=case, type=CaseEventType.CASE_LINKED, actor=None, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.bulk_create([again], new_case_ids=frozenset([case.pk]))
