from __future__ import annotations

import pytest
from django.db import OperationalError, connection, transaction

from governance.errors import ApplicationError, PermissionDeniedError
from governance.tests.concurrency import at_once
from governance.tests.factories import UserFactory
from intake.models import Case, CaseLink, SensitiveView
from intake.selectors import cases_for_applicant
from intake.services import PartyInput, case_link, party_full_id_view, registration
from intake.tests.factories import CaseFactory, PartyFactory, category, valid_id_number
from intake.tests.test_services_case import NOW, applicant, register


@pytest.mark.django_db
def test_case_link_records_event_and_refuses_duplicates(clerk, center):
    a, b = register(clerk, center), register(clerk, center)
    case_link(actor=clerk, case=b, other=a, note="同一工地")
    assert CaseLink.objects.filter(from_case=b, to_case=a, note="同一工地").exists()
    assert b.events.filter(type="case.linked").count() == 1
    with pytest.raises(ApplicationError):
        case_link(actor=clerk, case=b, other=a, note="again")
    with pytest.raises(ApplicationError):
        case_link(actor=clerk, case=b, other=b, note="")
    assert b.events.filter(type="case.linked").count() == 1


@pytest.mark.django_db
def test_cases_for_applicant_in_one_query(clerk, center, django_assert_num_queries):
    first = register(clerk, center, title="第一次")
    second = register(clerk, center, title="第二次", parties=[applicant(id_number="")])  # same phone only
    register(clerk, center, parties=[applicant(id_number=valid_id_number(order=7), phone="13900000009")])
    with django_assert_num_queries(1):
        rows = cases_for_applicant(id_number=applicant().id_number, phone="13805950001")
    assert [r["code"] for r in rows] == [second.code, first.code]
    assert rows[0]["status_label"] == "已登记" and rows[0]["category"] == "劳动争议"


@pytest.mark.django_db
def test_full_id_view_requires_role_and_logs(clerk, center):
    case = CaseFactory(applicant=PartyFactory())
    party = case.case_parties.get().party
    assert party_full_id_view(actor=clerk, party=party, case=case, page="/x") == party.id_number
    assert SensitiveView.objects.filter(actor=clerk, party=party, case=case).count() == 1
    handler = UserFactory(roles=["department_handler"], center=center)
    with pytest.raises(PermissionDeniedError):
        party_full_id_view(actor=handler, party=party)
    assert SensitiveView.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_consecutive_codes(clerk, center):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    jf10 = category("JF10")
    at_once(lambda n: register(clerk, center, category=jf10, title=f"并发{n}",
                               parties=[PartyInput(name=f"申请人{n}", phone=f"139{n:08d}")]), 8)
    sequences = sorted(Case.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 9))
    assert len(set(Case.objects.values_list("code", flat=True))) == 8


def _number_row_free(year: int) -> bool:
    """Whether another connection could take the year's number right now (not waiting on a lock)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM intake_casesequence WHERE year = %s FOR UPDATE NOWAIT", [year])
    except OperationalError:
        return False
    return True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_number_is_not_held_while_the_matter_is_written(clerk, center, monkeypatch):
    """Issue 25: the district's number row stayed locked from its UPDATE to the COMMIT, so one
    registration slow in its insert (a GIN clean-up) or its commit held back every other one."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    register(clerk, center)  # the year's number row exists from now on
    record, free = registration.case_events_record_many, []

    def record_then_ask(**kwargs):
        events = record(**kwargs)
        free.extend(at_once(lambda _n: _number_row_free(NOW.year), 1))
        return events

    monkeypatch.setattr(registration, "case_events_record_many", record_then_ask)
    assert register(clerk, center).sequence == 2
    assert free == [True]
