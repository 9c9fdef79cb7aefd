"""Channel health on the status page and /healthz: each channel's last success, failure rate over the
last hour (receipts that say "not delivered" count as failures) and queue depth; a failing channel is
an amber warning."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from dispatch.choices import DeliveryStatus, NotificationChannel, ReceiptStatus
from dispatch.selectors.notifications import channels_health, notification_channel_checks
from dispatch.tests.conftest import at
from dispatch.tests.factories import NotificationFactory
from governance.health import system_health
from governance.roles import Role
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 18, 10, 0)
SMS, WECOM = NotificationChannel.SMS, NotificationChannel.WECOM


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def sms(status, *, minutes_ago=5, channel=SMS, **fields):
    when = NOW - dt.timedelta(minutes=minutes_ago)
    return NotificationFactory(channel=channel, status=status, created_at=when,
                               last_attempt_at=None if status == DeliveryStatus.PENDING else when,
                               sent_at=when if status == DeliveryStatus.SENT else None, **fields)


def by_channel():
    return {health.channel: health for health in channels_health(now=NOW)}


def test_a_quiet_channel_is_shown_healthy(settings):
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = "ww1", "s", "1000002"
    health = by_channel()
    assert set(health) == {SMS, WECOM}  # configured; DingTalk is not and never used
    assert health[SMS].last_success is None and health[SMS].failure_rate is None and health[SMS].queue_depth == 0
    (check,) = [c for name, c in notification_channel_checks(now=NOW).items() if c["channel"] == SMS]
    assert check["ok"] and "近一小时无发送" in check["message"]


def test_failure_rate_counts_refusals_and_undelivered_receipts_and_raises_a_warning():
    sms(DeliveryStatus.SENT, minutes_ago=12)
    sms(DeliveryStatus.SENT, minutes_ago=8, receipt=ReceiptStatus.UNDELIVERED, receipt_reason="MK:0004 关机")
    sms(DeliveryStatus.FAILED, minutes_ago=3, last_error="[isv.BUSINESS_LIMIT_CONTROL] 流控")
    sms(DeliveryStatus.ABANDONED, minutes_ago=2)
    sms(DeliveryStatus.SENT, minutes_ago=90)  # outside the hour: only its success time would count
    health = by_channel()[SMS]
    assert (health.tried, health.failed, health.failure_rate) == (4, 3, 0.75)
    assert health.last_success == NOW - dt.timedelta(minutes=8)
    assert health.queue_depth == 1  # the failed one, waiting for its retry
    assert not health.ok(now=NOW)
    (name, check), = [(n, c) for n, c in notification_channel_checks(now=NOW).items() if c["channel"] == SMS]
    assert name == "通知渠道：短信" and check["soft"] and not check["ok"]
    assert "75%（3/4）" in check["message"] and "排队 1 条" in check["message"]
    assert system_health(now=NOW)["status"] != "ok"


def test_a_message_waiting_too_long_in_a_queue_raises_a_warning():
    sms(DeliveryStatus.SENT, minutes_ago=1)
    sms(DeliveryStatus.PENDING, minutes_ago=15, channel=WECOM)
    health = by_channel()
    assert health[SMS].ok(now=NOW)
    assert health[WECOM].queue_depth == 1 and not health[WECOM].ok(now=NOW)  # used, though not configured now


def test_the_status_page_and_healthz_show_the_channels(client):
    sms(DeliveryStatus.SENT, minutes_ago=4)
    sms(DeliveryStatus.PENDING, minutes_ago=1)
    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    page = client.get("/org/status/").content.decode()
    assert "通知渠道：短信" in page and "最近成功：11-18 09:56（4 分钟前）" in page and "排队 1 条" in page
    sms(DeliveryStatus.ABANDONED, minutes_ago=2)
    sms(DeliveryStatus.ABANDONED, minutes_ago=2)
    row = client.get("/org/status/").content.decode().split("通知渠道：短信", 1)[1].split("</tr>", 1)[0]
    assert "警告" in row and "67%（2/3）" in row
    checks = client.get("/healthz").json()["extra_checks"]
    assert checks["通知渠道：短信"]["queue_depth"] == 1
    assert checks["通知渠道：短信"]["last_success"] == "2026-11-18T09:56:00+08:00"


def test_a_console_sms_backend_is_named_on_the_status_line_and_its_messages_are_not_called_sent(settings):
    """The development backend writes SMS to the server's log: the status page says no gateway is
    connected, and a call-up's message it "sent" reads 仅写入日志, not 已发送."""
    from django.template.loader import render_to_string

    settings.SMS_BACKEND = "console"
    logged = sms(DeliveryStatus.SENT, gateway="console")
    (check,) = [c for c in notification_channel_checks(now=NOW).values() if c["channel"] == SMS]
    assert check["message"].startswith("未接入短信网关")
    assert logged.only_logged
    html = render_to_string("dispatch/work/_call_delivery.html", {"message": logged})
    assert "仅写入日志" in html and "已发送" not in html

    settings.SMS_BACKEND = "aliyun"
    settings.SMS_KEY_ID = "id"
    delivered = sms(DeliveryStatus.SENT, gateway="aliyun")
    (check,) = [c for c in notification_channel_checks(now=NOW).values() if c["channel"] == SMS]
    assert not check["message"].startswith("未接入短信网关")
    assert not delivered.only_logged
    assert "已发送" in render_to_string("dispatch/work/_call_delivery.html", {"message": delivered})
