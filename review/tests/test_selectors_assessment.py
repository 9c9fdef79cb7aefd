"""The October 2025 month (review/tests/october.py): every figure, rate, score, flag and rank by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from review.models import AssessmentScheme
from review.selectors.assessment import assessment_compute, figure_items
from review.selectors.assessment_figures import FIGURES, TOWN_FIGURES, Month
from review.tests.october import NOW, at, build_october

OCTOBER = Month(2025, 10)

ZERO = {figure.key: 0 for figure in FIGURES}
EXPECTED = {
    "资规建交局": ZERO | {
        "assigned": 2, "ack_due": 2, "ack_on_time": 2, "finished_on_time": 1, "overdue": 1, "overdue_days": 2,
        "revisited": 2, "assessed": 2, "resolved": 1, "satisfied": 2,
        "summoned": 1, "summons_late": 1, "summons_late_minutes": 7,
        "duty_kept": 10, "duty_late": 1, "stationed_kept": 3, "stationed_late": 1},
    "公安分局": ZERO | {
        "assigned": 2, "ack_due": 2, "ack_on_time": 2, "finished_on_time": 1, "overdue": 1, "overdue_days": 14,
        "declined": 1, "decline_overruled": 1, "extension_asked": 1,
        "revisited": 1, "assessed": 1, "resolved": 1, "satisfied": 1, "summoned": 1, "summons_on_time": 1, "duty_missed": 8},
    "劳动保障维权服务中心": ZERO | {
        "assigned": 3, "ack_due": 2, "ack_on_time": 1, "ack_missing": 1, "finished_on_time": 1,
        "rework": 1, "declined": 1, "decline_upheld": 1, "redo_not_resolved": 1,
        "revisited": 2, "assessed": 2, "resolved": 1, "satisfied": 1},
}


@pytest.fixture
def october(db):
    return build_october()


def _rows(result):
    return {row["name"]: row for row in result["departments"]}


def test_the_calendar_of_october_counts_the_holiday_and_the_makeup_saturday(october):
    result = assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    assert result["calendar"] == {
        "working_days": 18,
        "weekday_holidays": ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08"],
        "makeup_days": ["2025-10-11"],
    }


def test_every_department_figure_matches_the_hand_count(october):
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    for name, expected in EXPECTED.items():
        assert rows[name]["figures"] == expected, name


def test_the_three_rates(october):
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    # response = on time / due to acknowledge; resolution = yes / revisited; satisfaction = (satisfied+basic) / revisited
    assert rows["资规建交局"]["rates"] == {"response": 100.0, "resolution": 50.0, "satisfaction": 100.0}
    assert rows["公安分局"]["rates"] == {"response": 100.0, "resolution": 100.0, "satisfaction": 100.0}
    assert rows["劳动保障维权服务中心"]["rates"] == {"response": 50.0, "resolution": 50.0, "satisfaction": 50.0}


def test_scores_with_the_example_scheme_and_the_ranking(october):
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    zgj, ga, ld = rows["资规建交局"], rows["公安分局"], rows["劳动保障维权服务中心"]
    # ZGJ: 30×100% + 0 (resolution 50% is under the 60% threshold) + 35×100% = 65;
    # minus 1 overdue × 1, 2 overdue working days × 0.2, 1 late summons × 1, the 慢作为 flag 3 → 59.6
    # (every duty and stationed day was signed in: nothing missed; lateness costs no points)
    assert zgj["subscores"] == {"response": 30.0, "resolution": 0.0, "satisfaction": 35.0}
    assert zgj["deductions"] == {"overdue": 1.0, "overdue_days": 0.4, "summons_late": 1.0, "flag_slow": 3.0}
    assert zgj["score"] == 59.6
    # GA: 100 − 1 overdue − 14 × 0.2 − 8 missed duty days × 2 − the 不作为 flag 5 = 75.2
    assert ga["subscores"] == {"response": 30.0, "resolution": 35.0, "satisfaction": 35.0}
    assert ga["score"] == 75.2
    # LD: every rate is 50%, under its threshold: 0, and no deduction to take it lower
    assert ld["score"] == 0.0
    assert (ga["rank"], zgj["rank"], ld["rank"]) == (1, 2, 3)


def test_a_scheme_of_the_year_changes_weights_thresholds_and_deductions(october):
    AssessmentScheme.objects.create(center=october.center, year=2025, weight_response=40, weight_resolution=30,
                                    weight_satisfaction=30, threshold_resolution=50, deduct_overdue_day=0,
                                    deduct_duty_missed=0, flag_slow_min=3)
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    # ZGJ: 40 + 30×50% + 30 − 1 − 1 = 83
    assert rows["资规建交局"]["score"] == 83.0
    # GA: 100 − 1 − the 不作为 flag 5 = 94
    assert rows["公安分局"]["score"] == 94.0
    assert [flag["kind"] for flag in rows["资规建交局"]["flags"]] == []


def test_flags_with_their_rule_and_counts(october):
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=NOW))
    zgj_flags = rows["资规建交局"]["flags"]
    assert [(f["kind"], f["label"], f["count"], f["figures"]) for f in zgj_flags] == [
        ("slow", "慢作为", 2, {"overdue": 1, "summons_late": 1})]
    assert "2 件" in zgj_flags[0]["rule"]
    assert [(f["kind"], f["figures"]) for f in rows["公安分局"]["flags"]] == [
        ("inaction", {"decline_overruled": 1})]
    assert [(f["kind"], f["figures"]) for f in rows["劳动保障维权服务中心"]["flags"]] == [
        ("inaction", {"ack_missing": 1}), ("wrong", {"rework": 1, "redo_not_resolved": 1})]


def test_towns_settled_at_their_level_versus_escalated(october):
    result = assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    (town,) = result["towns"]
    assert town["name"] == "张坂镇社会治理分中心"
    assert town["figures"] == {"registered": 2, "settled": 1, "escalated": 1}
    assert town["settled_rate"] == 50.0


def test_every_drill_down_list_has_as_many_rows_as_its_figure(october):
    result = assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    for row in result["departments"]:
        for figure in FIGURES:
            items = figure_items(center=october.center, month=OCTOBER, key=figure.key, department_id=row["id"],
                                 now=NOW)
            assert items is not None
            expected = row["figures"][figure.key]
            assert items.total == expected, (row["name"], figure.key)
            if not figure.sum_field:
                assert len(items.rows) == expected, (row["name"], figure.key)
    for town in result["towns"]:
        for figure in TOWN_FIGURES:
            items = figure_items(center=october.center, month=OCTOBER, key=figure.key, town_id=town["id"], now=NOW)
            assert items.total == town["figures"][figure.key]


def test_the_slow_flag_of_zgj_leads_to_the_late_summons_and_the_overdue_matter(october):
    late = figure_items(center=october.center, month=OCTOBER, key="summons_late", department_id=october.zgj.pk,
                        now=NOW)
    assert [row.pk for row in late.rows] == [october.summons_late.pk]
    overdue = figure_items(center=october.center, month=OCTOBER, key="overdue", department_id=october.zgj.pk,
                           now=NOW)
    assert [row.pk for row in overdue.rows] == [october.assignments["z1"].pk]
    assert overdue.rows[0].overdue_days == 2


def test_the_number_of_queries_does_not_grow_with_the_matters(october):
    with CaptureQueriesContext(connection) as small:
        assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    from review.tests.october import _assignment

    for day in range(9, 31):
        _assignment(october.center, october.ga, assigned=at(10, day), due=at(10, day, 17, 30))
    with CaptureQueriesContext(connection) as large:
        assessment_compute(center=october.center, month=OCTOBER, now=NOW)
    assert len(large.captured_queries) == len(small.captured_queries)
    # 20 before the duty figures came from the sign-ins: the signs and the stationing rota add one each; the accountability ladder per department
    # and the named handlers' figures one read each (their names one more once a handler is named).
    # PostgreSQL runs the month's counts without JIT (governance.dbplan): that planner setting is no read.
    # The towns' figures are two reads (registered; settled, counted from the events: issue 25).
    reads = [q for q in small.captured_queries if not q["sql"].startswith("SET LOCAL")]
    assert len(reads) <= 25


def test_a_month_recomputed_a_year_later_still_counts_in_one_query(october):
    """Hundreds of working days since the deadline: one flat CASE over the day starts, not a nested sum."""
    later = NOW.replace(year=2026)
    rows = _rows(assessment_compute(center=october.center, month=OCTOBER, now=later))
    ga_days = rows["公安分局"]["figures"]["overdue_days"]
    assert ga_days > 250
    items = figure_items(center=october.center, month=OCTOBER, key="overdue_days", department_id=october.ga.pk,
                         now=later)
    assert items.total == ga_days


def test_the_default_month_is_the_last_month_with_an_assignment_or_a_summons(october):
    """This month once something was assigned or summoned in it; before that, the last month that
    has figures (a whole empty month is skipped; a duty roster alone is no figure); a center with
    nothing at all opens on this month."""
    from dispatch.models import Assignment, Summons
    from governance.tests.factories import CenterFactory
    from review.selectors.assessment_history import assessment_default_month

    first_hour = at(12, 1, 0, 30)
    assert assessment_default_month(center=october.center, now=first_hour) == OCTOBER
    assert assessment_default_month(center=october.center, now=at(10, 31, 23, 59)) == OCTOBER
    assert assessment_default_month(center=CenterFactory(code="EMPTY"), now=first_hour) == Month(2025, 12)
    # no assignment within a year, only October's summons; then the summons moved to November
    Assignment.objects.filter(center=october.center).update(assigned_at=at(1, 5) - dt.timedelta(days=365))
    assert assessment_default_month(center=october.center, now=first_hour) == OCTOBER  # October's summons
    Summons.objects.filter(center=october.center).update(decided_at=at(11, 20), report_in_due_at=at(11, 20, 0, 20))
    assert assessment_default_month(center=october.center, now=first_hour) == Month(2025, 11)
