"""Tencent Cloud SMS (`SendSms`, API 2021-01-11) through Tencent's own SDK
(`tencentcloud-sdk-python-sms`, TC3-HMAC-SHA256). Each number comes back in `SendStatusSet` with its
own `Code` ("Ok") and `SerialNo`, the id its delivery receipt carries."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from dispatch.gateways.receipts import local_time, receipt_items, text_of
from dispatch.sms import DeliveryReceipt, SMSBackend, SMSDeliveryError, SMSMessage

# Another attempt may succeed: the gateway's frequency limits and faults, our package balance or
# credentials (an operator fixes them while the message waits), the network. Every other
# FailedOperation / InvalidParameter / UnsupportedOperation code refuses this message for good.
RETRYABLE_PREFIXES = ("LimitExceeded", "InternalError", "RequestLimitExceeded", "AuthFailure",
                      "UnauthorizedOperation", "ResourceUnavailable")
RETRYABLE_CODES = frozenset({"FailedOperation.InsufficientBalanceInSmsPackage", "ClientNetworkError",
                             "ServerNetworkError", "FailedOperation.FailResolvePacket"})
PERMANENT_PREFIXES = ("FailedOperation", "InvalidParameter", "UnsupportedOperation", "MissingParameter")


def classify(code: str, message: str) -> SMSDeliveryError:
    if code in RETRYABLE_CODES or code.startswith(RETRYABLE_PREFIXES):
        retryable = True
    else:
        # The SDK names transport failures by the exception class (ConnectionError, ReadTimeout).
        retryable = not code.startswith(PERMANENT_PREFIXES)
    return SMSDeliveryError(message or code, code=code, retryable=retryable)


def e164(phone: str) -> str:
    phone = phone.strip().replace(" ", "").replace("-", "")
    return phone if phone.startswith("+") else f"+86{phone.removeprefix('0086')}"


class TencentSMSBackend(SMSBackend):
    vendor = "tencent"

    def __init__(self) -> None:
        parts = urlsplit(settings.SMS_ENDPOINT or "https://sms.tencentcloudapi.com")
        http = HttpProfile(protocol=parts.scheme, endpoint=parts.netloc, reqTimeout=settings.SMS_TIMEOUT_SECONDS)
        self.client = sms_client.SmsClient(
            credential.Credential(settings.SMS_KEY_ID, settings.SMS_KEY_SECRET),
            settings.SMS_REGION or "ap-guangzhou", ClientProfile(httpProfile=http))
        self.app_id, self.sign_name = settings.SMS_APP_ID, settings.SMS_SIGN_NAME

    def send(self, *, phone: str, text: str) -> str:
        raise SMSDeliveryError("腾讯云短信只发送已审核的模板", code="template_required", retryable=False)

    def send_message(self, message: SMSMessage) -> str:
        if not message.template_code:
            raise SMSDeliveryError(f"未配置短信模板 {message.template}", code="template_missing", retryable=False)
        request = models.SendSmsRequest()
        request.SmsSdkAppId, request.SignName = self.app_id, self.sign_name
        request.TemplateId = message.template_code
        request.TemplateParamSet = list(message.params.values())
        request.PhoneNumberSet = [e164(message.phone)]
        request.SessionContext = message.reference
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise classify(str(exc.get_code() or ""), str(exc.get_message() or "")) from exc
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SMSDeliveryError("网关未返回发送状态", code="empty_status")
        status = statuses[0]
        if status.Code != "Ok":
            raise classify(str(status.Code), str(status.Message or ""))
        return str(status.SerialNo)


def parse_receipts(payload: Any) -> list[DeliveryReceipt]:
    """The status callback: a JSON array of `{"user_receive_time", "nationcode", "mobile",
    "report_status": "SUCCESS"|"FAIL", "errmsg", "description", "sid"}` (`sid` is the SerialNo).
    Raises ValueError for another shape."""
    receipts = []
    for item in receipt_items(payload, id_key="sid"):
        code, words = text_of(item.get("errmsg")), text_of(item.get("description"))
        receipts.append(DeliveryReceipt(
            message_id=text_of(item["sid"]), delivered=text_of(item.get("report_status")).upper() == "SUCCESS",
            reason=" ".join(part for part in (code, words) if part),
            reported_at=local_time(text_of(item.get("user_receive_time")))))
    return receipts


RECEIPT_ANSWER = {"result": 0, "errmsg": "OK"}
