"""Notifications: stored once per dedupe key, delivered after commit, retried, abandoned, read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError

from dispatch import selectors, services
from dispatch.choices import NOTIFICATION_MAX_ATTEMPTS, DeliveryStatus, NotificationChannel
from dispatch.models import Notification
from dispatch.services.delivery import PRIORITY_URGENT
from dispatch.sms import SMSBackend, SMSDeliveryError
from dispatch.tasks import notifications_requeue, retry_countdown
from dispatch.tests.conftest import at
from dispatch.tests.factories import NotificationFactory
from governance.errors import ApplicationError, NotFoundError
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCMEM_SMS = "dispatch.sms.LocmemSMSBackend"


class FailingSMSBackend(SMSBackend):
    calls = 0

    def send(self, *, phone: str, text: str) -> str:
        FailingSMSBackend.calls += 1
        raise SMSDeliveryError("网关超时")


class FlakySMSBackend(SMSBackend):
    """Fails the first time, then works."""

    calls = 0

    def send(self, *, phone: str, text: str) -> str:
        FlakySMSBackend.calls += 1
        if FlakySMSBackend.calls == 1:
            raise SMSDeliveryError("网关繁忙")
        return "ok-1"


@pytest.fixture
def eager_retries():
    """Eager Celery re-runs a retried task at once, but only when it does not propagate the Retry."""
    from governance.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


@pytest.fixture
def liaison(center):
    return UserFactory(profile={"center": center, "phone": "13800000001"})


def send(recipients, key="summons:12:overdue", channels=(NotificationChannel.IN_APP,), **kwargs):
    return services.notification_send(
        recipients=recipients,
        kind="summons.overdue",
        title="资规建交局未按时报到",
        body="召集已超时 7 分钟",
        link="/dispatch/roster/",
        dedupe_key=key,
        channels=channels,
        now=kwargs.pop("now", at(2025, 9, 22, 14, 45)),
        **kwargs,
    )


def test_same_dedupe_key_twice_stores_one_row(liaison):
    first = send([liaison])
    second = send([liaison])
    assert len(first) == 1 and second == []
    assert Notification.objects.filter(dedupe_key="summons:12:overdue").count() == 1


def test_one_row_per_recipient_and_channel_and_new_recipients_are_added_later(
    liaison, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = LOCMEM_SMS
    leader = UserFactory(profile={"phone": "13900000002"})
    with django_capture_on_commit_callbacks(execute=True):
        created = send([liaison, liaison], channels=[NotificationChannel.IN_APP, NotificationChannel.SMS])
    assert len(created) == 2
    with django_capture_on_commit_callbacks(execute=True):
        created = send([liaison, leader], channels=[NotificationChannel.IN_APP, NotificationChannel.SMS])
    assert {(row.recipient, row.channel) for row in created} == {
        (leader, NotificationChannel.IN_APP),
        (leader, NotificationChannel.SMS),
    }
    assert Notification.objects.count() == 4
    assert [message["phone"] for message in sms_outbox] == ["13800000001", "13900000002"]


def test_concurrent_insert_of_the_same_notification_is_absorbed(liaison, monkeypatch):
    """The pre-check can miss a row another worker inserts a moment later; the unique constraint
    and the savepoint turn that into "already stored"."""
    send([liaison])
    real_filter = Notification.objects.filter

    class Blind:
        def values_list(self, *args, **kwargs):
            return []

    def blind_filter(*args, **kwargs):
        if "channel__in" in kwargs:
            return Blind()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Notification.objects, "filter", blind_filter)
    assert send([liaison]) == []
    monkeypatch.undo()
    assert Notification.objects.count() == 1


def test_unique_constraint_refuses_a_duplicate_row(liaison):
    NotificationFactory(recipient=liaison, dedupe_key="k", channel=NotificationChannel.SMS)
    with pytest.raises(IntegrityError):
        NotificationFactory(recipient=liaison, dedupe_key="k", channel=NotificationChannel.SMS)


def test_delivery_is_queued_only_after_commit(
    liaison, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = LOCMEM_SMS
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (row,) = send([liaison], channels=[NotificationChannel.SMS])
    assert sms_outbox == [] and len(callbacks) == 1
    assert Notification.objects.get(pk=row.pk).status == DeliveryStatus.PENDING
    callbacks[0]()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 1, "")
    assert row.sent_at is not None
    assert sms_outbox[0]["text"].startswith("【社会治理中心】资规建交局未按时报到")


def test_email_is_sent_through_the_django_backend(liaison, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = send([liaison], channels=[NotificationChannel.EMAIL])
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [liaison.email]
    assert "/dispatch/roster/" in mail.outbox[0].body


def test_in_app_rows_are_delivered_on_creation_and_never_queued(liaison, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (row,) = send([liaison])
    assert callbacks == []
    assert (row.status, row.sent_at) == (DeliveryStatus.SENT, at(2025, 9, 22, 14, 45))


def test_failing_sms_is_retried_with_backoff_then_abandoned(
    liaison, settings, eager_retries, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "dispatch.tests.test_services_notifications.FailingSMSBackend"
    FailingSMSBackend.calls = 0
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = send([liaison], channels=[NotificationChannel.SMS])
    row.refresh_from_db()
    # Eager Celery runs each retry at once; the attempt count in the row caps them.
    assert FailingSMSBackend.calls == NOTIFICATION_MAX_ATTEMPTS
    assert (row.status, row.attempts) == (DeliveryStatus.ABANDONED, NOTIFICATION_MAX_ATTEMPTS)
    assert "网关超时" in row.last_error
    assert [retry_countdown(n) for n in range(4)] == [30, 60, 120, 240]
    # Abandoned rows are not picked up again by the sweep.
    assert services.notification_requeue_stale(now=at(2025, 9, 23)) == []


def test_a_failed_attempt_is_retried_and_then_succeeds(
    liaison, settings, eager_retries, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "dispatch.tests.test_services_notifications.FlakySMSBackend"
    FlakySMSBackend.calls = 0
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = send([liaison], channels=[NotificationChannel.SMS])
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error, FlakySMSBackend.calls) == (
        DeliveryStatus.SENT,
        2,
        "",
        2,
    )


def test_one_failed_attempt_leaves_the_row_failed_for_the_next_try(liaison, settings):
    settings.SMS_BACKEND = "dispatch.tests.test_services_notifications.FailingSMSBackend"
    row = NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.PENDING)
    outcome = services.notification_deliver(notification_id=row.pk, now=at(2025, 9, 22, 15))
    row.refresh_from_db()
    assert outcome == services.DeliveryOutcome.RETRY
    assert (row.status, row.attempts, row.last_attempt_at) == (DeliveryStatus.FAILED, 1, at(2025, 9, 22, 15))


def test_missing_phone_number_is_abandoned_without_retrying(center, settings, sms_outbox):
    settings.SMS_BACKEND = LOCMEM_SMS
    no_phone = UserFactory(profile={"center": center})
    row = NotificationFactory(recipient=no_phone, channel=NotificationChannel.SMS, status=DeliveryStatus.PENDING)
    assert services.notification_deliver(notification_id=row.pk) == services.DeliveryOutcome.ABANDONED
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (
        DeliveryStatus.ABANDONED,
        1,
        "接收人没有登记手机号码。",
    )
    assert sms_outbox == []


def test_delivering_a_sent_row_again_does_nothing(liaison, settings, sms_outbox):
    settings.SMS_BACKEND = LOCMEM_SMS
    row = NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.PENDING)
    assert services.notification_deliver(notification_id=row.pk) == services.DeliveryOutcome.SENT
    assert services.notification_deliver(notification_id=row.pk) == services.DeliveryOutcome.SKIPPED
    assert len(sms_outbox) == 1


def test_requeue_picks_stale_pending_failed_and_stuck_rows_only(
    liaison, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = LOCMEM_SMS
    now = at(2025, 9, 22, 15)
    old = now - dt.timedelta(minutes=10)
    stale_pending = NotificationFactory(
        recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.PENDING, created_at=old
    )
    stale_failed = NotificationFactory(
        recipient=liaison,
        channel=NotificationChannel.SMS,
        status=DeliveryStatus.FAILED,
        created_at=old,
        attempts=2,
        last_attempt_at=old,
    )
    stuck = NotificationFactory(
        recipient=liaison,
        channel=NotificationChannel.SMS,
        status=DeliveryStatus.SENDING,
        created_at=old,
        attempts=1,
        last_attempt_at=now - dt.timedelta(minutes=30),
    )
    NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.PENDING, created_at=now)
    NotificationFactory(
        recipient=liaison,
        channel=NotificationChannel.SMS,
        status=DeliveryStatus.FAILED,
        created_at=old,
        attempts=1,
        last_attempt_at=now - dt.timedelta(minutes=1),
    )
    NotificationFactory(
        recipient=liaison,
        channel=NotificationChannel.SMS,
        status=DeliveryStatus.SENDING,
        created_at=old,
        attempts=1,
        last_attempt_at=now - dt.timedelta(seconds=20),  # within its 30 s lease
    )
    NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.SENT, created_at=old)
    NotificationFactory(
        recipient=liaison, channel=NotificationChannel.IN_APP, status=DeliveryStatus.PENDING, created_at=old
    )
    with django_capture_on_commit_callbacks(execute=True):
        ids = services.notification_requeue_stale(now=now)
    assert sorted(ids) == sorted([stale_pending.pk, stale_failed.pk, stuck.pk])
    assert len(sms_outbox) == 3
    # Run again: everything is sent, nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_requeue_stale(now=now) == []


def test_beat_task_requeues(liaison, settings, sms_outbox, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = LOCMEM_SMS
    NotificationFactory(
        recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.PENDING, created_at=at(2020, 1, 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_requeue() == 1
    assert len(sms_outbox) == 1


def test_operator_retry_gives_abandoned_rows_new_attempts(
    liaison, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = LOCMEM_SMS
    row = NotificationFactory(
        recipient=liaison,
        channel=NotificationChannel.SMS,
        status=DeliveryStatus.ABANDONED,
        attempts=NOTIFICATION_MAX_ATTEMPTS,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_retry(notification_ids=[row.pk], now=at(2025, 9, 22)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)


def test_unread_count_and_mark_read(liaison):
    other = UserFactory()
    rows = [NotificationFactory(recipient=liaison) for _ in range(3)]
    NotificationFactory(recipient=other)
    NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS)  # not an in-app message
    assert selectors.notification_unread_count(user=liaison) == 3
    services.notification_mark_read(actor=liaison, notification_id=rows[0].pk, now=at(2025, 9, 22))
    assert selectors.notification_unread_count(user=liaison) == 2
    with pytest.raises(NotFoundError):
        services.notification_mark_read(actor=other, notification_id=rows[1].pk, now=at(2025, 9, 22))
    assert services.notification_mark_all_read(actor=liaison, now=at(2025, 9, 22)) == 2
    assert selectors.notification_unread_count(user=liaison) == 0
    assert selectors.notification_unread_count(user=other) == 1


def test_invalid_key_or_channel_is_refused(liaison):
    with pytest.raises(ApplicationError):
        send([liaison], key="")
    with pytest.raises(ApplicationError):
        send([liaison], channels=["pigeon"])


def test_inactive_recipients_are_skipped(liaison):
    liaison.is_active = False
    liaison.save()
    assert send([liaison]) == []


def test_related_object_is_recorded(liaison, center):
    (row,) = send([liaison], related=center, payload={"minutes_late": 7})
    row.refresh_from_db()
    assert row.related == center
    assert row.payload == {"minutes_late": 7}


def test_bulk_send_stores_each_notification_once_and_delivers_sms_once(
    liaison, settings, sms_outbox, django_capture_on_commit_callbacks
):
    from dispatch.services.notifications import NotificationRequest, notification_send_many

    settings.SMS_BACKEND = LOCMEM_SMS
    leader = UserFactory(profile={"phone": "13900000002"})
    requests = [
        NotificationRequest(recipients=(liaison, leader), kind="assignment.overdue", title="办理已超期", body="",
                            link="", dedupe_key="step:1", channels=(NotificationChannel.IN_APP, NotificationChannel.SMS)),
        NotificationRequest(recipients=(liaison,), kind="assignment.due_reminder", title="即将到期", body="",
                            link="", dedupe_key="step:2"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_send_many(requests=requests, now=at(2025, 11, 3, 9, 0)) == 5
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_send_many(requests=requests, now=at(2025, 11, 3, 9, 1)) == 0
    assert Notification.objects.count() == 5
    assert sorted(message["phone"] for message in sms_outbox) == ["13800000001", "13900000002"]
    with pytest.raises(ApplicationError):
        notification_send_many(requests=[NotificationRequest(recipients=(liaison,), kind="x", title="x", body="",
                                                             link="", dedupe_key="")], now=at(2025, 11, 3, 9, 0))


def test_an_urgent_sms_is_never_abandoned_while_its_deadline_runs(liaison, settings):
    """A summons SMS with the gateway failing keeps retrying (at least every minute) for
    URGENT_RETRY_MINUTES; only after that is it abandoned like any other."""
    settings.SMS_BACKEND = "dispatch.tests.test_services_notifications.FailingSMSBackend"
    settings.URGENT_RETRY_MINUTES = 30
    made = at(2025, 9, 22, 15)
    row = NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.FAILED,
                              priority=PRIORITY_URGENT, attempts=NOTIFICATION_MAX_ATTEMPTS)
    type(row).objects.filter(pk=row.pk).update(created_at=made, last_attempt_at=made)
    ten_minutes = made + dt.timedelta(minutes=10)
    assert services.notification_deliver(notification_id=row.pk, now=ten_minutes) == services.DeliveryOutcome.RETRY
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, NOTIFICATION_MAX_ATTEMPTS + 1)
    assert services.notification_requeue_stale(now=ten_minutes + dt.timedelta(minutes=6)) == [row.pk]
    late = made + dt.timedelta(minutes=31)
    assert services.notification_deliver(notification_id=row.pk, now=late) == services.DeliveryOutcome.SKIPPED
    assert services.notification_requeue_stale(now=late) == []
    # an ordinary row with its attempts spent is not tried again
    plain = NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.FAILED,
                                attempts=NOTIFICATION_MAX_ATTEMPTS)
    assert services.notification_deliver(notification_id=plain.pk, now=ten_minutes) == services.DeliveryOutcome.SKIPPED
