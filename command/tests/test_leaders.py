"""领导通 (issue 23 item 5): a leader follows a matter, instructs on it (or on a letter), the department
answers, and the leader starts 督办 from the phone; every refusal in Chinese, in scope."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from command.choices import INSTRUCTION_SUBJECT
from command.models import Follow, InstructionDepartment
from command.services import leaders as svc
from command.services.letters import letter_issue
from dispatch import services as dispatch_svc
from dispatch.models import Assignment, DeadlineStep, Notification
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError, NotFoundError, PermissionDeniedError
from governance.tests.factories import UserFactory
from intake.choices import HandlingMode

pytestmark = pytest.mark.django_db

NOW = at(2025, 11, 3, 10, 0)  # a Monday


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        world = World()
        world.leader = UserFactory(username="district_leader", roles=["leader"], profile={"center": world.center})
        yield world


def dispatched(world, *, department=None, co=(), title="在建工地欠薪"):
    case = world.case(title=title)
    mode = HandlingMode.JOINT if co else HandlingMode.TRANSFER
    dispatch_svc.case_dispatch(actor=world.director, case=case, mode=mode, lead_department=department or world.labour,
                               co_departments=list(co), now=NOW)
    return case


def kinds(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind, channel="in_app").order_by("pk").values_list("title", flat=True))


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- 关注 ------------------------------------------------------------------------------------------
def test_a_followed_matter_notifies_the_leader_once_per_event_of_note_and_never_of_his_own(world):
    case = world.case()
    svc.case_follow(actor=world.leader, case=case, now=NOW)
    svc.case_follow(actor=world.leader, case=case, now=NOW)  # following twice changes nothing
    assert Follow.objects.filter(user=world.leader, case=case).count() == 1
    (assignment,) = dispatch_svc.case_dispatch(actor=world.director, case=case, mode=HandlingMode.TRANSFER,
                                               lead_department=world.labour, now=NOW)
    dispatch_svc.assignment_acknowledge(actor=world.labour.liaison, assignment=assignment, now=at(2025, 11, 3, 11))
    dispatch_svc.assignment_report_back(actor=world.labour.liaison, assignment=assignment, text="已督促支付",
                                        now=at(2025, 11, 4, 11))
    titles = kinds(world.leader, "follow.event")
    # dispatched and reported back are of note; the assignment's creation and its acknowledgement are not
    assert len(titles) == 2 and "调度派单" in titles[0] and "反馈办理结果" in titles[1]
    follows = Notification.objects.filter(recipient=world.leader, kind="follow.event")
    assert {n.dedupe_key for n in follows} == {
        f"follow:{pk}" for pk in case.events.filter(type__in=["case.dispatched", "assignment.reported_back"])
        .values_list("pk", flat=True)}
    # his own instruction (an event of note) does not come back to him
    svc.instruction_issue(actor=world.leader, case=case, text="请尽快办结", now=at(2025, 11, 4, 12))
    assert len(kinds(world.leader, "follow.event")) == 2
    # unfollowed: nothing more
    assert svc.case_unfollow(actor=world.leader, case=case) is True
    dispatch_svc.assignment_return_for_rework(actor=world.director, assignment=assignment, reason="金额不清",
                                              now=at(2025, 11, 4, 14))
    assert len(kinds(world.leader, "follow.event")) == 2


def test_an_overdue_step_of_the_sweep_reaches_the_follower(world):
    case = dispatched(world)
    svc.case_follow(actor=world.leader, case=case, now=NOW)
    dispatch_svc.deadline_sweep(now=at(2025, 11, 25, 9, 0))
    titles = kinds(world.leader, "follow.event")
    assert any("办理超期" in title for title in titles)
    dispatch_svc.deadline_sweep(now=at(2025, 11, 25, 9, 1))  # the sweep again: nothing twice
    assert kinds(world.leader, "follow.event") == titles


# --- 批示 ------------------------------------------------------------------------------------------
def test_an_instruction_goes_to_every_handling_department_and_each_answers_once(world):
    case = dispatched(world, co=[world.zgj])
    instruction = svc.instruction_issue(actor=world.leader, case=case, text="要依法督促先行垫付，防止矛盾激化。",
                                        answer_limit_working_days=2, now=NOW)
    rows = list(instruction.departments.order_by("pk"))
    assert [row.department for row in rows] == [world.labour, world.zgj]
    assert timezone.localtime(instruction.answer_due_at).date() == dt.date(2025, 11, 5)  # 2 working days on
    event = case.events.get(type="instruction.issued")
    assert event.actor == world.leader and event.data["text"] == "要依法督促先行垫付，防止矛盾激化。"
    assert event.data["departments"] == [world.labour.pk, world.zgj.pk]
    for department in (world.labour, world.zgj):
        assert kinds(department.liaison, "instruction.issued") and kinds(department.leader_in_charge, "instruction.issued")
    assert DeadlineStep.objects.filter(subject_type=INSTRUCTION_SUBJECT, subject_id=rows[0].pk).count() == 2

    row = svc.instruction_answer(actor=world.labour.liaison, instruction=instruction, answer="已约谈总包单位。",
                                 now=at(2025, 11, 4, 9))
    assert row.department == world.labour and row.answered_late is False
    answered = case.events.get(type="instruction.answered")
    assert answered.data["department"] == world.labour.pk and answered.data["answer"] == "已约谈总包单位。"
    assert len(kinds(world.leader, "instruction.answered")) == 1
    assert not DeadlineStep.objects.filter(subject_type=INSTRUCTION_SUBJECT, subject_id=row.pk,
                                           cancelled_at__isnull=True, fired_at__isnull=True).exists()
    with pytest.raises(ApplicationError) as again:
        svc.instruction_answer(actor=world.labour.liaison, instruction=instruction, answer="再答一次",
                               now=at(2025, 11, 4, 10))
    assert again.value.code == "invalid_transition" and "已答复" in again.value.message
    # the co-department answers its own part, late
    late = svc.instruction_answer(actor=world.zgj.liaison, instruction=instruction, answer="已核查施工许可。",
                                  now=at(2025, 11, 6, 9))
    assert late.department == world.zgj and late.answered_late is True
    assert [e.type for e in case.events.filter(type__startswith="instruction.")] == [
        "instruction.issued", "instruction.answered", "instruction.answered"]


def test_an_unanswered_instruction_is_overdue_on_the_engine_once(world):
    case = dispatched(world)
    instruction = svc.instruction_issue(actor=world.leader, case=case, text="明日报告进展", answer_limit_working_days=1,
                                        now=NOW)
    dispatch_svc.deadline_sweep(now=at(2025, 11, 4, 10, 0))  # the reminder, on the deadline's eve
    assert kinds(world.labour.liaison, "instruction.due_reminder")
    dispatch_svc.deadline_sweep(now=at(2025, 11, 5, 0, 10))
    dispatch_svc.deadline_sweep(now=at(2025, 11, 5, 0, 20))
    row = InstructionDepartment.objects.get(instruction=instruction)
    assert row.overdue_at is not None
    assert case.events.filter(type="instruction.overdue").count() == 1
    for person in (world.labour.liaison, world.labour.leader_in_charge, world.leader):
        assert len(kinds(person, "instruction.overdue")) == 1


def test_an_instruction_on_a_letter_goes_to_its_recipient_and_onto_its_matters_timeline(world):
    case = dispatched(world, department=world.zgj)
    letter = letter_issue(actor=world.director, center=world.center, kind="work_reminder", department=world.zgj,
                          subject="施工许可核查迟缓", body="请说明原因。", case=case, now=NOW)
    instruction = svc.instruction_issue(actor=world.leader, letter=letter, text="资规建交局要举一反三。", now=NOW)
    assert [row.department for row in instruction.departments.all()] == [world.zgj]
    assert case.events.get(type="instruction.issued").data["reference"] == letter.reference
    svc.instruction_answer(actor=world.zgj.liaison, instruction=instruction, answer="已整改", now=at(2025, 11, 4))
    assert kinds(world.leader, "instruction.answered")


def test_a_matter_nobody_handles_yet_cannot_be_instructed(world):
    with pytest.raises(ApplicationError) as error:
        svc.instruction_issue(actor=world.leader, case=world.case(), text="请关注", now=NOW)
    assert error.value.code == "no_handling_department" and "没有承办部门" in error.value.message


def test_the_instruction_text_is_the_one_text_field(world):
    case = dispatched(world)
    for text in ("", "\u200b ", "批示\x00"):
        with pytest.raises(ApplicationError) as error:
            svc.instruction_issue(actor=world.leader, case=case, text=text, now=NOW)
        assert error.value.field == "text"
    with pytest.raises(ApplicationError) as error:
        svc.instruction_issue(actor=world.leader, case=case, text="x" * 1001, now=NOW)
    assert "最多 1000 个字" in error.value.message


# --- 督办 ------------------------------------------------------------------------------------------
def test_a_leader_supervises_from_the_phone_and_is_named_the_supervising_leader(world):
    case = dispatched(world)
    assignment = Assignment.objects.get(case=case)
    dispatch_svc.assignment_supervise_by_leader(actor=world.leader, assignment=assignment, every_working_days=2,
                                                note="每两日报告", now=NOW)
    assignment.refresh_from_db()
    assert assignment.supervising_leader == world.leader and assignment.progress_every_working_days == 2
    event = case.events.get(type="assignment.supervised")
    assert event.actor == world.leader and event.data["leader"] == world.leader.pk
    assert kinds(world.labour.liaison, "assignment.supervised")
    assert kinds(world.leader, "assignment.supervising")
    # the leader in charge of the department handling it may supervise it too
    dispatch_svc.assignment_supervise_by_leader(actor=world.labour.leader_in_charge, assignment=assignment,
                                                every_working_days=3, now=at(2025, 11, 3, 11))
    assignment.refresh_from_db()
    assert assignment.supervising_leader == world.labour.leader_in_charge


# --- the permission matrix ---------------------------------------------------------------------------
def test_refusals_for_another_scope_a_non_leader_and_another_department(world):
    police_case = dispatched(world, department=world.police, title="公安分局的事项")
    other_scope = world.zgj.leader_in_charge  # a leader in charge sees only his departments' matters
    for call in (lambda: svc.case_follow(actor=other_scope, case=police_case, now=NOW),
                 lambda: svc.instruction_issue(actor=other_scope, case=police_case, text="批示", now=NOW),
                 lambda: dispatch_svc.assignment_supervise_by_leader(
                     actor=other_scope, assignment=Assignment.objects.get(case=police_case), every_working_days=2,
                     now=NOW)):
        with pytest.raises(NotFoundError):
            call()
    for non_leader in (world.director, world.police.liaison, world.dispatcher):
        with pytest.raises(PermissionDeniedError) as error:
            svc.case_follow(actor=non_leader, case=police_case, now=NOW)
        assert "只有领导" in error.value.message
        with pytest.raises(PermissionDeniedError) as error:
            svc.instruction_issue(actor=non_leader, case=police_case, text="批示", now=NOW)
        assert "只有领导" in error.value.message
        with pytest.raises(PermissionDeniedError) as error:
            dispatch_svc.assignment_supervise_by_leader(actor=non_leader, assignment=Assignment.objects.get(
                case=police_case), every_working_days=2, now=NOW)
        assert "只有领导" in error.value.message
    instruction = svc.instruction_issue(actor=world.leader, case=police_case, text="批示", now=NOW)
    with pytest.raises(PermissionDeniedError) as error:  # the liaison of another department
        svc.instruction_answer(actor=world.labour.liaison, instruction=instruction, answer="代答", now=NOW)
    assert error.value.code == "not_your_department" and "承办单位" in error.value.message
    assert not InstructionDepartment.objects.filter(answered_at__isnull=False).exists()


def test_pages_refuse_in_chinese_and_hide_other_scopes(world, client):
    police_case = dispatched(world, department=world.police)
    instruction = svc.instruction_issue(actor=world.leader, case=police_case, text="批示", now=NOW)
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.zgj.leader_in_charge)
        assert client.get(reverse("command:leader-matter", args=[police_case.pk])).status_code == 404
        assert client.post(reverse("command:leader-follow", args=[police_case.pk])).status_code == 404
        assert client.get(reverse("command:instruction", args=[instruction.pk])).status_code == 404
        client.force_login(world.director)
        refused = client.get(reverse("command:leader-matter", args=[police_case.pk]))
        assert refused.status_code == 403 and "只供领导" in refused.content.decode()
        client.force_login(world.labour.liaison)
        assert client.get(reverse("command:instruction", args=[instruction.pk])).status_code == 404
        assert client.post(reverse("command:instruction-answer", args=[instruction.pk]),
                           {"answer": "代答"}).status_code == 404


def test_the_api_answers_structured_errors(world):
    case = dispatched(world)
    with time_machine.travel(NOW, tick=False):
        refused = api(world.director).post(reverse("command-api:follow", args=[case.pk]))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_a_leader"
        assert "只供领导" in refused.json()["error"]["message"]
        hidden = api(world.zgj.leader_in_charge).post(reverse("command-api:case-instruct", args=[case.pk]),
                                                       {"text": "批示"}, format="json")
        assert hidden.status_code == 404 and "error" in hidden.json()
        empty = api(world.leader).post(reverse("command-api:case-instruct", args=[case.pk]), {"text": " "}, format="json")
        assert empty.status_code == 400 and empty.json()["error"]["field"] == "text"
        assert api(world.leader).post(reverse("command-api:follow", args=[case.pk])).json() == {
            "case": case.pk, "following": True}
        assert [row["case"] for row in api(world.leader).get(reverse("command-api:follows")).json()["results"]] == [case.pk]
        made = api(world.leader).post(reverse("command-api:case-instruct", args=[case.pk]),
                                      {"text": "请报告进展", "answer_limit_working_days": 2}, format="json")
        assert made.status_code == 201 and made.json()["departments"][0]["department"] == world.labour.pk
        pk = made.json()["id"]
        other = api(world.police.liaison).post(reverse("command-api:instruction-answer", args=[pk]), {"answer": "代答"},
                                               format="json")
        assert other.status_code == 404
        answered = api(world.labour.liaison).post(reverse("command-api:instruction-answer", args=[pk]),
                                                  {"answer": "已办"}, format="json")
        assert answered.status_code == 200 and answered.json()["departments"][0]["answer"] == "已办"
        twice = api(world.labour.liaison).post(reverse("command-api:instruction-answer", args=[pk]),
                                               {"answer": "又答"}, format="json")
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "invalid_transition"
        supervised = api(world.leader).post(reverse("command-api:case-supervise", args=[case.pk]),
                                            {"every_working_days": 3}, format="json")
        assert supervised.status_code == 200 and supervised.json()["supervising_leader"] == world.leader.pk
        listed = api(world.labour.liaison).get(reverse("command-api:instructions")).json()["results"]
        assert [row["id"] for row in listed] == [pk]


def test_the_department_sees_the_instruction_prominently_and_answers_it_on_its_pages(world, client):
    case = dispatched(world)
    instruction = svc.instruction_issue(actor=world.leader, case=case, text="请明日报告进展", now=NOW)
    assignment = Assignment.objects.get(case=case)
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.labour.liaison)
        home = client.get(reverse("home")).content.decode()
        assert 'data-testid="department-instructions"' in home and "请明日报告进展" in home
        page = client.get(reverse("dispatch:work-case", args=[assignment.case_id])).content.decode()
        assert 'data-testid="case-instructions"' in page and "待本单位答复" in page
        detail = client.get(reverse("command:instruction", args=[instruction.pk])).content.decode()
        assert 'data-testid="answer-form"' in detail
        client.post(reverse("command:instruction-answer", args=[instruction.pk]), {"answer": "已约谈施工方"})
        assert 'data-testid="department-instructions"' not in client.get(reverse("home")).content.decode()
        client.force_login(world.leader)
        home = client.get(reverse("home")).content.decode()
        assert 'data-testid="leader-home"' in home and "已答复" in home
        matter = client.get(reverse("command:leader-matter", args=[case.pk])).content.decode()
        assert "已约谈施工方" in matter and 'data-testid="follow"' in matter
        timeline = client.get(reverse("intake:case_detail", args=[case.code])).content.decode()
        assert "请明日报告进展" in timeline and "已约谈施工方" in timeline
