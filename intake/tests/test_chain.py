"""Issue 24 item 9: the timeline is chained (HMAC over the event and the previous hash); a database
user's rewrite, deletion or insertion is found by the auditor and shown on the status page."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from governance.roles import Role
from governance.tests.factories import UserFactory
from intake.chain import chain_verify
from intake.events import case_event_build, case_event_record, case_events_record_many
from intake.models import CaseEvent
from intake.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _timeline():
    case = CaseFactory()
    first = case_event_record(case=case, type="case.registered", actor=None, data={"note": "登记"})
    case_events_record_many(events=[
        case_event_build(case=case, type="case.sent_to_dispatch", actor=None, from_status="registered",
                         to_status="pending_dispatch"),
        case_event_build(case=case.pk, type="case.sent_to_dispatch", actor=None, data={"n": 2})])
    return case, first


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:  # what a database user can do, past the ORM's refusal
        cursor.execute(sql, params)


def test_each_event_links_to_the_previous_one_of_its_matter():
    case, first = _timeline()
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert events[0].prev_hash == "" and all(len(e.chain_hash) == 64 for e in events)
    assert [e.prev_hash for e in events[1:]] == [e.chain_hash for e in events[:-1]]
    assert chain_verify() == []
    call_command("timeline_verify")


def test_a_rewritten_event_is_found():
    case, first = _timeline()
    _raw("UPDATE intake_caseevent SET data = %s WHERE id = %s", ['{"note": "从未登记"}', first.pk])
    [broken] = chain_verify()
    assert (broken.case_code, broken.event_id, broken.reason) == (case.code, first.pk, "content_changed")
    with pytest.raises(CommandError, match="1 个事项"):
        call_command("timeline_verify", case.code)


def test_a_deleted_event_is_found_and_shown_on_the_status_page(client):
    case, first = _timeline()
    second = CaseEvent.objects.filter(case=case).order_by("id")[1]
    _raw("DELETE FROM intake_caseevent WHERE id = %s", [second.pk])
    [broken] = chain_verify()
    assert broken.reason == "previous_changed"
    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    page = client.get("/org/status/").content.decode()
    assert "时间线防篡改链" in page and case.code in page and "时间线链断裂" in page
