"""Urgent messages (issue 28 points 0b and 2): summons rows go one per task on a queue of their own,
rows a crash left unpublished or "sending" are taken over within 30 s, and the status page is amber
while a summons message waits, red while the gateway refuses one."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch import services
from dispatch.choices import DeliveryStatus, NotificationChannel
from dispatch.models import Notification
from dispatch.services import delivery, notifications
from dispatch.services.delivery import PRIORITY_BULK, PRIORITY_URGENT, URGENT_QUEUE
from dispatch.services.engine_audit import deadline_engine_checks
from dispatch.sms import SMSBackend
from dispatch.tasks import URGENT_REQUEUE_AFTER_SECONDS, notifications_requeue_urgent
from dispatch.tests.conftest import at
from dispatch.tests.factories import NotificationFactory
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def liaison(center):
    return UserFactory(profile={"center": center, "phone": "13800000001"})


@pytest.fixture
def published(monkeypatch):
    calls: list[tuple[list[int], dict]] = []
    monkeypatch.setattr(delivery, "enqueue", lambda name, ids, **options: calls.append((ids, options)))
    return calls


def sms(liaison, *, priority: int, status: str = DeliveryStatus.PENDING, **fields) -> Notification:
    row = NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS, status=status, priority=priority)
    if fields:
        Notification.objects.filter(pk=row.pk).update(**fields)
        row.refresh_from_db()
    return row


def test_urgent_rows_go_one_per_task_on_the_urgent_queue_and_the_rest_in_batches(published):
    delivery.notification_publish([(pk, PRIORITY_URGENT) for pk in range(1, 4)]
                                       + [(pk, PRIORITY_BULK) for pk in range(10, 30)])
    urgent = [(ids, options) for ids, options in published if options.get("queue") == URGENT_QUEUE]
    assert [ids for ids, _ in urgent] == [[1], [2], [3]]
    assert all(options["priority"] == PRIORITY_URGENT for _, options in urgent)
    ordinary = [ids for ids, options in published if "queue" not in options]
    assert ordinary == [list(range(10, 20)), list(range(20, 30))]  # routed to `deliveries` by the settings


def test_a_retry_of_an_urgent_row_stays_on_the_urgent_queue(liaison, published):
    row = sms(liaison, priority=PRIORITY_URGENT, status=DeliveryStatus.FAILED, attempts=1)
    delivery.notification_publish_retries(notification_ids=[row.pk], countdown=lambda n: 600)
    assert published == [([row.pk], {"priority": PRIORITY_URGENT, "countdown": 60, "queue": URGENT_QUEUE})]


def test_the_urgent_queue_has_its_worker_and_its_requeue(settings):
    from pathlib import Path

    assert URGENT_QUEUE in settings.BROKER_QUEUES
    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text()
    assert f"-Q {URGENT_QUEUE} " in procfile
    compose = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()
    assert f"-Q {URGENT_QUEUE} " in compose
    schedule = settings.CELERY_BEAT_SCHEDULE["notifications-requeue-urgent"]
    assert schedule["schedule"] <= 10
    assert settings.CELERY_TASK_ROUTES[schedule["task"]] == {"queue": URGENT_QUEUE}


def test_unpublished_or_stuck_urgent_rows_are_taken_over_within_30_seconds(liaison, settings, sms_outbox,
                                                                            django_capture_on_commit_callbacks):
    now = at(2025, 9, 22, 15)
    seconds = dt.timedelta(seconds=1)
    unpublished = sms(liaison, priority=PRIORITY_URGENT, created_at=now - (URGENT_REQUEUE_AFTER_SECONDS + 1) * seconds)
    fresh = sms(liaison, priority=PRIORITY_URGENT, created_at=now - 5 * seconds)
    stuck = sms(liaison, priority=PRIORITY_URGENT, status=DeliveryStatus.SENDING, attempts=1,
                created_at=now - 60 * seconds, last_attempt_at=now - 31 * seconds)
    sending = sms(liaison, priority=PRIORITY_URGENT, status=DeliveryStatus.SENDING, attempts=1,
                  created_at=now - 60 * seconds, last_attempt_at=now - 10 * seconds)
    # a failed one waits for its own retry (at most a minute away) before beat publishes it again
    retrying = sms(liaison, priority=PRIORITY_URGENT, status=DeliveryStatus.FAILED, attempts=1,
                   created_at=now - 60 * seconds, last_attempt_at=now - 40 * seconds)
    lost_retry = sms(liaison, priority=PRIORITY_URGENT, status=DeliveryStatus.FAILED, attempts=1,
                     created_at=now - 120 * seconds, last_attempt_at=now - 80 * seconds)
    ordinary = sms(liaison, priority=PRIORITY_BULK, created_at=now - 60 * seconds)
    taken = services.notification_requeue_stale(now=now, older_than=URGENT_REQUEUE_AFTER_SECONDS * seconds,
                                                urgent_only=True)
    assert sorted(taken) == sorted([unpublished.pk, stuck.pk, lost_retry.pk])
    assert fresh.pk not in taken and sending.pk not in taken and retrying.pk not in taken
    assert ordinary.pk not in taken
    # the beat task, on real time: the same rule
    Notification.objects.filter(pk=unpublished.pk).update(created_at=dt.datetime.now(dt.UTC) - 20 * seconds)
    settings.SMS_BACKEND = "dispatch.sms.LocmemSMSBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_requeue_urgent() >= 1
    unpublished.refresh_from_db()
    assert unpublished.status == DeliveryStatus.SENT


class TakeOverSecond(SMSBackend):
    """While the first row is at the gateway (slowly), another delivery takes the second row over."""

    sent: list[str] = []

    def send(self, *, phone: str, text: str) -> str:
        TakeOverSecond.sent.append(text)
        Notification.objects.filter(title="第二条").update(claim="another-delivery")
        return "ok"


def test_a_batch_does_not_send_a_row_another_delivery_took_over(liaison, settings):
    settings.SMS_BACKEND = "dispatch.tests.test_urgent_messages.TakeOverSecond"
    TakeOverSecond.sent = []
    first = sms(liaison, priority=PRIORITY_BULK, title="第一条")
    second = sms(liaison, priority=PRIORITY_BULK, title="第二条")
    outcome = delivery.notification_deliver_batch(notification_ids=[first.pk, second.pk])
    assert outcome["sent"] == [first.pk]
    assert len(TakeOverSecond.sent) == 1  # the second went to the gateway once, from the other delivery


def test_the_status_page_is_amber_while_a_summons_message_waits_and_red_while_it_fails(liaison):
    now = at(2025, 9, 22, 15)
    assert deadline_engine_checks(now=now)["紧急消息"]["ok"] is True
    sms(liaison, priority=PRIORITY_BULK, created_at=now - dt.timedelta(seconds=30))
    assert deadline_engine_checks(now=now)["紧急消息"]["ok"] is True  # ordinary messages are not urgent
    waiting = sms(liaison, priority=PRIORITY_URGENT, created_at=now - dt.timedelta(seconds=3))
    check = deadline_engine_checks(now=now)["紧急消息"]
    assert (check["ok"], check.get("soft"), check["waiting"]) == (False, True, 1)
    assert "待发送" in check["message"]
    Notification.objects.filter(pk=waiting.pk).update(status=DeliveryStatus.FAILED, attempts=1)
    check = deadline_engine_checks(now=now)["紧急消息"]
    assert check["ok"] is False and not check.get("soft") and "发送失败" in check["message"]
    Notification.objects.filter(pk=waiting.pk).update(status=DeliveryStatus.SENT)
    assert deadline_engine_checks(now=now)["紧急消息"]["ok"] is True


def test_summons_and_wartime_kinds_are_urgent_and_assignment_escalations_are_not():
    assert notifications.priority_for("summons.approved") == PRIORITY_URGENT
    assert notifications.priority_for("mode.wartime_declared") == PRIORITY_URGENT
    assert notifications.priority_for("assignment.escalated") != PRIORITY_URGENT
