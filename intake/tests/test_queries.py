"""Query budgets: registration at most 8 statements; list pages constant whatever the row count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.selectors import CaseFilters, case_list
from intake.tests.factories import CaseFactory, PartyFactory, category
from intake.tests.test_services_case import applicant, register

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def statements(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(TRANSACTION_CONTROL)]


@pytest.mark.django_db(transaction=True)
def test_registration_of_a_walk_in_takes_at_most_8_statements(clerk, center, window, django_assert_max_num_queries):
    """Measured outside a test transaction, as in production: 8 statements plus BEGIN and COMMIT."""
    jf10 = category("JF10")
    register(clerk, center, window=window, category=jf10)  # the year's sequence row exists from now on
    with django_assert_max_num_queries(8 + 2) as ctx:
        register(clerk, center, window=window, category=jf10,
                 parties=[applicant(id_number="11010519491231002X", phone="13900000001")])
    assert len(statements(ctx)) <= 8, "\n".join(statements(ctx))


def _list_queries(user, total):
    filters = CaseFilters(category=category("JF").pk, q="欠薪")
    user._role_codes = None  # as in a fresh request
    with CaptureQueriesContext(connection) as ctx:
        page = case_list(actor=user, filters=filters)
    assert len(page.rows) == total
    return len(ctx)


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(clerk):
    for _ in range(5):
        CaseFactory(first_receiver=clerk, applicant=PartyFactory())
    few = _list_queries(clerk, 5)
    for _ in range(45):
        CaseFactory(first_receiver=clerk, applicant=PartyFactory())
    many = _list_queries(clerk, 50)
    assert few == many <= 5  # roles, profile, capped count, rows, applicants
