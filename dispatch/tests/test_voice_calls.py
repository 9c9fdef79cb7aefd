"""Voice calls for escalation (issue 27 item 3): a summons past its report-in deadline escalates to the
department's leader in charge and the commander on duty; whoever of them has not seen it
VOICE_CALL_AFTER_MINUTES later gets one call (Alibaba Cloud IvrCall, against a local fake that checks
the signature, the caller number and the templates) reading it; pressing 1 acknowledges it, on the
summons page and the matter's timeline."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from dispatch import services
from dispatch.choices import DeliveryStatus, DispatchEventType, NotificationChannel, ReceiptStatus, StepKind
from dispatch.gateways import aliyun_voice
from dispatch.models import DeadlineStep, Notification
from dispatch.selectors.notifications import channels_health
from dispatch.services.delivery import DeliveryOutcome
from dispatch.services.notifications import notification_urgent_waiting
from dispatch.tests.conftest import at
from dispatch.tests.factories_work import World
from dispatch.tests.fake_gateways import FakeAliyunVoice
from governance.models import Profile
from governance.people import display_name
from governance.settings_channels import check_voice_gateway
from intake.models import CaseEvent

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 18, 2, 5)
DUE = NOW + dt.timedelta(minutes=20)
CALL_AT = DUE + dt.timedelta(minutes=5, seconds=2)
TOKEN = "receipt-token-9f2c"
LEADER_PHONE, COMMANDER_PHONE = "13905951111", "13905952222"


@pytest.fixture
def gateway(settings):
    cache.clear()
    fake = FakeAliyunVoice(templates={"TTS_900001": ["title", "detail"], "TTS_900002": []})
    with fake.running():
        settings.SMS_BACKEND = "dispatch.sms.LocmemSMSBackend"
        settings.VOICE_BACKEND, settings.VOICE_ENDPOINT = "aliyun", fake.url
        settings.VOICE_KEY_ID, settings.VOICE_KEY_SECRET = fake.key_id, fake.secret
        settings.VOICE_SHOW_NUMBER = "057156780000"
        settings.VOICE_TEMPLATE_ESCALATION, settings.VOICE_TEMPLATE_CONFIRMED = "TTS_900001", "TTS_900002"
        settings.VOICE_CALL_AFTER_MINUTES = 5
        settings.SMS_RECEIPT_TOKEN = TOKEN
        yield fake
    cache.clear()


@pytest.fixture
def overdue(gateway):
    """公安分局 summoned at 02:05 and not reported in by 02:25: the sweep escalated it."""
    with time_machine.travel(NOW, tick=False):
        world = World()
        leader = world.police.leader_in_charge
        Profile.objects.update_or_create(user=leader, defaults={"center": world.center, "phone": LEADER_PHONE})
        Profile.objects.filter(user=world.commander).update(phone=COMMANDER_PHONE)
        case = world.case()
        summons = services.summons_request(actor=world.director, center=world.center, departments=[world.police],
                                           reason="上浦村群体性讨薪", case=case, now=NOW)
        services.summons_approve(actor=world.deputy, summons=summons, report_in_minutes=20, now=NOW)
    services.deadline_sweep(now=DUE + dt.timedelta(seconds=1))
    return world, summons, case


def _key(summons, world) -> str:
    return f"summons:{summons.pk}:department:{world.police.pk}:overdue"


def _in_app(world, summons, person) -> Notification:
    return Notification.objects.get(dedupe_key=_key(summons, world), recipient=person, channel=NotificationChannel.IN_APP)


def _receipt(client, payload, *, token=TOKEN, gateway="aliyun"):
    return client.post(reverse("dispatch:voice-receipts-token", args=[gateway, token]), data=json.dumps(payload),
                       content_type="application/json")


def test_the_escalation_schedules_a_call_for_its_leaders(overdue):
    world, summons, _case = overdue
    (step,) = DeadlineStep.objects.filter(kind=StepKind.VOICE_CALL)
    assert step.due_at == DUE + dt.timedelta(seconds=1, minutes=5)
    assert step.targets == ["leader_in_charge", "commander"]
    assert not Notification.objects.filter(channel=NotificationChannel.VOICE).exists()


def test_whoever_has_not_seen_it_is_called_once_and_pressing_1_acknowledges(overdue, gateway, client):
    world, summons, case = overdue
    leader = world.police.leader_in_charge
    services.notification_mark_read(actor=world.commander, notification_id=_in_app(world, summons, world.commander).pk,
                                    now=DUE + dt.timedelta(minutes=2))
    services.deadline_sweep(now=CALL_AT)
    services.deadline_sweep(now=CALL_AT + dt.timedelta(minutes=1))  # fires nothing twice
    (call,) = Notification.objects.filter(channel=NotificationChannel.VOICE)
    assert call.recipient == leader and call.dedupe_key == _key(summons, world)
    (event,) = CaseEvent.objects.filter(case=case, type=DispatchEventType.SUMMONS_VOICE_CALLED)
    assert event.data["called"] == [leader.pk]

    assert services.notification_deliver(notification_id=call.pk, now=CALL_AT) == DeliveryOutcome.SENT
    (placed,) = gateway.accepted
    assert placed["phone"] == LEADER_PHONE and placed["template"] == "TTS_900001" and placed["key_1"] == "1"
    assert placed["params"]["title"] == "召集报到超时：公安分局"
    assert "尚未报到" in placed["params"]["detail"] and placed["out_id"] == str(call.pk)
    call.refresh_from_db()
    assert (call.status, call.gateway, call.gateway_message_id) == (DeliveryStatus.SENT, "aliyun", placed["call_id"])

    answer = _receipt(client, FakeAliyunVoice.report(placed, status_code="300000", dtmf="1"))
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "成功"}
    call.refresh_from_db()
    assert call.receipt == ReceiptStatus.DELIVERED and call.read_at is not None
    assert _in_app(world, summons, leader).read_at is not None  # the escalation is seen everywhere
    assert _receipt(client, FakeAliyunVoice.report(placed, status_code="300000", dtmf="1")).status_code == 200
    (acknowledged,) = CaseEvent.objects.filter(case=case, type=DispatchEventType.SUMMONS_VOICE_ACKNOWLEDGED)
    assert acknowledged.actor == leader and acknowledged.data["summons"] == summons.pk

    client.force_login(world.director)
    page = client.get(reverse("dispatch:work-summons", args=[summons.pk])).content.decode()
    assert "语音电话" in page and "按 1 确认知悉" in page
    matter = client.get(reverse("intake:case_detail", args=[case.code])).content.decode()
    called = matter.split('data-testid="timeline-called"', 1)[1].split("</div>", 1)[0]
    assert display_name(leader) in called  # the timeline names who was called


def test_no_call_when_the_department_reported_in_or_everyone_has_seen_it(overdue, gateway):
    world, summons, _case = overdue
    for person in (world.police.leader_in_charge, world.commander):
        services.notification_mark_read(actor=person, notification_id=_in_app(world, summons, person).pk,
                                        now=DUE + dt.timedelta(minutes=1))
    services.deadline_sweep(now=CALL_AT)
    assert not Notification.objects.filter(channel=NotificationChannel.VOICE).exists()
    assert DeadlineStep.objects.get(kind=StepKind.VOICE_CALL).outcome == "skipped"


def test_a_department_that_reports_in_cancels_the_call(overdue, gateway):
    world, summons, _case = overdue
    row = summons.departments.get()
    services.summons_report_in(actor=world.director, row=row, now=DUE + dt.timedelta(minutes=3))
    services.deadline_sweep(now=CALL_AT)
    assert not Notification.objects.filter(channel=NotificationChannel.VOICE).exists()


def test_a_refusing_gateway_is_retried_or_abandoned_with_its_reason_and_nothing_is_called_twice(overdue, gateway):
    world, summons, _case = overdue
    services.deadline_sweep(now=CALL_AT)
    calls = {row.recipient_id: row for row in Notification.objects.filter(channel=NotificationChannel.VOICE)}
    assert set(calls) == {world.police.leader_in_charge.pk, world.commander.pk}
    leader_call, commander_call = calls[world.police.leader_in_charge.pk], calls[world.commander.pk]

    gateway.fail_next("Throttling.User", "Request was denied due to user flow control.")
    assert services.notification_deliver(notification_id=leader_call.pk, now=CALL_AT) == DeliveryOutcome.RETRY
    leader_call.refresh_from_db()
    assert leader_call.status == DeliveryStatus.FAILED and "Throttling.User" in leader_call.last_error
    later = CALL_AT + dt.timedelta(minutes=1)
    assert services.notification_deliver(notification_id=leader_call.pk, now=later) == DeliveryOutcome.SENT
    assert services.notification_deliver(notification_id=leader_call.pk, now=later) == DeliveryOutcome.SKIPPED

    gateway.fail_next("isv.TTS_TEMPLATE_ILLEGAL", "文本转语音模板不合法")
    assert services.notification_deliver(notification_id=commander_call.pk, now=later) == DeliveryOutcome.ABANDONED
    commander_call.refresh_from_db()
    assert commander_call.status == DeliveryStatus.ABANDONED and "TTS_TEMPLATE_ILLEGAL" in commander_call.last_error
    assert [call["phone"] for call in gateway.accepted] == [LEADER_PHONE]


def test_an_unanswered_call_shows_why(overdue, gateway, client):
    world, summons, _case = overdue
    services.deadline_sweep(now=CALL_AT)
    call = Notification.objects.filter(channel=NotificationChannel.VOICE).first()
    services.notification_deliver(notification_id=call.pk, now=CALL_AT)
    placed = gateway.accepted[0]
    _receipt(client, FakeAliyunVoice.report(placed, status_code="200102"))  # ringing: decides nothing
    call.refresh_from_db()
    assert call.receipt == ""
    _receipt(client, FakeAliyunVoice.report(placed, status_code="200003"))
    _receipt(client, FakeAliyunVoice.report(placed, status_code="200000"))  # the first decisive report stands
    call.refresh_from_db()
    assert (call.receipt, call.receipt_reason, call.read_at) == (ReceiptStatus.UNDELIVERED, "200003 用户未接听", None)
    assert not CaseEvent.objects.filter(type=DispatchEventType.SUMMONS_VOICE_ACKNOWLEDGED).exists()


def test_the_receipt_endpoint_refuses_what_it_cannot_take(overdue, client):
    assert _receipt(client, [], token="wrong").status_code == 403
    assert _receipt(client, [], gateway="tencent").status_code == 404
    bad = _receipt(client, {"call_id": "1"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert _receipt(client, [{"call_id": "9^9", "status_code": "200000", "out_id": "abc"}]).status_code == 200


def test_without_a_voice_gateway_nothing_is_scheduled(settings):
    settings.VOICE_BACKEND = ""
    settings.SMS_BACKEND = "dispatch.sms.LocmemSMSBackend"
    with time_machine.travel(NOW, tick=False):
        world = World()
        summons = services.summons_request(actor=world.director, center=world.center, departments=[world.police],
                                           reason="讨薪", case=world.case(), now=NOW)
        services.summons_approve(actor=world.deputy, summons=summons, report_in_minutes=20, now=NOW)
    services.deadline_sweep(now=DUE + dt.timedelta(seconds=1))
    assert not DeadlineStep.objects.filter(kind=StepKind.VOICE_CALL).exists()


def test_the_status_page_lists_the_voice_channel_when_configured(gateway):
    assert NotificationChannel.VOICE in [health.channel for health in channels_health(now=NOW)]


def test_receipts_parse_the_documented_shapes():
    (pressed, record) = aliyun_voice.parse_receipts([
        {"call_id": "1^2", "status_code": "300000", "dtmf": "1", "status_time": "2026-11-18 02:31:10", "out_id": "7"},
        {"call_id": "1^3", "status_code": "200010", "status_msg": "关机", "end_time": "2026-11-18 02:32:00",
         "duration": "0", "out_id": "8"}])
    assert (pressed.answered, pressed.keys, pressed.reference) == (True, "1", "7")
    assert pressed.reported_at == at(2026, 11, 18, 2, 31) + dt.timedelta(seconds=10)
    assert (record.answered, record.reason) == (False, "200010 关机")
    for payload in ({"call_id": "1"}, [{"status_code": "200000"}], ["x"]):
        with pytest.raises(ValueError):
            aliyun_voice.parse_receipts(payload)


def test_a_real_voice_gateway_without_its_settings_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="VOICE_SHOW_NUMBER"):
        check_voice_gateway("aliyun", {"VOICE_KEY_ID": "k", "VOICE_KEY_SECRET": "s"}, play_times=2, after_minutes=5)
    with pytest.raises(ImproperlyConfigured, match="VOICE_PLAY_TIMES"):
        check_voice_gateway("", {}, play_times=4, after_minutes=5)
    with pytest.raises(ImproperlyConfigured, match="VOICE_CALL_AFTER_MINUTES"):
        check_voice_gateway("console", {}, play_times=2, after_minutes=0)
    check_voice_gateway("console", {}, play_times=2, after_minutes=5)
    check_voice_gateway("console", {}, play_times=2, after_minutes=0.5)


def test_a_call_retried_after_its_person_has_seen_the_escalation_is_not_placed(overdue, gateway):
    world, summons, _case = overdue
    leader = world.police.leader_in_charge
    services.deadline_sweep(now=CALL_AT)
    call = Notification.objects.get(channel=NotificationChannel.VOICE, recipient=leader)
    gateway.fail_next("isp.SYSTEM_ERROR", "系统错误")
    assert services.notification_deliver(notification_id=call.pk, now=CALL_AT) == DeliveryOutcome.RETRY
    # meanwhile the leader reads the escalation in the app
    seen = CALL_AT + dt.timedelta(seconds=20)
    services.notification_mark_read(actor=leader, notification_id=_in_app(world, summons, leader).pk, now=seen)
    later = CALL_AT + dt.timedelta(minutes=1)
    assert services.notification_deliver(notification_id=call.pk, now=later) == DeliveryOutcome.ABANDONED
    call.refresh_from_db()
    assert (call.status, call.read_at, call.last_error) == (DeliveryStatus.ABANDONED, seen, "接收人已查看该督办，不再呼叫")
    assert gateway.accepted == []  # refused once, then not placed
    # neither the urgent messages' check nor the voice channel's health counts it as a failure
    assert notification_urgent_waiting(now=later)["failing"] == 0
    voice = next(row for row in channels_health(now=later) if row.channel == NotificationChannel.VOICE)
    assert voice.failed == 0
