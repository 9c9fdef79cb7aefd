"""The real SMS gateways, each against a local fake that checks the vendor's signature and answers
its documented shapes and error codes: the message id kept on the row, the template and its
parameters, retryable refusals retried, permanent ones abandoned with the gateway's reason."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from dispatch import services
from dispatch.choices import DeliveryStatus, NotificationChannel
from dispatch.models import Notification
from dispatch.sms import sms_message_for, sms_template_for
from dispatch.tests.conftest import at
from dispatch.tests.fake_gateways import FakeAliyunSMS, FakeTencentSMS
from governance.settings_channels import check_sms_gateway
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = {"SMS_700001": ["title", "detail"], "SMS_700002": ["title", "detail"], "SMS_700003": ["title", "detail"]}
NOW = at(2026, 11, 18, 2, 5)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def liaison(center):
    return UserFactory(profile={"center": center, "phone": "13800000001"})


def _templates(settings, summons="SMS_700001", escalation="SMS_700002", notice="SMS_700003"):
    settings.SMS_TEMPLATES = {name: {"code": code, "params": ["title", "detail"]}
                              for name, code in (("summons", summons), ("escalation", escalation),
                                                 ("notice", notice))}


@pytest.fixture
def aliyun(settings):
    fake = FakeAliyunSMS(templates=TEMPLATES)
    with fake.running():
        settings.SMS_BACKEND = "aliyun"
        settings.SMS_ENDPOINT = fake.url
        settings.SMS_KEY_ID, settings.SMS_KEY_SECRET = fake.key_id, fake.secret
        _templates(settings)
        yield fake


@pytest.fixture
def tencent(settings):
    fake = FakeTencentSMS(templates={"2001": 2, "2002": 2, "2003": 2})
    with fake.running():
        settings.SMS_BACKEND = "tencent"
        settings.SMS_ENDPOINT = fake.url
        settings.SMS_KEY_ID, settings.SMS_KEY_SECRET, settings.SMS_APP_ID = fake.secret_id, fake.secret_key, fake.app_id
        _templates(settings, "2001", "2002", "2003")
        yield fake


def sms_row(user, *, kind="summons.approved", title="召集：请于 10:25 前到指挥中心报到",
            body="上浦村群体性讨薪，请资规建交局、劳动保障维权服务中心立即到场") -> Notification:
    (row,) = services.notification_send(recipients=[user], kind=kind, title=title, body=body, link="/dispatch/x/1/",
                                        dedupe_key=f"test:{kind}:{title}", channels=[NotificationChannel.SMS],
                                        now=NOW)
    return row


def deliver(row: Notification) -> Notification:
    services.notification_deliver(notification_id=row.pk, now=NOW)
    row.refresh_from_db()
    return row


# --- templates --------------------------------------------------------------------------------
def test_each_kind_maps_to_its_template_and_others_to_notice():
    assert sms_template_for("summons.approved") == "summons"
    assert sms_template_for("summons.overdue") == "escalation"
    assert sms_template_for("assignment.escalated") == "escalation"
    assert sms_template_for("mode.wartime_declared") == "summons"
    assert sms_template_for("assignment.created") == "notice"


def test_template_parameters_are_clipped_to_the_gateways_limit(settings):
    _templates(settings)
    message = sms_message_for(phone="13800000001", kind="summons.approved", title="召集" * 30, body="", link="")
    assert message.template_code == "SMS_700001"
    assert len(message.params["title"]) == 35 and message.params["title"].endswith("…")
    assert message.params["detail"] == message.params["title"]  # no body: the title stands in


def test_a_real_gateway_without_its_keys_or_templates_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="SMS_KEY_SECRET.*SMS_TEMPLATE_NOTICE"):
        check_sms_gateway("aliyun", {"SMS_KEY_ID": "k", "SMS_TEMPLATE_SUMMONS": "1", "SMS_TEMPLATE_ESCALATION": "2"})
    with pytest.raises(ImproperlyConfigured, match="SMS_APP_ID"):
        check_sms_gateway("dispatch.gateways.tencent_sms.TencentSMSBackend", {
            "SMS_KEY_ID": "k", "SMS_KEY_SECRET": "s", "SMS_TEMPLATE_SUMMONS": "1", "SMS_TEMPLATE_ESCALATION": "2",
            "SMS_TEMPLATE_NOTICE": "3"})
    check_sms_gateway("console", {})


# --- Aliyun ---------------------------------------------------------------------------------------
def test_aliyun_sends_the_template_and_keeps_the_biz_id(aliyun, liaison):
    row = deliver(sms_row(liaison))
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 1, "")
    (accepted,) = aliyun.accepted
    assert (row.gateway, row.gateway_message_id) == ("aliyun", accepted["biz_id"])
    assert accepted["template"] == "SMS_700001" and accepted["phone"] == "13800000001"
    assert accepted["params"] == {"title": "召集：请于 10:25 前到指挥中心报到",
                                  "detail": "上浦村群体性讨薪，请资规建交局、劳动保障维权服务中心立即到场"}
    assert accepted["out_id"] == str(row.pk)


def test_aliyun_rate_limit_is_retried_and_sent_once(aliyun, liaison):
    aliyun.fail_next("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10")
    row = deliver(sms_row(liaison))
    assert row.status == DeliveryStatus.FAILED
    assert "isv.BUSINESS_LIMIT_CONTROL" in row.last_error and "流控" in row.last_error
    row = deliver(row)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 2, "")
    assert len(aliyun.accepted) == 1
    assert deliver(row).attempts == 2  # sent: not claimed again


def test_aliyun_gateway_down_is_retried(aliyun, liaison):
    aliyun.down = True
    row = deliver(sms_row(liaison))
    assert row.status == DeliveryStatus.FAILED and "http_503" in row.last_error


def test_aliyun_unknown_template_is_abandoned_with_the_gateways_reason(aliyun, liaison, settings):
    _templates(settings, summons="SMS_999999")
    row = deliver(sms_row(liaison))
    assert row.status == DeliveryStatus.ABANDONED
    assert "isv.SMS_TEMPLATE_ILLEGAL" in row.last_error and "找不到对应模板" in row.last_error
    assert aliyun.accepted == []


def test_aliyun_bad_number_is_abandoned(aliyun, center):
    user = UserFactory(profile={"center": center, "phone": "0595-1234"})
    row = deliver(sms_row(user))
    assert row.status == DeliveryStatus.ABANDONED and "isv.MOBILE_NUMBER_ILLEGAL" in row.last_error


def test_aliyun_wrong_secret_fails_the_signature_check_and_is_retried(aliyun, liaison, settings):
    settings.SMS_KEY_SECRET = "not-the-secret"
    row = deliver(sms_row(liaison))
    assert row.status == DeliveryStatus.FAILED and "SignatureDoesNotMatch" in row.last_error
    settings.SMS_KEY_SECRET = aliyun.secret
    assert deliver(row).status == DeliveryStatus.SENT


def test_aliyun_signature_survives_characters_the_encoding_must_escape(aliyun, liaison):
    row = deliver(sms_row(liaison, title="召集 *~+/& 100% ’测试’", body="a=b&c=d"))
    assert row.status == DeliveryStatus.SENT, row.last_error


def test_aliyun_unreachable_gateway_is_retried(settings, liaison):
    _templates(settings)
    settings.SMS_BACKEND, settings.SMS_ENDPOINT = "aliyun", "http://127.0.0.1:9"
    settings.SMS_KEY_ID, settings.SMS_KEY_SECRET = "k", "s"
    row = deliver(sms_row(liaison))
    assert row.status == DeliveryStatus.FAILED and "unreachable" in row.last_error


# --- Tencent (through Tencent's SDK) -----------------------------------------------------------------
def test_tencent_sends_the_template_and_keeps_the_serial_no(tencent, liaison):
    row = deliver(sms_row(liaison, kind="assignment.escalated", title="超期督办（第 1 级）", body="东园镇夜市噪音"))
    assert row.status == DeliveryStatus.SENT, row.last_error
    (accepted,) = tencent.accepted
    assert (row.gateway, row.gateway_message_id) == ("tencent", accepted["serial"])
    assert accepted["phone"] == "+8613800000001" and accepted["template"] == "2002"
    assert accepted["params"] == ["超期督办（第 1 级）", "东园镇夜市噪音"]
    assert accepted["context"] == str(row.pk)


@pytest.mark.parametrize(("code", "status"), [
    ("LimitExceeded.PhoneNumberThirtySecondLimit", DeliveryStatus.FAILED),
    ("InternalError.Timeout", DeliveryStatus.FAILED),
    ("FailedOperation.PhoneNumberInBlacklist", DeliveryStatus.ABANDONED),
])
def test_tencent_per_number_codes_are_retried_or_abandoned(tencent, liaison, code, status):
    tencent.fail_number_next(code, "网关说明")
    row = deliver(sms_row(liaison))
    assert row.status == status and code in row.last_error and "网关说明" in row.last_error
    assert tencent.accepted == []


def test_tencent_request_errors(tencent, liaison, settings):
    tencent.fail_next("RequestLimitExceeded", "请求的次数超过了频率限制")
    row = deliver(sms_row(liaison))
    assert row.status == DeliveryStatus.FAILED and "RequestLimitExceeded" in row.last_error
    assert deliver(row).status == DeliveryStatus.SENT
    _templates(settings, "2001", "2002", "9999")
    row = deliver(sms_row(liaison, kind="assignment.created", title="新派单"))
    assert row.status == DeliveryStatus.ABANDONED and "TemplateIncorrectOrUnapproved" in row.last_error


def test_tencent_bad_number_and_bad_key(tencent, center, liaison, settings):
    user = UserFactory(profile={"center": center, "phone": "12345"})
    row = deliver(sms_row(user))
    assert row.status == DeliveryStatus.ABANDONED and "IncorrectPhoneNumber" in row.last_error
    settings.SMS_KEY_SECRET = "wrong"
    row = deliver(sms_row(liaison, title="另一条"))
    assert row.status == DeliveryStatus.FAILED and "AuthFailure.SignatureFailure" in row.last_error


def test_tencent_gateway_down_is_retried(tencent, liaison):
    tencent.down = True
    row = deliver(sms_row(liaison))
    assert row.status == DeliveryStatus.FAILED and "ServerNetworkError" in row.last_error
