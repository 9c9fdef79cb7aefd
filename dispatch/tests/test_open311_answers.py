"""Open311 after close (issue 22 item 10): the filing platform reads the department's answer the center
approved in `status_notes`, and polls the changes with `updated_after`; a keyless client still reads the
status in words only. The georeport-shaped client of `intake/tests/test_open311_requests.py`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dispatch import services as svc
from dispatch.tests.factories_work import World, at
from intake.choices import CaseStatus, HandlingMode
from intake.open311 import views as open311_views
from intake.open311.services import platform_key_create

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
ANSWER = "已约谈夜市经营户，22 点后停止营业，已安装噪音监测。"


@pytest.fixture
def world():
    return World()


@pytest.fixture
def clock(monkeypatch):
    state = {"now": at(2025, 10, 20, 9, 0)}
    monkeypatch.setattr(open311_views, "clock", lambda: state["now"])
    return state


def handled_to_close(world, case, *, report: str = ANSWER) -> None:
    (assignment,) = svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police, now=at(2025, 10, 9, 9, 0))
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 10, 9, 9, 30))
    svc.assignment_report_back(actor=world.police.liaison, assignment=assignment, text="初步处理", now=at(2025, 10, 10, 9, 0))
    svc.assignment_return_for_rework(actor=world.director, assignment=assignment, reason="未说明长效措施",
                                     now=at(2025, 10, 10, 10, 0))
    svc.assignment_report_back(actor=world.police.liaison, assignment=assignment, text=report, now=at(2025, 10, 13, 9, 0))
    case.refresh_from_db()
    svc.case_verify(actor=world.grid_worker, case=case, passed=True, notes="现场安静", now=at(2025, 10, 14, 20, 0))
    case.refresh_from_db()
    svc.case_revisit(actor=world.dispatcher, case=case, resolved="yes", satisfaction="satisfied",
                     now=at(2025, 10, 15, 9, 0))
    case.refresh_from_db()
    svc.case_close(actor=world.dispatcher, case=case, note="办结", now=at(2025, 10, 15, 9, 30))


def test_the_platform_reads_the_approved_answer_after_close(world, clock):
    key, raw = platform_key_create(name="泉州市12345热线", center=world.center, source="qz12345")
    case = world.case(external_source="qz12345", external_ref="GD-1", registered_at=at(2025, 10, 9, 8, 50))
    client = Client()
    before = client.get(f"{BASE}/requests/{case.code}.json", {"api_key": raw}).json()[0]
    assert before["status_notes"] == "待调度"
    handled_to_close(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    [item] = client.get(f"{BASE}/requests/{case.code}.json", {"api_key": raw}).json()
    assert item["status"] == "closed"
    assert item["status_notes"] == f"已办结：{ANSWER}"  # the accepted report, not the one sent back
    xml = client.get(f"{BASE}/requests/{case.code}.xml", {"api_key": raw}).content.decode()
    assert f"<status_notes>已办结：{ANSWER}</status_notes>" in xml
    listed = client.get(f"{BASE}/requests.json", {"api_key": raw}).json()
    assert [row["status_notes"] for row in listed] == [f"已办结：{ANSWER}"]
    # without the key: the public status in words only (the answer may name people)
    assert client.get(f"{BASE}/requests/{case.code}.json").json()[0]["status_notes"] == "已办结"


def test_updated_after_gives_the_matters_changed_since_whenever_registered(world, clock):
    key, raw = platform_key_create(name="泉州市12345热线", center=world.center, source="qz12345")
    old = world.case(external_source="qz12345", external_ref="GD-OLD", registered_at=at(2025, 5, 6, 9, 0))
    quiet = world.case(external_source="qz12345", external_ref="GD-QUIET", registered_at=at(2025, 10, 8, 9, 0))
    type(quiet).objects.filter(pk=quiet.pk).update(updated_at=at(2025, 10, 8, 9, 0))
    handled_to_close(world, old)
    client = Client()

    def codes(**params):
        response = client.get(f"{BASE}/requests.json", {"api_key": raw, **params})
        assert response.status_code == 200, response.content
        return [row["service_request_id"] for row in response.json()]

    assert old.code not in codes()  # registered more than 90 days ago: out of the default span
    assert codes(updated_after="2025-10-12T00:00:00+08:00") == [old.code]
    assert codes(updated_after="2025-10-01T00:00:00+08:00") == [quiet.code, old.code]  # least recently changed first
    assert codes(updated_after="2025-10-15T09:30:00+08:00") == []  # the close is the last change
    assert codes(updated_after="2025-10-01T00:00:00+08:00", status="closed") == [old.code]
    bad = client.get(f"{BASE}/requests.json", {"api_key": raw, "updated_after": "yesterday"})
    assert bad.status_code == 400 and "updated_after" in bad.content.decode()
    assert clock["now"] - dt.timedelta(days=90) > at(2025, 5, 6, 9, 0)
