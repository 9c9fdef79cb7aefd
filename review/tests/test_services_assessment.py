"""Publishing freezes a month; a recomputation makes the next version and says what changed."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch.models import Revisit
from governance.errors import ApplicationError, PermissionDeniedError
from review.models import AssessmentVersion
from review.selectors.assessment_figures import Month
from review.services.assessment import assessment_publish
from review.tests.october import NOW, at, build_october

OCTOBER = Month(2025, 10)


@pytest.fixture
def october(db):
    return build_october()


def _dept(version: AssessmentVersion, name: str) -> dict:
    return next(row for row in version.figures["departments"] if row["name"] == name)


def test_a_published_month_does_not_change_when_facts_change_and_a_recomputation_shows_why(october):
    first = assessment_publish(actor=october.admin, center=october.center, month=OCTOBER, now=NOW)
    assert (first.version, first.changes) == (1, [])
    assert _dept(first, "资规建交局")["rates"]["resolution"] == 50.0

    # A late revisit of z2's matter in November: "resolved" this time.
    Revisit.objects.create(case=october.assignments["z2"].case, revisited_by=october.admin, resolved="yes",
                           satisfaction="satisfied", revisited_at=at(11, 10))
    first.refresh_from_db()
    assert _dept(first, "资规建交局")["figures"]["revisited"] == 2  # frozen

    with pytest.raises(ApplicationError) as missing_reason:
        assessment_publish(actor=october.admin, center=october.center, month=OCTOBER, now=NOW)
    assert missing_reason.value.code == "required"

    later = NOW + dt.timedelta(days=5)
    second = assessment_publish(actor=october.admin, center=october.center, month=OCTOBER, reason="补录回访",
                                now=later)
    assert second.version == 2
    zgj_changes = {c["key"]: (c["old"], c["new"]) for c in second.changes if c["unit"] == "资规建交局"}
    assert zgj_changes["revisited"] == (2, 3)
    assert zgj_changes["resolved"] == (1, 2)
    assert zgj_changes["resolution"] == (50.0, 66.7)
    # 30 + 35 × 66.7% + 35 − 2.4 − the 慢作为 flag 3
    assert zgj_changes["score"] == (59.6, 82.95)
    # GA's matter is still open: three more working days overdue (11-06, 11-07, 11-10)
    ga_changes = {c["key"]: (c["old"], c["new"]) for c in second.changes if c["unit"] == "公安分局"}
    assert ga_changes["overdue_days"] == (14, 17)
    first.refresh_from_db()
    assert _dept(first, "资规建交局")["score"] == 59.6


def test_publishing_again_with_nothing_changed_is_refused(october):
    assessment_publish(actor=october.admin, center=october.center, month=OCTOBER, now=NOW)
    with pytest.raises(ApplicationError) as error:
        assessment_publish(actor=october.admin, center=october.center, month=OCTOBER, reason="核对", now=NOW)
    assert error.value.code == "unchanged"
    assert AssessmentVersion.objects.count() == 1


def test_only_the_administrator_publishes(october):
    from governance.tests.factories import UserFactory

    leader = UserFactory(roles=["leader"], profile={"center": october.center})
    with pytest.raises(PermissionDeniedError):
        assessment_publish(actor=leader, center=october.center, month=OCTOBER, now=NOW)
    assert not AssessmentVersion.objects.exists()
