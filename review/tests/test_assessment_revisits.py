"""The revisit's new counts by hand (issue 22 item 4): 参评件, 无法联系, 拒绝评价, 不参评, across the National Day
holidays of 2025, with every fact recorded through the services at a frozen time.

September 2025 at the World district (dispatch/tests/factories_work.py): six matters assigned to the
劳动保障维权服务中心 on Friday 26 September, answered on Sunday 28 September (a make-up working day) or
Monday 29 September, verified on site on the 29th. 1–8 October are holidays.

  a  failed calls on 09-30 (twice: one day), 10-03 (a holiday) and 10-08: three days → 无法联系 10-08.
     revisited 1, unreachable 1, 不参评 (无法联系).
  b  failed calls on 09-30 and 10-09 (two days), then answered 10-09: resolved, satisfied → 参评.
  c  the applicant refuses to rate on 09-30 → revisited 1, refused 1, not 参评.
  d  answered 09-30 "未解决 / 不满意", put to the commander as unreasonable; he confirms on 10-09 → 不参评.
  e  answered 09-30 "部分解决 / 不满意" → back to the department (重办); answered again on 10-10 after the
     redo: resolved, basically satisfied → two 参评 revisits (one resolved, one satisfied), one redo.
  f  answered 09-30 resolved / satisfied, then ruled on 10-09 a duplicate of b → 不参评 (its answer is out).

So: revisited 7; 参评件 3 (b, e twice); resolved 2 (b, e's second); satisfied 2 (b, e's second);
无法联系 1; 拒绝评价 1; 不参评 3 (a 无法联系, d 诉求不合理, f 重复件); redo after "未解决或不满意" 1.
解决率 = 2 ÷ 3 = 66.7%; 满意率 = 2 ÷ 3 = 66.7%. Counted the old way (every revisit), resolution would
have been 3 ÷ 7.
"""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from dispatch import services as svc
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError
from governance.tests.factories import UserFactory
from intake.choices import HandlingMode
from review.models import AssessmentScheme
from review.selectors.assessment import assessment_compute, figure_items
from review.selectors.assessment_figures import FIGURES, Month

pytestmark = pytest.mark.django_db
SEPTEMBER = Month(2025, 9)
NOW = at(2025, 10, 15, 10)


def _do(when, service, **kwargs):
    with time_machine.travel(when, tick=False):
        return service(now=when, **kwargs)


def _answered_matter(world, hour):
    case = world.case()
    (assignment,) = _do(at(2025, 9, 26, hour), svc.case_dispatch, actor=world.dispatcher, case=case,
                        mode=HandlingMode.TRANSFER, lead_department=world.labour)
    _do(at(2025, 9, 26, hour, 30), svc.assignment_acknowledge, actor=world.handler, assignment=assignment)
    _do(at(2025, 9, 28, hour), svc.assignment_report_back, actor=world.handler, assignment=assignment,
        text="已协调")
    case.refresh_from_db()
    _do(at(2025, 9, 29, 15), svc.case_verify, actor=world.grid_worker, case=case, passed=True)
    case.refresh_from_db()
    return case, assignment


def _attempt(world, case, when, method="phone"):
    _do(when, svc.revisit_attempt_record, actor=world.dispatcher, case=case, method=method, notes="未接通")


def _revisit(world, case, when, **kwargs):
    case.refresh_from_db()
    return _do(when, svc.case_revisit, actor=world.dispatcher, case=case, **kwargs)


@pytest.fixture
def september(db):
    world = World()
    a, _ = _answered_matter(world, 9)
    for when in (at(2025, 9, 30, 10), at(2025, 9, 30, 16), at(2025, 10, 3, 10)):
        _attempt(world, a, when)
    _attempt(world, a, at(2025, 10, 8, 10), method="visit")
    _revisit(world, a, at(2025, 10, 8, 10, 30), method="visit", outcome="unreachable")

    b, _ = _answered_matter(world, 10)
    _attempt(world, b, at(2025, 9, 30, 10))
    _attempt(world, b, at(2025, 10, 9, 9), method="sms")
    _revisit(world, b, at(2025, 10, 9, 11), resolved="yes", satisfaction="satisfied")

    c, _ = _answered_matter(world, 11)
    _revisit(world, c, at(2025, 9, 30, 11), outcome="refused")

    d, _ = _answered_matter(world, 14)
    _revisit(world, d, at(2025, 9, 30, 14), resolved="no", satisfaction="not_satisfied", unreasonable=True,
             notes="要求政府代付全部工程款")
    _do(at(2025, 10, 9, 15), svc.case_exclusion_decide, actor=world.commander, case=d, confirm=True,
        note="超出法定职责")

    e, e_assignment = _answered_matter(world, 15)
    _revisit(world, e, at(2025, 9, 30, 15), resolved="partly", satisfaction="not_satisfied")
    e_assignment.refresh_from_db()
    _do(at(2025, 10, 9, 10), svc.assignment_report_back, actor=world.handler, assignment=e_assignment,
        text="已补足余款")
    e.refresh_from_db()
    _do(at(2025, 10, 9, 16), svc.case_verify, actor=world.grid_worker, case=e, passed=True)
    _revisit(world, e, at(2025, 10, 10, 9), resolved="yes", satisfaction="basic")

    f, _ = _answered_matter(world, 16)
    _revisit(world, f, at(2025, 9, 30, 16), resolved="yes", satisfaction="satisfied")
    _do(at(2025, 10, 9, 17), svc.case_exclusion_propose, actor=world.dispatcher, case=f, reason="duplicate",
        duplicate_of=b, notes="同一工地同一诉求")
    world.matters = {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}
    return world


