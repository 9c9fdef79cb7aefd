"""The messages of a letter's and an action item's deadline steps are the sweep's outbox like every
other step's: tagged with their step and counted, so the auditor (issue 9: every fired step has its
messages) flags a fired letter or action-item step whose messages are missing."""

from __future__ import annotations

import datetime as dt

import pytest

from command.choices import ACTION_SUBJECT, LETTER_SUBJECT, ConsultationKind, LetterKind
from command.services.consultation import consultation_record, consultation_schedule, decision_record
from command.services.letters import letter_issue
from dispatch.models import AuditAlarm, DeadlineStep, Notification
from dispatch.services import deadline_audit, deadline_sweep
from dispatch.services.engine_audit import LOST_ALARM_KIND

pytestmark = pytest.mark.django_db


def fired(subject_type: str, subject_id: int) -> list[DeadlineStep]:
    return list(DeadlineStep.objects.filter(subject_type=subject_type, subject_id=subject_id, outcome="fired")
                .order_by("due_at"))


def test_a_fired_letter_step_without_its_messages_is_flagged_by_the_auditor(world, now):
    letter = letter_issue(actor=world.director, center=world.center, kind=LetterKind.WORK_REMINDER,
                          department=world.dongyuan_town, subject="夜市噪音", body="请排查化解。", now=now)
    after = letter.answer_due_at + dt.timedelta(days=1, minutes=1)
    deadline_sweep(now=after)  # reminder skipped (past), overdue and escalation fire
    steps = fired(LETTER_SUBJECT, letter.pk)
    assert [s.kind for s in steps] == ["overdue", "escalation"]
    for step in steps:
        stored = Notification.objects.filter(step=step)
        assert step.message_count > 0 and stored.count() == step.message_count
        assert set(stored.values_list("kind", flat=True)) == {f"letter.{'overdue' if step.level == 0 else 'escalated'}"}
    assert deadline_audit(now=after) is None

    Notification.objects.filter(step=steps[0]).delete()  # the overdue step's messages are lost
    alarm = deadline_audit(now=after + dt.timedelta(minutes=1))
    assert alarm is not None and alarm.kind == LOST_ALARM_KIND and alarm.missed == 1
    assert AuditAlarm.objects.filter(kind=LOST_ALARM_KIND, resolved_at__isnull=True).count() == 1


def test_action_item_reminder_carries_its_step_and_is_audited(world, now):
    consultation = consultation_schedule(
        actor=world.director, center=world.center, kind=ConsultationKind.DISPATCH_BIWEEKLY, title="",
        scheduled_at=now + dt.timedelta(hours=1), place="", chair=world.director, invitees=[world.dongyuan_town.liaison],
        now=now)
    consultation_record(actor=world.director, consultation=consultation, attended_user_ids=[],
                        minutes="研究夜市噪音。", now=now + dt.timedelta(hours=2))
    item = decision_record(actor=world.director, consultation=consultation, text="夜市闭市时间调整到 22:00",
                           due_at=now + dt.timedelta(days=5), owner_department=world.dongyuan_town,
                           now=now + dt.timedelta(hours=2))
    reminder_time = item.due_at - dt.timedelta(hours=12)
    deadline_sweep(now=reminder_time)
    (step,) = fired(ACTION_SUBJECT, item.pk)
    assert step.kind == "due_reminder"
    assert Notification.objects.filter(step=step, kind="consultation.action_reminder").count() == step.message_count > 0
    Notification.objects.filter(step=step).delete()
    assert deadline_audit(now=reminder_time + dt.timedelta(minutes=5)).kind == LOST_ALARM_KIND
