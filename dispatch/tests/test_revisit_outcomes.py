"""The revisit as 12345 centers run it (issue 22 item 4): method, each attempt, 无法联系 after N attempts
on different days, 拒绝评价, 不满意 sent back (重办), and 不参评 (unreachable, duplicate, an unreasonable demand
the commander confirms) — through the services, the API and the matter's page."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from dispatch import services as svc
from dispatch.choices import AssignmentStatus, ExclusionReason, ExclusionStatus
from dispatch.models import Notification, Revisit, RevisitExclusion
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError, PermissionDeniedError
from governance.tests.factories import UserFactory
from intake.choices import CaseStatus, HandlingMode

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def timeline(case) -> list[str]:
    return list(case.events.order_by("occurred_at", "pk").values_list("type", flat=True))


def _reported_and_verified(world, *, reported=None, verified=None):
    """A matter the labour center answered, verified on site: ready for the revisit."""
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.labour, now=at(2025, 9, 22, 9, 0))
    svc.assignment_acknowledge(actor=world.handler, assignment=assignment, now=at(2025, 9, 22, 9, 30))
    svc.assignment_report_back(actor=world.handler, assignment=assignment, text="已协调支付",
                               now=reported or at(2025, 9, 26, 9, 0))
    case.refresh_from_db()
    svc.case_verify(actor=world.grid_worker, case=case, passed=True, now=verified or at(2025, 9, 29, 15, 0))
    case.refresh_from_db()
    return case, assignment


def _verified(world):
    return world.case(status=CaseStatus.VERIFIED, registered_at=at(2025, 9, 22, 9, 7))


# --- attempts and 无法联系 -----------------------------------------------------------------------
def test_attempts_on_one_day_count_as_one_day_and_do_not_allow_unreachable(world):
    case = _verified(world)
    for hour in (9, 14, 17):
        svc.revisit_attempt_record(actor=world.dispatcher, case=case, method="phone", notes="无人接听",
                                   now=at(2025, 9, 30, hour))
    with pytest.raises(ApplicationError) as refused:
        svc.case_revisit(actor=world.dispatcher, case=case, outcome="unreachable", now=at(2025, 9, 30, 18))
    assert refused.value.code == "too_few_attempts"
    assert "须在 3 个不同日期各回访一次未联系上" in refused.value.message
    assert "本轮已记录 3 次未联系上，分布在 1 个日期" in refused.value.message
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED
    assert timeline(case) == ["case.revisit_attempted"] * 3
    assert not Revisit.objects.filter(case=case).exists()


def test_the_third_attempt_on_a_different_day_allows_unreachable_across_the_holidays(world):
    """Calls on 30 September, on the holiday 3 October and on 8 October: three different days."""
    case = _verified(world)
    svc.revisit_attempt_record(actor=world.dispatcher, case=case, method="phone", now=at(2025, 9, 30, 10))
    svc.revisit_attempt_record(actor=world.dispatcher, case=case, method="sms", now=at(2025, 10, 3, 10))
    with pytest.raises(ApplicationError, match="分布在 2 个日期"):
        svc.case_revisit(actor=world.dispatcher, case=case, outcome="unreachable", now=at(2025, 10, 3, 11))
    svc.revisit_attempt_record(actor=world.dispatcher, case=case, method="visit", notes="上门无人",
                               now=at(2025, 10, 8, 16))
    revisit = svc.case_revisit(actor=world.dispatcher, case=case, method="visit", outcome="unreachable",
                               resolved="yes", satisfaction="satisfied",  # ignored: nobody answered
                               now=at(2025, 10, 8, 16, 30))
    assert (revisit.outcome, revisit.resolved, revisit.satisfaction, revisit.method) == ("unreachable", "", "", "visit")
    case.refresh_from_db()
    assert case.status == CaseStatus.REVISITED
    assert timeline(case) == ["case.revisit_attempted"] * 3 + ["case.revisited", "case.excluded"]
    exclusion = RevisitExclusion.objects.get(case=case)
    assert (exclusion.reason, exclusion.status, exclusion.decided_by) == ("unreachable", "confirmed", world.dispatcher)
    excluded = case.events.get(type="case.excluded")
    assert excluded.data["exclusion_reason"] == "unreachable" and excluded.data["attempt_days"] == 3
    assert excluded.data["required_days"] == 3
    svc.case_close(actor=world.dispatcher, case=case, now=at(2025, 10, 9, 9))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.resolved is None  # nobody said whether it was resolved


def test_a_new_round_of_attempts_starts_after_a_revisit(world):
    case, assignment = _reported_and_verified(world)
    for day in (29, 30):
        svc.revisit_attempt_record(actor=world.dispatcher, case=case, method="phone", now=at(2025, 9, day, 17))
    svc.case_revisit(actor=world.dispatcher, case=case, resolved="no", satisfaction="not_satisfied",
                     now=at(2025, 10, 9, 10))
    svc.assignment_report_back(actor=world.handler, assignment=Assignment_fresh(assignment), text="已全额支付",
                               now=at(2025, 10, 10, 10))
    case.refresh_from_db()
    svc.case_verify(actor=world.grid_worker, case=case, passed=True, now=at(2025, 10, 10, 15))
    case.refresh_from_db()
    svc.revisit_attempt_record(actor=world.dispatcher, case=case, method="phone", now=at(2025, 10, 11, 10))
    with pytest.raises(ApplicationError, match="本轮已记录 1 次未联系上"):
        svc.case_revisit(actor=world.dispatcher, case=case, outcome="unreachable", now=at(2025, 10, 11, 11))


def Assignment_fresh(assignment):  # noqa: N802
    assignment.refresh_from_db()
    return assignment


def test_an_attempt_needs_a_method_and_a_matter_waiting_for_its_revisit(world):
    case = world.case(status=CaseStatus.REPORTED)
    with pytest.raises(ApplicationError, match="请选择回访方式"):
        svc.revisit_attempt_record(actor=world.dispatcher, case=case, method="fax")
    with pytest.raises(ApplicationError, match="核查后（或当场办结的事项）才能回访"):
        svc.revisit_attempt_record(actor=world.dispatcher, case=case, method="phone")
    other_clerk = UserFactory(username="clerk_b", roles=["window_clerk"])
    with pytest.raises(PermissionDeniedError, match="首接责任人"):
        svc.revisit_attempt_record(actor=other_clerk, case=_verified(world), method="phone")


# --- 拒绝评价 and the answers ----------------------------------------------------------------------
def test_a_refusal_is_recorded_without_answers_and_the_matter_closes(world):
    case, assignment = _reported_and_verified(world)
    revisit = svc.case_revisit(actor=world.dispatcher, case=case, outcome="refused", notes="表示不愿评价",
                               now=at(2025, 9, 30, 10))
    assert (revisit.outcome, revisit.resolved, revisit.satisfaction) == ("refused", "", "")
    event = case.events.get(type="case.revisited")
    assert event.data["outcome"] == "refused" and event.data["method"] == "phone"
    assert not RevisitExclusion.objects.filter(case=case).exists()
    svc.case_close(actor=world.dispatcher, case=case, now=at(2025, 9, 30, 11))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.COMPLETED


def test_an_answer_needs_both_answers(world):
    case = _verified(world)
    with pytest.raises(ApplicationError, match="请选择是否解决"):
        svc.case_revisit(actor=world.dispatcher, case=case, satisfaction="satisfied")
    with pytest.raises(ApplicationError, match="请选择回访结果"):
        svc.case_revisit(actor=world.dispatcher, case=case, outcome="maybe")


def test_not_satisfied_goes_back_to_the_department_with_a_new_deadline(world):
    case, assignment = _reported_and_verified(world)
    old_due = assignment.due_at
    svc.case_revisit(actor=world.dispatcher, case=case, resolved="yes", satisfaction="not_satisfied",
                     now=at(2025, 10, 9, 10))
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert assignment.status == AssignmentStatus.REWORK and assignment.redo_count == 1
    assert assignment.due_at > old_due
    assert timeline(case)[-2:] == ["case.revisited", "case.reopened"]
    assert Notification.objects.filter(kind="case.reopened", recipient=world.labour.liaison,
                                       title__startswith="回访不满意，请重办").exists()


# --- 不参评 ---------------------------------------------------------------------------------------
def test_an_unreasonable_demand_waits_for_the_commander_and_is_left_out_once_confirmed(world):
    case, assignment = _reported_and_verified(world)
    svc.case_revisit(actor=world.dispatcher, case=case, resolved="partly", satisfaction="not_satisfied",
                     unreasonable=True, notes="要求补偿额远超合同约定", now=at(2025, 9, 30, 10))
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert case.status == CaseStatus.REVISITED and assignment.status == AssignmentStatus.REPORTED  # not sent back yet
    assert Notification.objects.filter(kind="case.exclusion_proposed", recipient=world.commander).exists()
    with pytest.raises(ApplicationError, match="正待指挥长确认"):
        svc.case_close(actor=world.dispatcher, case=case, now=at(2025, 9, 30, 11))
    with pytest.raises(PermissionDeniedError, match="只有指挥长或副指挥长"):
        svc.case_exclusion_decide(actor=world.director, case=case, confirm=True)
    svc.case_exclusion_decide(actor=world.commander, case=case, confirm=True, note="诉求超出政策",
                              now=at(2025, 9, 30, 14))
    with pytest.raises(ApplicationError, match="没有待确认"):
        svc.case_exclusion_decide(actor=world.deputy, case=case, confirm=False, now=at(2025, 9, 30, 15))
    exclusion = RevisitExclusion.objects.get(case=case)
    assert (exclusion.status, exclusion.decided_by, exclusion.proposed_by) == (
        ExclusionStatus.CONFIRMED, world.commander, world.dispatcher)
    assert timeline(case)[-3:] == ["case.revisited", "case.exclusion_proposed", "case.excluded"]
    svc.case_close(actor=world.dispatcher, case=case, now=at(2025, 9, 30, 16))


def test_the_commander_who_proposed_it_does_not_confirm_it(world):
    case, _assignment = _reported_and_verified(world)
    svc.case_revisit(actor=world.commander, case=case, resolved="no", satisfaction="basic", unreasonable=True,
                     now=at(2025, 9, 30, 10))
    with pytest.raises(PermissionDeniedError) as refused:
        svc.case_exclusion_decide(actor=world.commander, case=case, confirm=True, now=at(2025, 9, 30, 11))
    assert refused.value.code == "confirmer_proposed_it"
    assert "提出人以外" in refused.value.message
    svc.case_exclusion_decide(actor=world.deputy, case=case, confirm=True, now=at(2025, 9, 30, 12))


def test_not_confirmed_the_matter_counts_and_goes_back_to_the_department(world):
    case, assignment = _reported_and_verified(world)
    svc.case_revisit(actor=world.dispatcher, case=case, resolved="no", satisfaction="not_satisfied",
                     unreasonable=True, notes="称补偿不足", now=at(2025, 9, 30, 10))
    svc.case_exclusion_decide(actor=world.commander, case=case, confirm=False, note="诉求合理，重办",
                              now=at(2025, 9, 30, 14))
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert assignment.status == AssignmentStatus.REWORK and assignment.redo_count == 1
    assert timeline(case)[-4:] == ["case.revisited", "case.exclusion_proposed", "case.exclusion_refused",
                                   "case.reopened"]
    assert RevisitExclusion.objects.get(case=case).status == ExclusionStatus.REFUSED


def test_unreasonable_only_with_an_unresolved_or_unsatisfied_answer(world):
    case = _verified(world)
    with pytest.raises(ApplicationError, match="只有回访答复“未解决”或“不满意”时"):
        svc.case_revisit(actor=world.dispatcher, case=case, resolved="yes", satisfaction="basic", unreasonable=True)
    with pytest.raises(ApplicationError, match="回访答复后才能"):
        svc.case_exclusion_propose(actor=world.dispatcher, case=case, reason="unreasonable", notes="过高")


def test_a_duplicate_names_the_matter_it_repeats(world):
    clerk = UserFactory(username="clerk_a", roles=["window_clerk"])
    original = world.case(first_receiver=clerk)
    case = world.case(first_receiver=clerk, status=CaseStatus.VERIFIED)
    with pytest.raises(ApplicationError, match="请填写所重复的事项编号"):
        svc.case_exclusion_propose(actor=clerk, case=case, reason=ExclusionReason.DUPLICATE)
    with pytest.raises(ApplicationError, match="重复于它自己"):
        svc.case_exclusion_propose(actor=clerk, case=case, reason=ExclusionReason.DUPLICATE, duplicate_of=case)
    with pytest.raises(ApplicationError, match="由回访认定"):
        svc.case_exclusion_propose(actor=clerk, case=case, reason=ExclusionReason.UNREACHABLE)
    other_clerk = UserFactory(username="clerk_b", roles=["window_clerk"])
    with pytest.raises(PermissionDeniedError, match="认定不参评"):
        svc.case_exclusion_propose(actor=other_clerk, case=case, reason="duplicate", duplicate_of=original)
    exclusion = svc.case_exclusion_propose(actor=clerk, case=case, reason="duplicate", duplicate_of=original,
                                           notes="同一工地同一诉求", now=at(2025, 9, 30, 10))
    assert (exclusion.status, exclusion.duplicate_of) == (ExclusionStatus.CONFIRMED, original)
    event = case.events.get(type="case.excluded")
    assert event.data["duplicate_of_code"] == original.code
    with pytest.raises(ApplicationError, match="已有不参评认定"):
        svc.case_exclusion_propose(actor=clerk, case=case, reason="duplicate", duplicate_of=original)


# --- API ---------------------------------------------------------------------------------------------
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_records_attempts_outcomes_and_the_commanders_confirmation(world):
    case, _assignment = _reported_and_verified(world)
    attempt_url = reverse("dispatch-api:case-revisit-attempt", args=[case.pk])
    revisit_url = reverse("dispatch-api:case-revisit", args=[case.pk])
    with time_machine.travel(at(2025, 9, 30, 10), tick=False):
        response = api(world.dispatcher).post(attempt_url, {"method": "phone", "notes": "关机"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["method"] == "phone"
    with time_machine.travel(at(2025, 9, 30, 11), tick=False):
        response = api(world.dispatcher).post(revisit_url, {"outcome": "unreachable"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_few_attempts" and "不同日期" in error["message"]
    bad = api(world.dispatcher).post(attempt_url, {"method": "fax"}, format="json")
    assert bad.status_code == 400
    with time_machine.travel(at(2025, 9, 30, 15), tick=False):
        response = api(world.dispatcher).post(revisit_url, {"method": "phone", "resolved": "no",
                                                            "satisfaction": "not_satisfied", "unreasonable": True,
                                                            "notes": "要求拆除整栋楼"}, format="json")
    assert response.json()["status"] == "revisited"
    decide_url = reverse("dispatch-api:case-exclusion-decide", args=[case.pk])
    refused = api(world.director).post(decide_url, {"confirm": True}, format="json")
    assert refused.status_code == 403 and "指挥长" in refused.json()["error"]["message"]
    confirmed = api(world.commander).post(decide_url, {"confirm": True, "note": "确认"}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["reason"] == "unreasonable"


def test_the_api_rules_a_duplicate_by_code(world):
    original = world.case()
    case = world.case(status=CaseStatus.VERIFIED)
    url = reverse("dispatch-api:case-exclusion", args=[case.pk])
    missing = api(world.dispatcher).post(url, {"reason": "duplicate", "duplicate_of": "QZTS-0000-NOPE"},
                                         format="json")
    assert missing.status_code == 404
    response = api(world.dispatcher).post(url, {"reason": "duplicate", "duplicate_of": original.code},
                                          format="json")
    assert response.status_code == 201, response.content
    assert response.json()["duplicate_of_code"] == original.code and response.json()["status"] == "confirmed"


# --- the page ----------------------------------------------------------------------------------------
def test_the_page_records_two_attempts_then_the_answer_and_the_commander_confirms(client, world):
    case, _assignment = _reported_and_verified(world)
    action = lambda name: reverse("dispatch:work-case-action", args=[case.pk, name])  # noqa: E731
    page = reverse("dispatch:work-case", args=[case.pk])
    client.force_login(world.dispatcher)
    with time_machine.travel(at(2025, 9, 30, 10), tick=False):
        client.post(action("revisit_attempt"), {"method": "phone", "notes": "无人接听"})
    with time_machine.travel(at(2025, 10, 8, 10), tick=False):
        client.post(action("revisit_attempt"), {"method": "sms", "notes": "短信未回"})
        html = client.get(page).content.decode()
        assert "本轮已 2 次未联系上，分布在 2 个日期" in html
        response = client.post(action("revisit"), {"method": "phone", "outcome": "unreachable"}, follow=True)
        assert "须在 3 个不同日期各回访一次未联系上" in response.content.decode()
        client.post(action("revisit"), {"method": "phone", "outcome": "answered", "resolved": "no",
                                        "satisfaction": "not_satisfied", "unreasonable": "on",
                                        "notes": "要求另行赔偿"})
    html = client.get(page).content.decode()
    assert html.count('data-testid="revisit-attempt"') == 2
    assert "不参评申请待指挥长或副指挥长确认" in html and 'data-testid="decide-exclusion-form"' not in html
    client.force_login(world.commander)
    board = client.get(reverse("dispatch:board")).content.decode()
    listed = board[board.index('data-testid="exclusions-pending"'):]
    assert case.code in listed[:listed.index("</ul>")] and "要求另行赔偿" in listed
    assert 'data-testid="decide-exclusion-form"' in client.get(page).content.decode()
    with time_machine.travel(at(2025, 10, 8, 15), tick=False):
        client.post(action("decide_exclusion"), {"confirm": "yes", "note": "诉求不合理"})
    html = client.get(page).content.decode()
    assert "诉求不合理" in html and "认定不参评" in html
    assert 'data-testid="exclusions-pending"' not in client.get(reverse("dispatch:board")).content.decode()
    assert RevisitExclusion.objects.get(case=case).status == ExclusionStatus.CONFIRMED
