"""The gateways' limits per recipient are kept before they are hit: a message that would exceed a window
waits, untried, until the window has room (WeCom would drop it silently, SMS and voice refuse it); an
urgent one waits for a minute's window at most, never for a daily cap."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from dispatch import services
from dispatch.choices import DeliveryStatus, NotificationChannel
from dispatch.models import Notification
from dispatch.services import delivery
from dispatch.services.delivery import DeliveryOutcome, notification_deliver_batch
from dispatch.services.engine_audit import deadline_engine_checks
from dispatch.services.notifications import notification_outbox_stats, priority_for
from dispatch.tests.conftest import at
from dispatch.tests.factories import NotificationFactory
from dispatch.tests.fake_gateways import FakeWeCom
from governance.config import Env
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 18, 10, 5)


@pytest.fixture(autouse=True)
def gateways(settings):
    cache.clear()
    settings.SMS_BACKEND = "dispatch.sms.LocmemSMSBackend"
    settings.NOTIFICATION_QUIET_HOURS = False
    fake = FakeWeCom(users={"caizhiming"})
    with fake.running():
        settings.WECOM_ENDPOINT, settings.WECOM_CORP_ID = fake.url, fake.corp_id
        settings.WECOM_SECRET, settings.WECOM_AGENT_ID = fake.secret, str(fake.agent_id)
        yield fake
    cache.clear()


@pytest.fixture
def liaison():
    return UserFactory(profile={"phone": "13800000001", "wecom_userid": "caizhiming"})


def sent_before(user, channel, *ages: dt.timedelta) -> None:
    """Messages the gateway took for `user` on `channel`, each `age` before NOW."""
    for age in ages:
        NotificationFactory(recipient=user, channel=channel, status=DeliveryStatus.SENT, sent_at=NOW - age,
                            created_at=NOW - age)


def waiting(user, channel, *, kind="assignment.overdue") -> Notification:
    return NotificationFactory(recipient=user, channel=channel, kind=kind, status=DeliveryStatus.PENDING,
                               sent_at=None, created_at=NOW, priority=priority_for(kind))


def test_the_31st_wecom_message_in_a_minute_waits_for_room_instead_of_being_dropped(gateways, liaison):
    sent_before(liaison, NotificationChannel.WECOM, *[dt.timedelta(seconds=50 - i) for i in range(30)])
    row = waiting(liaison, NotificationChannel.WECOM)
    assert services.notification_deliver(notification_id=row.pk, now=NOW) == DeliveryOutcome.HELD
    row.refresh_from_db()
    # the oldest of the 30 (50 s ago) leaves the minute in 10 s
    assert (row.status, row.attempts, row.not_before) == (DeliveryStatus.PENDING, 0, NOW + dt.timedelta(seconds=10))
    assert "按网关频率限制暂缓至 11-18 10:05:10" in row.last_error
    assert gateways.accepted == []
    # not before its time, even if asked
    assert services.notification_deliver(notification_id=row.pk, now=NOW + dt.timedelta(seconds=5)) == "skipped"
    later = NOW + dt.timedelta(seconds=10)
    assert services.notification_deliver(notification_id=row.pk, now=later) == DeliveryOutcome.SENT
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.SENT, 1, later)
    assert len(gateways.accepted) == 1


def test_a_batch_counts_its_own_sends(gateways, liaison, settings):
    """Two messages in one batch to a member whose limit is one a minute: the second waits a minute."""
    settings.NOTIFICATION_RATE_LIMITS = {"wecom": ((1, 60),)}
    first, second = waiting(liaison, NotificationChannel.WECOM), waiting(liaison, NotificationChannel.WECOM)
    outcome = notification_deliver_batch(notification_ids=[first.pk, second.pk], now=NOW)
    assert outcome["sent"] == [first.pk] and outcome["held"] == [second.pk]
    second.refresh_from_db()
    assert second.not_before == NOW + dt.timedelta(minutes=1) and len(gateways.accepted) == 1


def test_an_urgent_sms_is_not_held_by_the_daily_cap_but_an_ordinary_one_waits_for_the_next_day(gateways, liaison,
                                                                                              settings):
    settings.NOTIFICATION_RATE_LIMITS = {**settings.NOTIFICATION_RATE_LIMITS, "sms": ((50, 86400),)}
    sent_before(liaison, NotificationChannel.SMS, *[dt.timedelta(hours=23, minutes=i) for i in range(50)])
    ordinary = waiting(liaison, NotificationChannel.SMS)
    urgent = waiting(liaison, NotificationChannel.SMS, kind="summons.approved")
    outcome = notification_deliver_batch(notification_ids=[ordinary.pk, urgent.pk], now=NOW)
    assert outcome["sent"] == [urgent.pk] and outcome["held"] == [ordinary.pk]
    ordinary.refresh_from_db()
    # the day's oldest send (23 h 49 min ago) leaves the window in 11 minutes
    assert ordinary.not_before == NOW + dt.timedelta(minutes=11)


def test_an_urgent_message_waits_for_a_minutes_window(gateways, liaison):
    sent_before(liaison, NotificationChannel.WECOM, *[dt.timedelta(seconds=30)] * 30)
    urgent = waiting(liaison, NotificationChannel.WECOM, kind="summons.approved")
    assert services.notification_deliver(notification_id=urgent.pk, now=NOW) == DeliveryOutcome.HELD
    urgent.refresh_from_db()
    assert urgent.not_before == NOW + dt.timedelta(seconds=30)


def test_the_status_page_tells_held_by_limits_from_quiet_hours(gateways, liaison):
    sent_before(liaison, NotificationChannel.WECOM, *[dt.timedelta(seconds=20)] * 30)
    services.notification_deliver(notification_id=waiting(liaison, NotificationChannel.WECOM).pk, now=NOW)
    NotificationFactory(recipient=liaison, channel=NotificationChannel.SMS, status=DeliveryStatus.PENDING,
                        sent_at=None, not_before=NOW + dt.timedelta(hours=12))  # quiet hours: never tried
    stats = notification_outbox_stats(now=NOW)
    assert (stats["held_by_gateway_limits"], stats["held_for_office_hours"], stats["undelivered"]) == (1, 1, 0)
    with time_machine.travel(NOW, tick=False):
        text = deadline_engine_checks(now=NOW)["消息投递"]["message"]
    assert "1 条因接收人已达网关频率上限暂缓，最早 11-18 10:05:40 发送" in text
    assert "1 条非紧急消息在静默时段暂缓" in text


def test_limits_are_read_from_the_environment():
    env = Env({"WECOM_RATE_LIMITS": "30/min, 1000/hour", "SMS_RATE_LIMITS": ""})
    assert env.rate_limits("WECOM_RATE_LIMITS", default="") == ((30, 60), (1000, 3600))
    assert env.rate_limits("SMS_RATE_LIMITS", default="50/day") == ()  # set empty: no limit
    assert Env({}).rate_limits("SMS_RATE_LIMITS", default="50/day") == ((50, 86400),)
    assert Env({}).rate_limits("SMS_RATE_LIMITS", default="") == ()
    for bad in ("30", "30/week", "0/min", "x/min"):
        with pytest.raises(ImproperlyConfigured, match="SMS_RATE_LIMITS"):
            Env({"SMS_RATE_LIMITS": bad}).rate_limits("SMS_RATE_LIMITS", default="")


def test_one_read_for_the_limits_of_a_batch(gateways, django_assert_num_queries):
    people = [UserFactory(profile={"phone": f"138000000{i:02d}", "wecom_userid": "caizhiming"}) for i in range(6)]
    for person in people:
        sent_before(person, NotificationChannel.WECOM, dt.timedelta(seconds=30))
    small = [waiting(person, NotificationChannel.WECOM) for person in people[:2]]
    large = [waiting(person, NotificationChannel.WECOM) for person in people[2:]]
    # the claim, the rows, the limits' read, then per row its lease and its mark: 3 + 2 a row
    with django_assert_num_queries(3 + 2 * len(small)):
        notification_deliver_batch(notification_ids=[row.pk for row in small], now=NOW)
    with django_assert_num_queries(3 + 2 * len(large)):
        outcome = notification_deliver_batch(notification_ids=[row.pk for row in large], now=NOW)
    assert sorted(outcome["sent"]) == sorted(row.pk for row in large)


def test_a_held_row_is_queued_for_the_moment_its_window_has_room(gateways, liaison, monkeypatch):
    sent_before(liaison, NotificationChannel.WECOM, *[dt.timedelta(seconds=15)] * 30)
    row = waiting(liaison, NotificationChannel.WECOM)
    assert services.notification_deliver(notification_id=row.pk, now=NOW) == DeliveryOutcome.HELD
    published = []
    monkeypatch.setattr(delivery, "notification_publish",
                        lambda rows, countdown=None: published.append((list(rows), countdown)) or len(rows))
    assert delivery.notification_publish_held(notification_ids=[row.pk], now=NOW) == 1
    assert published == [([(row.pk, row.priority)], 45)]


def test_beats_requeue_leaves_a_held_row_until_its_window_has_room(gateways, liaison):
    sent_before(liaison, NotificationChannel.WECOM, *[dt.timedelta(seconds=15)] * 30)
    row = waiting(liaison, NotificationChannel.WECOM)
    services.notification_deliver(notification_id=row.pk, now=NOW)  # held until NOW + 45 s
    stale = dt.timedelta(seconds=10)
    assert delivery.notification_requeue_stale(now=NOW + dt.timedelta(seconds=30), older_than=stale) == []
    assert delivery.notification_requeue_stale(now=NOW + dt.timedelta(seconds=46), older_than=stale) == [row.pk]
