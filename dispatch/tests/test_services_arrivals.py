"""Matters from platforms, upper-level assignment, online forms and grid reports land on the dispatch
board when registered, and the duty director on duty is notified (issue 7 point 3)."""

from __future__ import annotations

import pytest

from dispatch.models import Notification
from dispatch.services.arrivals import case_queued_notify
from dispatch.tests.factories import DutyRosterFactory
from governance.tests.factories import UserFactory
from intake import hooks
from intake.choices import Channel, PartyRole
from intake.models import Category
from intake.services import MatterInput, PartyInput, case_register, case_send_to_dispatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_duty(rotation, today):
    DutyRosterFactory(center=rotation.center, departments=rotation.departments, start_date=today)
    return rotation.teams[0].main_director


def _register(center, channel, title="夜市噪音", **fields):
    return case_register(
        actor=UserFactory(roles=["window_clerk"], profile={"center": center}), center=center, matter=MatterInput(
            channel=channel, category=Category.objects.get(code="RX03"), title=title,
            description="东园镇夜市噪音扰民到凌晨。", address="东园镇夜市",
            parties=[PartyInput(name="王建国", phone="13805950001", role=PartyRole.APPLICANT)], **fields))


def test_dispatch_registers_the_queued_hook():
    assert hooks.case_queued._implementation is case_queued_notify


@pytest.mark.parametrize("channel", [Channel.PLATFORM, Channel.UPPER_ASSIGNMENT, Channel.ONLINE, Channel.GRID_REPORT])
def test_matters_from_other_channels_land_on_the_board_and_notify_the_duty_director(
        rotation, on_duty, channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = _register(rotation.center, channel, external_ref="GD001", external_source="qz12345",
                         urgency="urgent")
    case.refresh_from_db()
    assert case.status == "pending_dispatch"
    assert list(case.events.order_by("pk").values_list("type", "to_status")) == [
        ("case.registered", "registered"), ("case.sent_to_dispatch", "pending_dispatch")]
    note = Notification.objects.get(recipient=on_duty, kind="case.pending_dispatch", channel="in_app")
    assert case.code in note.title and "GD001" in note.title
    assert note.link.endswith(f"/work/cases/{case.pk}/")
    assert Notification.objects.filter(recipient=on_duty, kind="case.pending_dispatch", channel="sms").exists()


def test_a_walk_in_stays_with_its_first_receiver_until_sent_on(rotation, on_duty, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = _register(rotation.center, Channel.WALK_IN)
    assert case.status == "registered"
    assert not Notification.objects.filter(kind="case.pending_dispatch").exists()
    with django_capture_on_commit_callbacks(execute=True):
        case_send_to_dispatch(actor=case.first_receiver, case=case)
    assert Notification.objects.filter(recipient=on_duty, kind="case.pending_dispatch").count() == 1


def test_no_duty_director_on_duty_means_no_notification_but_the_matter_still_waits(
        rotation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = _register(rotation.center, Channel.PLATFORM)
    assert case.status == "pending_dispatch"
    assert not Notification.objects.filter(kind="case.pending_dispatch").exists()