def _labour(world):
    result = assessment_compute(center=world.center, month=SEPTEMBER, now=NOW)
    return next(row for row in result["departments"] if row["name"] == "劳动保障维权服务中心")


def test_the_revisit_counts_of_september_by_hand(september):
    row = _labour(september)
    figures = row["figures"]
    assert {key: figures[key] for key in ("revisited", "assessed", "resolved", "satisfied", "revisit_unreachable",
                                          "revisit_refused", "excluded", "redo_not_resolved")} == {
        "revisited": 7, "assessed": 3, "resolved": 2, "satisfied": 2, "revisit_unreachable": 1,
        "revisit_refused": 1, "excluded": 3, "redo_not_resolved": 1}
    assert row["rates"]["resolution"] == 66.7 and row["rates"]["satisfaction"] == 66.7


def test_the_lists_behind_the_new_counts(september):
    world, m = september, september.matters
    department = world.labour.pk

    def rows(key):
        items = figure_items(center=world.center, month=SEPTEMBER, key=key, department_id=department, now=NOW)
        assert items.total == len(items.rows)
        return items.rows

    assert [(x.case_id, x.reason) for x in rows("excluded")] == [
        (m["d"].pk, "unreasonable"), (m["a"].pk, "unreachable"), (m["f"].pk, "duplicate")]
    assert [x.duplicate_of_id for x in rows("excluded")] == [None, None, m["b"].pk]
    assert [(r.case_id, r.resolved, r.satisfaction) for r in rows("assessed")] == [
        (m["e"].pk, "partly", "not_satisfied"), (m["b"].pk, "yes", "satisfied"), (m["e"].pk, "yes", "basic")]
    assert [r.case_id for r in rows("revisit_unreachable")] == [m["a"].pk]
    assert [r.case_id for r in rows("revisit_refused")] == [m["c"].pk]
    for figure in FIGURES:  # every list is as long as its figure
        items = figure_items(center=world.center, month=SEPTEMBER, key=figure.key, department_id=department, now=NOW)
        assert items.total == _labour(world)["figures"][figure.key], figure.key


def test_the_assessment_page_shows_the_base_of_each_rate_and_the_definitions(client, september):
    admin = UserFactory(username="sep-admin", roles=["administrator"], profile={"center": september.center})
    client.force_login(admin)
    html = client.get(reverse("review:assessment"), {"month": "2025-09"}).content.decode()
    assert "满意率 = 回访“满意”与“基本满意” ÷ 参评件（同上）。" in html
    assert "参评件" in html and "不参评" in html and "拒绝评价" in html and "无法联系" in html
    row = html[html.index('data-department="劳动保障维权服务中心"'):]
    row = row[:row.index("</tr>")]
    assert row.count('data-testid="rate-base"') == 3
    assert "参评件 <a" in row
    items = client.get(reverse("review:assessment-items", args=["2025-09"]),
                       {"figure": "excluded", "department": september.labour.pk}).content.decode()
    assert items.count('data-reason="') == 3 and september.matters["b"].code in items  # the duplicated matter
    assert "诉求不合理" in items and "重复件" in items and "无法联系" in items


def test_the_years_number_of_attempts_is_a_setting(db):
    world = World()
    AssessmentScheme.objects.create(center=world.center, year=2025, revisit_unreachable_attempts=2)
    case, _ = _answered_matter(world, 9)
    _attempt(world, case, at(2025, 9, 30, 10))
    with pytest.raises(ApplicationError, match="须在 2 个不同日期"):
        _revisit(world, case, at(2025, 9, 30, 11), outcome="unreachable")
    _attempt(world, case, at(2025, 10, 2, 10))  # a holiday: still a different day
    revisit = _revisit(world, case, at(2025, 10, 2, 11), outcome="unreachable")
    assert revisit.outcome == "unreachable"
    assert case.events.get(type="case.excluded").data["required_days"] == 2
