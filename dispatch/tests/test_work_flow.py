"""End to end through the services: story 1 of SCENARIOS.md (joint handling) and the side roads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dispatch import services as svc
from dispatch.choices import AssignmentRole, AssignmentStatus, StepKind
from dispatch.models import Assignment, DeadlineStep, Notification
from dispatch.tests.factories_work import World, at
from governance.api import http_status_for
from governance.errors import ApplicationError, PermissionDeniedError
from intake.choices import CaseStatus, HandlingMode
from intake.models import Attachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def timeline(case) -> list[str]:
    return list(case.events.order_by("occurred_at", "pk").values_list("type", flat=True))


def test_joint_matter_from_dispatch_to_close(world, django_capture_on_commit_callbacks):
    case = world.case(registered_at=at(2025, 9, 22, 9, 7))
    # 09:30 the duty director dispatches in joint mode: labour center leads, 资规建交局 co-handles.
    with django_capture_on_commit_callbacks(execute=True):
        lead, co = svc.case_dispatch(
            actor=world.director, case=case, mode=HandlingMode.JOINT, lead_department=world.labour,
            co_departments=[world.zgj], instructions="请牵头处理欠薪", parts={world.zgj.pk: "核查工地施工许可"},
            now=at(2025, 9, 22, 9, 30))
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.handling_mode == HandlingMode.JOINT
    assert (lead.role, co.role, co.lead_id) == (AssignmentRole.LEAD, AssignmentRole.CO, lead.pk)
    # 2 working hours from 09:30 Monday; 7 working days ends Wednesday 2025-10-01? No: National Day.
    assert lead.ack_due_at == at(2025, 9, 22, 11, 30)
    assert lead.due_at == at(2025, 9, 30, 23, 59, 59)
    assert lead.policy_snapshot["name"] == "默认时限"
    assert timeline(case) == ["case.dispatched", "assignment.created", "assignment.created"]
    assert Notification.objects.filter(recipient=world.labour.liaison, kind="assignment.created").count() == 1
    assert Notification.objects.filter(recipient=world.zgj.liaison, kind="assignment.created").count() == 1

    # 10:12 资规建交局 acknowledges on time; 11:40 the labour center, late (recorded, continues).
    svc.assignment_acknowledge(actor=world.zgj.liaison, assignment=co, now=at(2025, 9, 22, 10, 12))
    svc.assignment_acknowledge(actor=world.labour.liaison, assignment=lead, now=at(2025, 9, 22, 11, 40))
    lead.refresh_from_db()
    co.refresh_from_db()
    assert lead.acknowledged_late and not co.acknowledged_late
    assert not DeadlineStep.objects.filter(assignment=lead, kind__in=[StepKind.ACK_OVERDUE, StepKind.ACK_REMINDER],
                                           fired_at__isnull=True, cancelled_at__isnull=True).exists()
    assert timeline(case)[-2:] == ["assignment.acknowledged", "assignment.acknowledged"]

    # The lead cannot merge before the co-department has reported its part.
    with pytest.raises(ApplicationError) as waiting:
        svc.assignment_report_back(actor=world.labour.liaison, assignment=lead, text="已协调",
                                   now=at(2025, 9, 25, 10, 0))
    assert waiting.value.code == "co_parts_pending"

    # Day 4 the co-department reports its part; day 6 the lead reports the merged answer with a file.
    svc.assignment_report_back(actor=world.zgj.liaison, assignment=co, text="工地许可齐全",
                               now=at(2025, 9, 25, 10, 0))
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    upload = SimpleUploadedFile("还款计划.pdf", b"%PDF-1.4 schedule", content_type="application/pdf")
    svc.assignment_report_back(actor=world.handler, assignment=lead, text="已支付60%，签订还款计划",
                               files=[upload], now=at(2025, 9, 29, 15, 0))
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED
    assert Attachment.objects.filter(case=case, purpose="report_back").count() == 1
    assert timeline(case)[-2:] == ["assignment.reported_back", "assignment.reported_back"]

    # The center returns the merged answer for rework (a redo, counted).
    svc.assignment_return_for_rework(actor=world.dispatcher, assignment=lead, reason="缺少剩余款项时间表",
                                     now=at(2025, 9, 29, 16, 0))
    case.refresh_from_db()
    lead.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and lead.status == AssignmentStatus.REWORK
    assert lead.redo_count == 1
    assert timeline(case)[-1] == "assignment.returned_for_rework"

    svc.assignment_report_back(actor=world.labour.liaison, assignment=lead, text="补充：余款10月20日前付清",
                               now=at(2025, 9, 30, 10, 0))
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED
    assert timeline(case)[-1] == "assignment.reported_back"

    # A grid worker of the matter's grid verifies on site; then the revisit call; then close.
    svc.case_verify(actor=world.grid_worker, case=case, passed=True, notes="现场核实", now=at(2025, 9, 30, 15, 0))
    assert timeline(case)[-1] == "case.verified"
    svc.case_revisit(actor=world.dispatcher, case=case, resolved="partly", satisfaction="basic",
                     notes="余款待付", now=at(2025, 10, 9, 9, 0))
    assert timeline(case)[-1] == "case.revisited"
    svc.case_close(actor=world.dispatcher, case=case, now=at(2025, 10, 9, 9, 10))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.resolved is True
    assert timeline(case) == [
        "case.dispatched",
        "assignment.created",
        "assignment.created",
        "assignment.acknowledged",
        "assignment.acknowledged",
        "assignment.reported_back",
        "assignment.reported_back",
        "assignment.returned_for_rework",
        "assignment.reported_back",
        "case.verified",
        "case.revisited",
        "case.closed",
    ]
    statuses = dict(Assignment.objects.filter(case=case).values_list("role", "status"))
    assert statuses == {AssignmentRole.LEAD: AssignmentStatus.COMPLETED, AssignmentRole.CO: AssignmentStatus.COMPLETED}
    revisit = case.revisits.get()
    assert (revisit.resolved, revisit.satisfaction) == ("partly", "basic")
    # Every transition event carries from/to status.
    closed = case.events.get(type="case.closed")
    assert (closed.from_status, closed.to_status) == (CaseStatus.REVISITED, CaseStatus.CLOSED)


def test_acknowledging_twice_leaves_one_event(world):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police)
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment)
    stale = Assignment.objects.get(pk=assignment.pk)
    stale.status = AssignmentStatus.ASSIGNED  # a second tab still showing the old state
    with pytest.raises(ApplicationError) as exc:
        svc.assignment_acknowledge(actor=world.police.liaison, assignment=stale)
    assert http_status_for(exc.value) == 409
    assert timeline(case).count("assignment.acknowledged") == 1


def test_only_duty_director_and_dispatchers_dispatch(world):
    case = world.case()
    for user in (world.labour.liaison, world.commander, world.grid_worker):
        with pytest.raises(PermissionDeniedError):
            svc.case_dispatch(actor=user, case=case, mode=HandlingMode.TRANSFER, lead_department=world.police)


def test_department_acts_only_on_its_own_assignment(world):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police)
    with pytest.raises(PermissionDeniedError):
        svc.assignment_acknowledge(actor=world.labour.liaison, assignment=assignment)
    with pytest.raises(PermissionDeniedError):
        svc.assignment_acknowledge(actor=world.handler, assignment=assignment)


def test_not_resolved_reopens_with_a_counted_redo(world):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.labour, now=at(2025, 11, 3, 9, 0))
    svc.assignment_acknowledge(actor=world.handler, assignment=assignment, now=at(2025, 11, 3, 9, 30))
    svc.assignment_report_back(actor=world.handler, assignment=assignment, text="已处理",
                               now=at(2025, 11, 4, 9, 0))
    case.refresh_from_db()
    svc.case_verify(actor=world.dispatcher, case=case, passed=True, now=at(2025, 11, 4, 15, 0))
    svc.case_revisit(actor=world.dispatcher, case=case, resolved="no", satisfaction="not_satisfied",
                     now=at(2025, 11, 5, 9, 0))
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert assignment.status == AssignmentStatus.REWORK and assignment.redo_count == 1
    assert timeline(case)[-2:] == ["case.revisited", "case.reopened"]
    with pytest.raises(ApplicationError):
        svc.case_close(actor=world.dispatcher, case=case)


def test_self_settled_matter_closes_after_revisit_only(world):
    case = world.case(status=CaseStatus.SETTLED_ON_SPOT, handling_mode=HandlingMode.SELF)
    with pytest.raises(ApplicationError):
        svc.case_close(actor=world.dispatcher, case=case)
    svc.case_revisit(actor=world.dispatcher, case=case, resolved="yes", satisfaction="satisfied")
    svc.case_close(actor=world.dispatcher, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert timeline(case) == ["case.revisited", "case.closed"]


def test_verification_by_grid_worker_of_another_grid_is_refused(world):
    from governance.tests.factories import GridFactory

    case = world.case(grid=GridFactory(), status=CaseStatus.REPORTED)
    with pytest.raises(ApplicationError) as exc:
        svc.case_verify(actor=world.grid_worker, case=case, passed=True)
    assert http_status_for(exc.value) == 403


def test_failed_verification_sends_the_answer_back(world):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.labour)
    svc.assignment_acknowledge(actor=world.handler, assignment=assignment)
    svc.assignment_report_back(actor=world.handler, assignment=assignment, text="已处理")
    case.refresh_from_db()
    svc.case_verify(actor=world.grid_worker, case=case, passed=False, notes="现场仍未整改")
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and assignment.status == AssignmentStatus.REWORK
    assert timeline(case)[-1] == "case.verification_failed"


def test_extension_approved_moves_the_deadline_and_the_steps(world):
    case = world.case()
    now = at(2025, 11, 3, 9, 0)
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.labour, now=now)
    svc.assignment_acknowledge(actor=world.handler, assignment=assignment, now=now)
    old_due = assignment.due_at
    new_due = old_due + dt.timedelta(days=7)
    request = svc.assignment_request_extension(actor=world.handler, assignment=assignment, reason="需鉴定",
                                               requested_due_at=new_due, now=now)
    with pytest.raises(PermissionDeniedError):
        svc.extension_decide(actor=world.handler, extension=request, approve=True)
    svc.extension_decide(actor=world.director, extension=request, approve=True, note="同意", now=now)
    assignment.refresh_from_db()
    assert assignment.due_at == new_due and assignment.extension_count == 1
    overdue = DeadlineStep.objects.get(assignment=assignment, kind=StepKind.OVERDUE, cancelled_at__isnull=True)
    assert overdue.due_at == new_due
    assert timeline(case)[-2:] == ["assignment.extension_requested", "assignment.extension_approved"]
    with pytest.raises(ApplicationError):
        svc.extension_decide(actor=world.director, extension=request, approve=False)


def test_extension_refused_is_recorded(world):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.labour)
    request = svc.assignment_request_extension(actor=world.handler, assignment=assignment, reason="人手不足",
                                               requested_due_at=assignment.due_at + dt.timedelta(days=3))
    svc.extension_decide(actor=world.director, extension=request, approve=False, note="请按期办理")
    request.refresh_from_db()
    assert request.status == "refused" and request.decided_by == world.director
    assert timeline(case)[-1] == "assignment.extension_refused"


def test_decline_accepted_redispatches_and_keeps_time_spent(world):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police, now=at(2025, 11, 3, 9, 0))
    svc.assignment_decline(actor=world.police.liaison, assignment=assignment, reason="属劳动争议，非我局职责",
                           now=at(2025, 11, 3, 11, 0))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DECLINED and assignment.spent_working_minutes == 120
    new = svc.assignment_rule_decline(actor=world.director, assignment=assignment, accept=True,
                                      department=world.labour, note="改派劳动保障", now=at(2025, 11, 3, 14, 40))
    assert new.department == world.labour and new.previous_id == assignment.pk
    assert new.spent_working_minutes == 120
    assert timeline(case)[-3:] == ["assignment.declined", "assignment.decline_accepted", "assignment.created"]


def test_decline_refused_keeps_the_department_on_it(world):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police)
    svc.assignment_decline(actor=world.police.liaison, assignment=assignment, reason="非我局职责")
    svc.assignment_rule_decline(actor=world.director, assignment=assignment, accept=False, note="属治安范畴")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    assert timeline(case)[-1] == "assignment.decline_refused"


def test_remind_supervise_reassign(world, django_capture_on_commit_callbacks):
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police)
    with django_capture_on_commit_callbacks(execute=True):
        svc.assignment_remind(actor=world.dispatcher, assignment=assignment, note="请加快")
    assert Notification.objects.filter(recipient=world.police.liaison, kind="assignment.reminded").exists()
    svc.assignment_supervise(actor=world.director, assignment=assignment, leader=world.commander,
                             every_working_days=1)
    assert DeadlineStep.objects.filter(assignment=assignment, kind=StepKind.PROGRESS_DUE,
                                       cancelled_at__isnull=True).count() == 1
    new = svc.assignment_reassign(actor=world.director, assignment=assignment, department=world.zgj,
                                  reason="属规划问题")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WITHDRAWN and new.department == world.zgj
    assert timeline(case)[-4:] == ["assignment.reminded", "assignment.supervised", "assignment.reassigned",
                                   "assignment.created"]


def test_supervised_mode_requires_a_leader_and_plans_progress_reports(world):
    case = world.case()
    with pytest.raises(ApplicationError):
        svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.SUPERVISED,
                          lead_department=world.police)
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.SUPERVISED,
                                      lead_department=world.police, supervising_leader=world.commander,
                                      progress_every_working_days=2, now=at(2025, 11, 3, 9, 0))
    step = DeadlineStep.objects.get(assignment=assignment, kind=StepKind.PROGRESS_DUE)
    assert step.due_at == at(2025, 11, 5, 23, 59, 59)
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 11, 3, 9, 10))
    svc.assignment_report_progress(actor=world.police.liaison, assignment=assignment, text="已约谈双方",
                                   now=at(2025, 11, 4, 10, 0))
    step.refresh_from_db()
    assert step.cancelled_at is not None
    assert DeadlineStep.objects.get(assignment=assignment, kind=StepKind.PROGRESS_DUE,
                                    cancelled_at__isnull=True).due_at == at(2025, 11, 6, 23, 59, 59)


def test_escalate_up_and_push_down(world):
    from governance.tests.factories import CenterFactory

    city = CenterFactory(code="QZ", name="泉州市社会治理中心", level="district")
    world.center.parent = city
    world.center.save()
    town_center = CenterFactory(code="350521100", name="洛阳镇综治中心", level="town", parent=world.center,
                                district=world.center)
    case = world.case()
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=case, mode=HandlingMode.TRANSFER,
                                      lead_department=world.police)
    svc.case_move_center(actor=world.director, case=case, to_center=town_center, reason="属地化解")
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert case.center == town_center and case.status == CaseStatus.PENDING_DISPATCH
    assert assignment.status == AssignmentStatus.WITHDRAWN
    other = world.case()
    svc.case_move_center(actor=world.director, case=other, to_center=city, reason="跨区协调")
    other.refresh_from_db()
    assert other.center == city
    assert timeline(case)[-1] == "case.pushed_down" and timeline(other) == ["case.escalated"]
    with pytest.raises(ApplicationError):
        svc.case_move_center(actor=world.director, case=other, to_center=town_center, reason="x")


def test_explanation_call_is_recorded(world):
    case = world.case(status=CaseStatus.IN_PROGRESS)
    svc.case_record_explanation_call(actor=world.dispatcher, case=case, notes="需等待司法鉴定结果")
    assert timeline(case) == ["case.explanation_called"]
    assert case.explanation_calls.count() == 1
