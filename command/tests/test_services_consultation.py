"""A consultation whose decision becomes an action item that goes overdue, escalates, is carried to
the next meeting, and is followed to done."""

from __future__ import annotations

import datetime as dt

import pytest

from command.choices import ACTION_SUBJECT, ActionStatus, ConsultationKind, ConsultationStatus, SignalStatus
from command.models import RiskSignal
from command.selectors.work import actions_for_owner, consultations_visible
from command.services.consultation import (
    action_complete,
    agenda_add,
    consultation_record,
    consultation_schedule,
    decision_record,
)
from dispatch.models import DeadlineStep, Notification
from dispatch.services import deadline_sweep
from governance.errors import ApplicationError, PermissionDeniedError

pytestmark = pytest.mark.django_db


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user, channel="in_app").order_by("pk")
                .values_list("kind", flat=True))


def signal(world, now) -> RiskSignal:
    return RiskSignal.objects.create(center=world.center, kind="surge", key="surge:x", title="“噪音”激增：阳光社区",
                                     reason="…", window_start=now, window_end=now, raised_at=now, last_seen_at=now)


def test_decision_becomes_action_item_that_goes_overdue_escalates_and_is_done(
        world, now, django_capture_on_commit_callbacks):
    town = world.dongyuan_town
    with django_capture_on_commit_callbacks(execute=True):
        meeting = consultation_schedule(
            actor=world.director, center=world.center, kind=ConsultationKind.DISPATCH_BIWEEKLY, title="",
            scheduled_at=now + dt.timedelta(days=1), chair=world.commander, invitees=[town.liaison, world.leader],
            place="指挥中心会商室", now=now)
    assert meeting.title == "调度中心双周研判会商"
    assert "consultation.invited" in kinds_for(town.liaison)
    assert meeting.invitations.get(user=town.liaison).department == town

    surge = signal(world, now)
    item = agenda_add(actor=world.director, consultation=meeting, signal=surge, now=now)
    surge.refresh_from_db()
    assert surge.status == SignalStatus.ON_AGENDA and item.title == surge.title
    with pytest.raises(ApplicationError):
        agenda_add(actor=world.director, consultation=meeting, signal=surge, now=now)

    held = now + dt.timedelta(days=1)
    consultation_record(actor=world.commander, consultation=meeting, attended_user_ids=[town.liaison.pk],
                        minutes="研究阳光社区夜市噪音问题。", now=held)
    meeting.refresh_from_db()
    assert meeting.status == ConsultationStatus.HELD
    assert list(meeting.invitations.filter(attended=True).values_list("user", flat=True)) == [town.liaison.pk]

    due = held + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        action = decision_record(actor=world.commander, consultation=meeting, text="夜市闭市时间调整到 22:00",
                                 owner_department=town, due_at=due, agenda_item=item, now=held)
    assert list(actions_for_owner(actor=town.liaison)) == [action]
    assert "consultation.action_assigned" in kinds_for(town.liaison)
    assert meeting in consultations_visible(actor=town.liaison)
    assert meeting not in consultations_visible(actor=world.police.liaison)

    with django_capture_on_commit_callbacks(execute=True):
        deadline_sweep(now=due - dt.timedelta(hours=12))
        deadline_sweep(now=due + dt.timedelta(minutes=1))
        deadline_sweep(now=due + dt.timedelta(days=1, minutes=1))
        deadline_sweep(now=due + dt.timedelta(days=1, minutes=2))  # again: nothing more
    action.refresh_from_db()
    assert action.overdue_at == due + dt.timedelta(minutes=1)
    assert kinds_for(town.liaison)[-2:] == ["consultation.action_reminder", "consultation.action_overdue"]
    assert kinds_for(town.leader_in_charge) == ["consultation.action_escalated"]
    assert kinds_for(world.commander).count("consultation.action_escalated") == 1

    # The next meeting of the kind opens with the open item.
    later = consultation_schedule(actor=world.director, center=world.center, kind=ConsultationKind.DISPATCH_BIWEEKLY,
                                  title="第二次研判会商", scheduled_at=now + dt.timedelta(days=14),
                                  chair=world.commander, now=due + dt.timedelta(days=2))
    assert [a.carried_action for a in later.agenda.all()] == [action]

    with pytest.raises(PermissionDeniedError):
        action_complete(actor=world.police.liaison, item=action, result="x", now=due + dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        action_complete(actor=town.liaison, item=action, result="已于 11 月 24 日起执行 22:00 闭市。",
                        now=due + dt.timedelta(days=3))
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert list(actions_for_owner(actor=town.liaison)) == []
    assert "consultation.action_done" in kinds_for(world.commander)
    assert not DeadlineStep.objects.filter(subject_type=ACTION_SUBJECT, subject_id=action.pk, fired_at__isnull=True,
                                           cancelled_at__isnull=True).exists()
    third = consultation_schedule(actor=world.director, center=world.center, kind=ConsultationKind.DISPATCH_BIWEEKLY,
                                  title="第三次", scheduled_at=now + dt.timedelta(days=28), chair=world.commander,
                                  now=due + dt.timedelta(days=4))
    assert third.agenda.count() == 0


def test_only_organizers_schedule(world, now):
    with pytest.raises(PermissionDeniedError):
        consultation_schedule(actor=world.zgj.liaison, center=world.center, kind=ConsultationKind.AD_HOC, title="x",
                              scheduled_at=now, chair=world.commander, now=now)
