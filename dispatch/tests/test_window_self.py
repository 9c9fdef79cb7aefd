"""窗口自办 (issue 22 item 12, seed 000 二(二)): a stationed department's window takes a matter it received
into its own department with a deadline; only a clerk of that window, only for its department; the
assignment runs like any other (engine, report-back, assessment) and is counted apart."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from dispatch import services as svc
from dispatch.choices import AssignmentRole
from dispatch.models import Assignment, DeadlineStep
from dispatch.selectors.clocks import SEND_ON
from dispatch.services.window_self import self_handling_due_at
from dispatch.tests.factories_work import World, at
from governance.errors import ApplicationError, PermissionDeniedError
from governance.models import ServiceWindow, Stationing
from governance.tests.factories import CenterFactory, UserFactory
from intake.choices import CaseStatus, Channel, HandlingMode, PartyRole
from intake.models import Case
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch
from intake.tests.factories import valid_id_number

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 18, 10)  # a Wednesday, a working day


class Windows(World):
    """World plus the windows of seed 000 二(一): 3号劳动监察 and 4号争议仲裁 of the (permanent) labour
    center, 6号综合受理, and 8号国土规建 of the rotating 资规建交局 (stationed on Tuesdays)."""

    def __init__(self) -> None:
        super().__init__()
        self.labour.residency = "permanent"
        self.labour.save(update_fields=["residency"])
        self.inspection = ServiceWindow.objects.create(center=self.center, number=3, name="劳动监察", kind="fixed",
                                                       department=self.labour)
        self.arbitration = ServiceWindow.objects.create(center=self.center, number=4, name="争议仲裁", kind="fixed",
                                                        department=self.labour)
        self.general = ServiceWindow.objects.create(center=self.center, number=6, name="综合受理", kind="fixed")
        self.planning = ServiceWindow.objects.create(center=self.center, number=8, name="国土规建", kind="flexible",
                                                     department=self.zgj)
        Stationing.objects.create(center=self.center, department=self.zgj, weekday=1, valid_from=dt.date(2024, 1, 1))
        self.clerk = self.clerk_of(self.inspection, "clerk_ldjc")
        self.clerk_arbitration = self.clerk_of(self.arbitration, "clerk_zycc")
        self.clerk_general = self.clerk_of(self.general, "clerk_zhsl")
        self.clerk_planning = self.clerk_of(self.planning, "clerk_gtgj")

    def clerk_of(self, window: ServiceWindow, username: str):
        clerk = UserFactory(username=username, roles=["window_clerk"], profile={"center": self.center})
        window.staff.add(clerk)
        return clerk

    def registered(self, clerk=None, window=None, now=NOW) -> Case:
        window = window or self.inspection
        return case_register(actor=clerk or self.clerk, center=self.center, matter=MatterInput(
            channel=Channel.WALK_IN, category=self.category, title="上浦村工地拖欠工资",
            description="十二名工人反映工地拖欠三个月工资。", window=window,
            parties=[PartyInput(name="王建国", id_number=valid_id_number(order=123), phone="13805950001",
                                role=PartyRole.APPLICANT)]), now=now)


@pytest.fixture
def world():
    return Windows()


def test_the_window_takes_the_matter_into_its_department_with_a_deadline_on_the_timeline(world):
    case = world.registered()
    assert DeadlineStep.objects.filter(subject_type=SEND_ON, subject_id=case.pk, cancelled_at__isnull=True).exists()
    later = NOW + dt.timedelta(minutes=3)
    assignment = svc.case_self_handle(actor=world.clerk, case=case, department=world.labour, note="当日约谈企业",
                                      now=later)
    assert (assignment.mode, assignment.role, assignment.department, assignment.assigned_by) == (
        HandlingMode.SELF, AssignmentRole.SOLE, world.labour, world.clerk)
    assert assignment.instructions == "当日约谈企业" and assignment.due_at > later
    assert assignment.due_at == self_handling_due_at(case=case, now=later)
    case.refresh_from_db()
    assert (case.status, case.handling_mode, case.due_at) == (CaseStatus.IN_PROGRESS, HandlingMode.SELF,
                                                              assignment.due_at)
    moved = case.events.get(type="case.self_handled")
    assert (moved.from_status, moved.to_status, moved.actor, moved.occurred_at) == (
        CaseStatus.REGISTERED, CaseStatus.IN_PROGRESS, world.clerk, later)
    assert moved.data["window_name"] == "3号 劳动监察" and moved.data["department_name"] == "劳动保障维权服务中心"
    assert case.events.filter(type="assignment.created", data__assignment=assignment.pk).exists()
    # The 移送 clock stops (the matter moved on at once); the assignment's steps run on the engine.
    assert not DeadlineStep.objects.filter(subject_type=SEND_ON, subject_id=case.pk,
                                           cancelled_at__isnull=True).exists()
    assert DeadlineStep.objects.filter(assignment=assignment, cancelled_at__isnull=True).exists()


def test_given_to_another_department_by_the_center_it_becomes_a_transfer(world):
    own = svc.case_self_handle(actor=world.clerk, case=world.registered(), department=world.labour, now=NOW)
    new = svc.assignment_reassign(actor=world.dispatcher, assignment=own, department=world.zgj,
                                  reason="涉及工程款结算，属资规建交局", now=NOW + dt.timedelta(hours=1))
    assert (new.mode, new.department, new.previous) == (HandlingMode.TRANSFER, world.zgj, own)
    assert Case.objects.get(pk=own.case_id).handling_mode == HandlingMode.TRANSFER


def test_only_a_clerk_of_the_window_that_received_it(world):
    case = world.registered()
    for actor in (world.clerk_arbitration, world.clerk_planning, world.clerk_general):
        with pytest.raises(PermissionDeniedError) as refused:
            svc.case_self_handle(actor=actor, case=case, department=world.labour, now=NOW)
        assert refused.value.code == "not_your_window"
    with pytest.raises(PermissionDeniedError, match="只有业务部门窗口的工作人员"):
        svc.case_self_handle(actor=world.dispatcher, case=case, department=world.labour, now=NOW)
    admin = UserFactory(username="admin1", roles=["administrator"], profile={"center": world.center})
    with pytest.raises(PermissionDeniedError) as refused:
        svc.case_self_handle(actor=admin, case=case, department=world.labour, now=NOW)
    assert refused.value.code == "administrator_does_not_act"
    case.refresh_from_db()
    assert case.status == CaseStatus.REGISTERED and not Assignment.objects.exists()


def test_a_general_window_has_no_department_of_its_own(world):
    case = world.registered(clerk=world.clerk_general, window=world.general)
    with pytest.raises(PermissionDeniedError) as refused:
        svc.case_self_handle(actor=world.clerk_general, case=case, department=world.labour, now=NOW)
    assert refused.value.code == "not_department_window"


def test_only_for_its_own_department(world):
    case = world.registered()
    with pytest.raises(PermissionDeniedError) as refused:
        svc.case_self_handle(actor=world.clerk, case=case, department=world.zgj, now=NOW)
    assert refused.value.code == "other_department" and "劳动保障维权服务中心" in refused.value.message
    assert not Assignment.objects.exists() and not case.events.filter(type="case.self_handled").exists()


def test_not_for_a_matter_of_another_center(world):
    other = CenterFactory(code="QZFZ", name="丰泽区社会治理中心")
    outsider = UserFactory(username="clerk_fz", roles=["window_clerk"], profile={"center": other})
    world.inspection.staff.add(outsider)
    with pytest.raises(PermissionDeniedError) as refused:
        svc.case_self_handle(actor=outsider, case=world.registered(), department=world.labour, now=NOW)
    assert refused.value.code == "not_your_center"


def test_a_rotating_departments_window_acts_on_its_stationing_day_only_and_while_open(world):
    wednesday, tuesday = NOW, at(2026, 11, 17, 10)
    case = world.registered(clerk=world.clerk_planning, window=world.planning, now=at(2026, 11, 17, 9))
    with pytest.raises(PermissionDeniedError) as refused:
        svc.case_self_handle(actor=world.clerk_planning, case=case, department=world.zgj, now=wednesday)
    assert refused.value.code == "not_stationed_today" and "进驻日" in refused.value.message
    ServiceWindow.objects.filter(pk=world.planning.pk).update(active=False)
    with pytest.raises(PermissionDeniedError) as refused:
        svc.case_self_handle(actor=world.clerk_planning, case=case, department=world.zgj, now=tuesday)
    assert refused.value.code == "window_closed"
    ServiceWindow.objects.filter(pk=world.planning.pk).update(active=True)
    assignment = svc.case_self_handle(actor=world.clerk_planning, case=case, department=world.zgj, now=tuesday)
    assert assignment.department == world.zgj


def test_only_a_matter_just_registered_and_only_once(world):
    case = world.registered()
    svc.case_self_handle(actor=world.clerk, case=case, department=world.labour, now=NOW)
    with pytest.raises(ApplicationError) as refused:
        svc.case_self_handle(actor=world.clerk, case=case, department=world.labour, now=NOW)
    assert refused.value.code == "invalid_transition"
    sent = world.registered()
    case_send_to_dispatch(actor=world.clerk, case=sent, now=NOW)
    with pytest.raises(ApplicationError) as refused:
        svc.case_self_handle(actor=world.clerk, case=sent, department=world.labour, now=NOW)
    assert refused.value.code == "invalid_transition" and "待调度" in refused.value.message
    assert Assignment.objects.count() == 1


def test_the_note_is_free_text_within_its_limit(world):
    case = world.registered()
    with pytest.raises(ApplicationError) as refused:
        svc.case_self_handle(actor=world.clerk, case=case, department=world.labour, note="说" * 1001, now=NOW)
    assert refused.value.field == "note"
    case.refresh_from_db()
    assert case.status == CaseStatus.REGISTERED


# --- the receipt page ------------------------------------------------------------------------------
def test_the_receipt_offers_self_handling_to_the_windows_clerk_only(world, client):
    case = world.registered()
    receipt = reverse("intake:receipt", args=[case.code])
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.clerk)
        page = client.get(receipt).content.decode()
        assert 'data-testid="self-handle"' in page and "本部门自办（劳动保障维权服务中心）" in page
        client.force_login(world.clerk_general)
        assert 'data-testid="self-handle"' not in client.get(receipt).content.decode()


def test_the_page_takes_it_and_the_timeline_shows_it(world, client):
    case = world.registered()
    url = reverse("dispatch:case-self-handle", args=[case.code])
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.clerk_arbitration)
        refused = client.post(url, {"department": world.labour.pk, "note": ""}, follow=True)
        assert "只有该窗口的工作人员" in refused.content.decode()
        client.force_login(world.clerk)
        done = client.post(url, {"department": world.labour.pk, "note": "当日约谈企业"}, follow=True)
    body = done.content.decode()
    assert done.redirect_chain[-1][0] == reverse("intake:case_detail", args=[case.code])
    assert "已受理为劳动保障维权服务中心自办" in body
    assert 'data-event="case.self_handled"' in body and "受理窗口：3号 劳动监察" in body
    assert Assignment.objects.get(case=case).mode == HandlingMode.SELF


def test_the_page_refuses_another_department_with_a_message(world, client):
    case = world.registered()
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.clerk)
        page = client.post(reverse("dispatch:case-self-handle", args=[case.code]),
                           {"department": world.zgj.pk}, follow=True)
    assert page.status_code == 200 and "不能交给其他部门" in page.content.decode()
    assert not Assignment.objects.exists()
