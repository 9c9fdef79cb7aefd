"""WeCom and DingTalk: the channels a message takes to a person (urgent kinds by every channel on file
and the department's duty group, ordinary ones by the preferred channel), and each gateway exercised
against a local fake that checks its token or its robot signature."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from dispatch import services
from dispatch.choices import DeliveryStatus, NotificationChannel
from dispatch.links import ack_token_for
from dispatch.models import Notification
from dispatch.services.channels import EXTERNAL
from dispatch.services.notifications import NotificationRequest, notification_send_many, request_row_count
from dispatch.tests.conftest import at
from dispatch.tests.factories_work import World
from dispatch.tests.fake_gateways import FakeDingTalk, FakeWeCom
from governance.models import Profile
from governance.tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 18, 2, 5)
SMS, WECOM, DING = NotificationChannel.SMS, NotificationChannel.WECOM, NotificationChannel.DINGTALK
WECOM_GROUP, DING_GROUP = NotificationChannel.WECOM_GROUP, NotificationChannel.DINGTALK_GROUP


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def wecom_fake(settings):
    fake = FakeWeCom(users={"caizhiming", "luoyongfu"}, robot_keys={"robot-key-ga"})
    with fake.running():
        settings.WECOM_ENDPOINT, settings.WECOM_CORP_ID = fake.url, fake.corp_id
        settings.WECOM_SECRET, settings.WECOM_AGENT_ID = fake.secret, str(fake.agent_id)
        yield fake


@pytest.fixture
def ding_fake(settings):
    fake = FakeDingTalk(users={"0123456789", "manager4420"}, robots={"ding-robot-ga": "SECa1b2c3"})
    with fake.running():
        settings.DINGTALK_ENDPOINT, settings.DINGTALK_APP_KEY = fake.url, fake.app_key
        settings.DINGTALK_APP_SECRET, settings.DINGTALK_AGENT_ID = fake.app_secret, str(fake.agent_id)
        yield fake


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://zz.example.gov.cn"
    settings.SMS_BACKEND = "dispatch.sms.LocmemSMSBackend"


@pytest.fixture
def department(center):
    dept = DepartmentFactory(center=center, name="公安分局", short_code="GA", wecom_robot_key="robot-key-ga",
                             dingtalk_robot_token="ding-robot-ga", dingtalk_robot_secret="SECa1b2c3")
    liaison = UserFactory(profile={"center": center, "department": dept, "phone": "13800000001",
                                   "wecom_userid": "caizhiming", "dingtalk_userid": "0123456789",
                                   "preferred_channel": "wecom"})
    dept.liaison = liaison
    dept.save(update_fields=["liaison"])
    return dept


def send(users, *, kind="summons.approved", key="summons:1:department:1:called"):
    return services.notification_send(recipients=users, kind=kind, title="召集：请于 02:25 前到指挥中心报到",
                                      body="上浦村群体性讨薪", link="/dispatch/work/summons/1/", dedupe_key=key,
                                      channels=[NotificationChannel.IN_APP, EXTERNAL], now=NOW)


def channels_of(rows):
    return sorted((row.recipient_id, row.channel) for row in rows)


# --- which channels -------------------------------------------------------------------------------
def test_urgent_kind_goes_by_every_channel_on_file_and_once_to_the_duty_group(wecom_fake, ding_fake, department):
    liaison = department.liaison
    colleague = UserFactory(profile={"center": department.center, "department": department, "phone": "13900000002"})
    rows = send([liaison, colleague])
    assert channels_of(rows) == sorted([
        (liaison.pk, "in_app"), (liaison.pk, SMS), (liaison.pk, WECOM), (liaison.pk, DING),
        (liaison.pk, WECOM_GROUP), (liaison.pk, DING_GROUP), (colleague.pk, "in_app"), (colleague.pk, SMS)])
    assert send([liaison, colleague]) == []  # stored once: nothing is written or sent twice


def test_ordinary_kind_goes_by_the_preferred_channel(wecom_fake, ding_fake, department):
    liaison = department.liaison
    rows = send([liaison], kind="assignment.overdue", key="assignment:1:overdue")
    assert channels_of(rows) == [(liaison.pk, "in_app"), (liaison.pk, WECOM)]
    Profile.objects.filter(user=liaison).update(preferred_channel="dingtalk", dingtalk_userid="")
    rows = send([liaison], kind="assignment.overdue", key="assignment:2:overdue")
    assert channels_of(rows) == [(liaison.pk, "in_app"), (liaison.pk, SMS)]  # not on file: the first that is


def test_a_channel_whose_gateway_is_not_configured_is_not_on_file(department):
    liaison = department.liaison
    rows = send([liaison])
    assert channels_of(rows) == sorted([(liaison.pk, "in_app"), (liaison.pk, SMS), (liaison.pk, WECOM_GROUP),
                                        (liaison.pk, DING_GROUP)])
    nobody = UserFactory()  # nothing on file: an SMS row that will show the gap
    assert channels_of(send([nobody], kind="assignment.overdue", key="k2")) == [(nobody.pk, "in_app"), (nobody.pk, SMS)]


def test_the_sweeps_path_counts_the_rows_it_makes_per_step(wecom_fake, ding_fake, department):
    counts: dict[int, int] = {}
    request = NotificationRequest(recipients=(department.liaison,), kind="summons.overdue", title="召集报到超时",
                                  body="", link="", dedupe_key="summons:1:department:1:overdue",
                                  channels=(NotificationChannel.IN_APP, EXTERNAL), step_id=None)
    assert notification_send_many(requests=[request], now=NOW) == 6
    assert Notification.objects.filter(dedupe_key="summons:1:department:1:overdue").count() == 6
    assert request_row_count(request) == 6
    assert notification_send_many(requests=[request], now=NOW, counts=counts) == 0


# --- WeCom ------------------------------------------------------------------------------------------
def deliver(row):
    services.notification_deliver(notification_id=row.pk, now=NOW)
    row.refresh_from_db()
    return row


def row_of(rows, channel):
    return next(row for row in rows if row.channel == channel)


def test_wecom_app_message_is_a_card_linking_to_the_page_and_the_token_is_cached(wecom_fake, department, site):
    rows = send([department.liaison])
    first = deliver(row_of(rows, WECOM))
    assert first.status == DeliveryStatus.SENT, first.last_error
    (card,) = wecom_fake.accepted
    assert (first.gateway, first.gateway_message_id) == ("wecom", card["msgid"])
    assert card["touser"] == "caizhiming" and card["msgtype"] == "textcard"
    # a call-up's card links to its confirmation page (dispatch.services.ack); other kinds to the page
    assert card["textcard"]["url"] == "https://zz.example.gov.cn" + reverse("dispatch:summons-ack",
                                                                            args=[ack_token_for(first.pk)])
    second = deliver(row_of(send([department.liaison], kind="assignment.overdue", key="other"), WECOM))
    assert second.status == DeliveryStatus.SENT and wecom_fake.token_calls == 1
    assert wecom_fake.accepted[1]["textcard"]["url"] == "https://zz.example.gov.cn/dispatch/work/summons/1/"
    wecom_fake.expire_tokens()  # the cached token was revoked: fetched again, the message sent at once
    third = deliver(row_of(send([department.liaison], key="third"), WECOM))
    assert third.status == DeliveryStatus.SENT and third.attempts == 1 and wecom_fake.token_calls == 2


def test_wecom_refusals(wecom_fake, department, site):
    wecom_fake.fail_next("45009", "api freq out of limit")
    row = deliver(row_of(send([department.liaison]), WECOM))
    assert row.status == DeliveryStatus.FAILED and "wecom:45009" in row.last_error
    assert deliver(row).status == DeliveryStatus.SENT and len(wecom_fake.accepted) == 1
    Profile.objects.filter(user=department.liaison).update(wecom_userid="left-the-office")
    row = deliver(row_of(send([department.liaison], key="k2"), WECOM))
    assert row.status == DeliveryStatus.ABANDONED and "wecom:81013" in row.last_error


def test_wecom_group_robot_posts_to_the_duty_group(wecom_fake, department, site):
    row = deliver(row_of(send([department.liaison]), WECOM_GROUP))
    assert row.status == DeliveryStatus.SENT, row.last_error
    (post,) = wecom_fake.robot_posts
    assert post["key"] == "robot-key-ga" and post["msgtype"] == "markdown"
    assert "召集：请于 02:25 前到指挥中心报到" in post["markdown"]["content"]
    assert "https://zz.example.gov.cn/dispatch/work/summons/1/" in post["markdown"]["content"]
    department.wecom_robot_key = "robot-key-removed"
    department.save(update_fields=["wecom_robot_key"])
    row = deliver(row_of(send([department.liaison], key="k2"), WECOM_GROUP))
    assert row.status == DeliveryStatus.ABANDONED and "wecom:93000" in row.last_error


# --- DingTalk ---------------------------------------------------------------------------------------
def test_dingtalk_work_notification_and_its_refusals(ding_fake, department, site):
    row = deliver(row_of(send([department.liaison]), DING))
    assert row.status == DeliveryStatus.SENT, row.last_error
    (sent,) = ding_fake.accepted
    assert (row.gateway, row.gateway_message_id) == ("dingtalk", str(sent["task_id"]))
    assert sent["userid_list"] == "0123456789" and sent["msg"]["msgtype"] == "action_card"
    assert sent["msg"]["action_card"]["single_url"].startswith("https://zz.example.gov.cn/dispatch/ack/")
    ding_fake.expire_tokens()
    assert deliver(row_of(send([department.liaison], key="k2"), DING)).status == DeliveryStatus.SENT
    assert ding_fake.token_calls == 2
    ding_fake.fail_next("90018", "调用频率超出限制")
    row = deliver(row_of(send([department.liaison], key="k3"), DING))
    assert row.status == DeliveryStatus.FAILED and "dingtalk:90018" in row.last_error
    Profile.objects.filter(user=department.liaison).update(dingtalk_userid="nobody")
    row = deliver(row_of(send([department.liaison], key="k4"), DING))
    assert row.status == DeliveryStatus.ABANDONED and "dingtalk:33012" in row.last_error


def test_dingtalk_robot_is_signed_with_the_groups_secret(ding_fake, department, site):
    row = deliver(row_of(send([department.liaison]), DING_GROUP))
    assert row.status == DeliveryStatus.SENT, row.last_error
    (post,) = ding_fake.robot_posts
    assert post["token"] == "ding-robot-ga" and "上浦村群体性讨薪" in post["markdown"]["text"]
    department.dingtalk_robot_secret = "SEC-wrong"
    department.save(update_fields=["dingtalk_robot_secret"])
    row = deliver(row_of(send([department.liaison], key="k2"), DING_GROUP))
    assert row.status == DeliveryStatus.FAILED and "dingtalk:310000" in row.last_error  # retried after a fix


# --- a summons, end to end ---------------------------------------------------------------------------
def test_a_summons_reaches_the_liaison_by_every_channel_once(wecom_fake, ding_fake, site):
    world = World()
    Profile.objects.filter(user=world.police.liaison).update(wecom_userid="caizhiming", preferred_channel="wecom")
    world.police.wecom_robot_key = "robot-key-ga"
    world.police.save(update_fields=["wecom_robot_key"])
    summons = services.summons_request(actor=world.director, center=world.center, departments=[world.police],
                                       reason="上浦村群体性讨薪", now=NOW)
    services.summons_approve(actor=world.deputy, summons=summons, now=NOW)
    liaison_rows = Notification.objects.filter(kind="summons.approved", recipient=world.police.liaison)
    assert sorted(liaison_rows.values_list("channel", flat=True)) == sorted(["in_app", SMS, WECOM, WECOM_GROUP])
    for row in liaison_rows.exclude(channel="in_app"):
        assert deliver(row).status == DeliveryStatus.SENT, row.last_error
        assert services.notification_deliver(notification_id=row.pk, now=NOW) == "skipped"
    assert [card["touser"] for card in wecom_fake.accepted] == ["caizhiming"]
    assert len(wecom_fake.robot_posts) == 1


# --- fallback ---------------------------------------------------------------------------------------
def test_a_message_refused_on_the_preferred_channel_falls_back_to_the_next_on_file(wecom_fake, department, site,
                                                                                   sms_outbox):
    Profile.objects.filter(user=department.liaison).update(wecom_userid="left-the-office")
    rows = send([department.liaison], kind="assignment.overdue", key="assignment:9:overdue")
    refused = deliver(row_of(rows, WECOM))
    assert refused.status == DeliveryStatus.ABANDONED and "wecom:81013" in refused.last_error
    fallback = Notification.objects.get(dedupe_key="assignment:9:overdue", channel=SMS)
    assert (fallback.recipient, fallback.kind, fallback.status) == (department.liaison, "assignment.overdue",
                                                                     DeliveryStatus.PENDING)
    assert deliver(fallback).status == DeliveryStatus.SENT
    assert [message["phone"] for message in sms_outbox] == ["13800000001"]
    # nothing further on file: an abandoned SMS falls back to nothing, and nothing is written twice
    assert services.notification_fall_back(notification=refused, now=NOW) is None
    assert Notification.objects.filter(dedupe_key="assignment:9:overdue").count() == 3  # in-app, WeCom, SMS


def test_an_urgent_message_already_went_by_every_channel_so_nothing_falls_back(wecom_fake, department, site):
    Profile.objects.filter(user=department.liaison).update(wecom_userid="left-the-office")
    rows = send([department.liaison])
    before = Notification.objects.count()
    assert deliver(row_of(rows, WECOM)).status == DeliveryStatus.ABANDONED
    assert Notification.objects.count() == before
