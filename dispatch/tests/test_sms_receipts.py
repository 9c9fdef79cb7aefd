"""Delivery receipts (状态报告): each vendor's webhook marks its row 已送达 / 送达失败 with the
gateway's reason, once; a wrong token or a bad body changes nothing; the summons page shows them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from dispatch import services
from dispatch.choices import DeliveryStatus, NotificationChannel, ReceiptStatus
from dispatch.models import Notification
from dispatch.tests.factories_work import World
from dispatch.tests.test_sms_gateways import NOW, aliyun, deliver, frozen, liaison, sms_row, tencent  # noqa: F401

pytestmark = pytest.mark.django_db

TOKEN = "receipt-secret-3f9a"


@pytest.fixture(autouse=True)
def receipt_token(settings):
    settings.SMS_RECEIPT_TOKEN = TOKEN


def post(client, gateway, payload, token=TOKEN, **headers):
    url = reverse("dispatch:sms-receipts-token", args=[gateway, token]) if token else reverse(
        "dispatch:sms-receipts", args=[gateway])
    body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return client.post(url, body, content_type="application/json", **headers)


def aliyun_report(row, *, success=True, code="DELIVERED", words="用户接收成功", out_id=None):
    return {"phone_number": "13800000001", "send_time": "2026-11-18 02:05:00", "report_time": "2026-11-18 02:05:07",
            "success": success, "err_code": code, "err_msg": words, "sms_size": "1",
            "biz_id": row.gateway_message_id or "unknown^0", "out_id": str(row.pk) if out_id is None else out_id}


def test_aliyun_receipt_marks_the_row_delivered_once(client, aliyun, liaison):  # noqa: F811
    row = deliver(sms_row(liaison))
    response = post(client, "aliyun", [aliyun_report(row)])
    assert response.status_code == 200 and response.json() == {"code": 0, "msg": "成功"}
    row.refresh_from_db()
    assert (row.receipt, row.receipt_reason) == (ReceiptStatus.DELIVERED, "DELIVERED 用户接收成功")
    assert row.receipt_at == dt.datetime(2026, 11, 18, 2, 5, 7, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    # the gateway pushes the same report again, then a contradicting one: the first stands
    assert post(client, "aliyun", [aliyun_report(row)]).status_code == 200
    assert post(client, "aliyun", [aliyun_report(row, success=False, code="MK:0001")]).status_code == 200
    row.refresh_from_db()
    assert row.receipt == ReceiptStatus.DELIVERED and row.receipt_reason == "DELIVERED 用户接收成功"


def test_aliyun_failed_receipt_keeps_the_gateways_reason(client, aliyun, liaison):  # noqa: F811
    row = deliver(sms_row(liaison))
    post(client, "aliyun", [aliyun_report(row, success=False, code="MK:0004", words="手机终端问题，如关机、停机")])
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert (row.receipt, row.receipt_reason) == (ReceiptStatus.UNDELIVERED, "MK:0004 手机终端问题，如关机、停机")


def test_a_receipt_that_overtakes_the_workers_mark_is_matched_by_out_id(client, aliyun, liaison):  # noqa: F811
    row = sms_row(liaison)  # still pending here: the worker has not stored the BizId yet
    payload = aliyun_report(row)
    payload["biz_id"] = "900001^1"
    post(client, "aliyun", [payload])
    row.refresh_from_db()
    assert row.receipt == ReceiptStatus.DELIVERED


def test_tencent_receipt_by_serial_no(client, tencent, liaison):  # noqa: F811
    delivered, failed = deliver(sms_row(liaison)), deliver(sms_row(liaison, title="另一条"))
    response = post(client, "tencent", [
        {"user_receive_time": "2026-11-18 02:05:09", "nationcode": "86", "mobile": "13800000001",
         "report_status": "SUCCESS", "errmsg": "DELIVRD", "description": "用户短信送达成功",
         "sid": delivered.gateway_message_id},
        {"user_receive_time": "2026-11-18 02:05:10", "nationcode": "86", "mobile": "13800000001",
         "report_status": "FAIL", "errmsg": "MN:0001", "description": "空号", "sid": failed.gateway_message_id},
        {"user_receive_time": "", "nationcode": "86", "mobile": "13800000009", "report_status": "SUCCESS",
         "errmsg": "DELIVRD", "description": "", "sid": "2640:unknown"},
    ])
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    delivered.refresh_from_db()
    failed.refresh_from_db()
    assert delivered.receipt == ReceiptStatus.DELIVERED
    assert (failed.receipt, failed.receipt_reason) == (ReceiptStatus.UNDELIVERED, "MN:0001 空号")


def test_receipts_need_the_token(client, aliyun, liaison, settings):  # noqa: F811
    row = deliver(sms_row(liaison))
    assert post(client, "aliyun", [aliyun_report(row)], token="wrong").status_code == 403
    assert post(client, "aliyun", [aliyun_report(row)], token="").status_code == 403
    assert post(client, "wechat", [aliyun_report(row)]).status_code == 404
    row.refresh_from_db()
    assert row.receipt == ""
    assert post(client, "aliyun", [aliyun_report(row)], token="", HTTP_X_RECEIPT_TOKEN=TOKEN).status_code == 200
    settings.SMS_RECEIPT_TOKEN = ""
    assert post(client, "aliyun", [aliyun_report(row)]).status_code == 404


@pytest.mark.parametrize("body", ["not json", "{}", "[1]", '[{"success": true}]', "[{\"sid\": null}]"])
def test_a_malformed_receipt_is_refused_with_a_structured_answer(client, body):
    for gateway in ("aliyun", "tencent"):
        response = post(client, gateway, body)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_the_summons_page_shows_whether_the_call_up_reached_the_phone(client, aliyun):  # noqa: F811
    world = World()
    summons = services.summons_request(actor=world.director, center=world.center, departments=[world.police],
                                       reason="上浦村群体性讨薪", now=NOW)
    services.summons_approve(actor=world.deputy, summons=summons, now=NOW)
    row = deliver(Notification.objects.get(channel=NotificationChannel.SMS, recipient=world.police.liaison,
                                           kind="summons.approved"))
    assert row.status == DeliveryStatus.SENT and row.gateway_message_id
    post(client, "aliyun", [aliyun_report(row)])
    client.force_login(world.deputy)
    page = client.get(reverse("dispatch:work-summons", args=[summons.pk])).content.decode()
    cell = page.split('data-testid="call-deliveries"', 1)[1].split("</td>", 1)[0]
    assert f'data-delivery="{row.pk}"' in cell and "已送达" in cell
