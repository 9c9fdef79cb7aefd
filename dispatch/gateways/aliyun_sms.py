"""Alibaba Cloud SMS (Dysmsapi 2017-05-25, `SendSms`) over its RPC protocol: signed query
parameters (HMAC-SHA1 over the percent-encoded canonical query, key `AccessKeySecret&`), JSON answer
`{"Code": "OK", "BizId": ...}`. Plain HTTP with `requests`: the call is one GET."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.conf import settings

from dispatch.gateways.errors import GatewayError, fetch_json
from dispatch.gateways.receipts import local_time, receipt_items, text_of
from dispatch.sms import DeliveryReceipt, SMSBackend, SMSDeliveryError, SMSMessage

ENDPOINT = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"

# Codes after which another attempt may succeed (the gateway's limits, its own faults, our balance
# or credentials, which an operator can fix while the message waits). Any other `isv.` code is a
# refusal of this message (template, signature, number, parameters): not retried.
RETRYABLE_CODES = frozenset({
    "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH", "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY", "isv.OUT_OF_SERVICE", "Throttling", "Throttling.User", "Throttling.Api",
    "ServiceUnavailable", "InternalError", "SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId.Inactive", "SignatureNonceUsed", "InvalidTimeStamp.Expired",
})


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the RPC signature documents it: space as %20, `*` as %2A, `~` kept."""
    return quote(str(value), safe="~")


def string_to_sign(*, method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(*, method: str, params: Mapping[str, str], secret: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method=method, params=params).encode(), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode()


def classify(code: str, message: str, error: type[GatewayError] = SMSDeliveryError) -> GatewayError:
    retryable = code in RETRYABLE_CODES or code.startswith(("isp.", "Throttling"))
    return error(message or code, code=code, retryable=retryable)


def rpc_call(*, endpoint: str, action: str, params: Mapping[str, str], key_id: str, secret: str, region: str,
             timeout: float, error: type[GatewayError] = SMSDeliveryError) -> dict[str, Any]:
    """One signed RPC call (GET) of the Alibaba Cloud communication APIs (Dysmsapi, Dyvmsapi, both
    version 2017-05-25): the answer when its `Code` is OK, else `error` classified by its code."""
    query_params = {
        "AccessKeyId": key_id, "Action": action, "Format": "JSON", "RegionId": region,
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
        "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": API_VERSION, **params,
    }
    query_params["Signature"] = rpc_signature(method="GET", params=query_params, secret=secret)
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in query_params.items())
    response, answer = fetch_json("GET", f"{endpoint}/?{query}", timeout=timeout, error=error)
    code = str(answer.get("Code", "")) if isinstance(answer, dict) else ""
    if code == "OK":
        return answer
    if not code:
        raise error(f"网关应答异常（HTTP {response.status_code}）", code=f"http_{response.status_code}")
    raise classify(code, str(answer.get("Message", "")), error)


class AliyunSMSBackend(SMSBackend):
    vendor = "aliyun"

    def __init__(self) -> None:
        self.endpoint = settings.SMS_ENDPOINT or ENDPOINT
        self.key_id, self.secret = settings.SMS_KEY_ID, settings.SMS_KEY_SECRET
        self.sign_name = settings.SMS_SIGN_NAME
        self.region = settings.SMS_REGION or "cn-hangzhou"
        self.timeout = settings.SMS_TIMEOUT_SECONDS

    def send(self, *, phone: str, text: str) -> str:
        raise SMSDeliveryError("阿里云短信只发送已审核的模板", code="template_required", retryable=False)

    def send_message(self, message: SMSMessage) -> str:
        if not message.template_code:
            raise SMSDeliveryError(f"未配置短信模板 {message.template}", code="template_missing", retryable=False)
        params = {"PhoneNumbers": message.phone, "SignName": self.sign_name, "TemplateCode": message.template_code,
                  "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":"))}
        if message.reference:
            params["OutId"] = message.reference
        answer = rpc_call(endpoint=self.endpoint, action="SendSms", params=params, key_id=self.key_id,
                          secret=self.secret, region=self.region, timeout=self.timeout)
        return str(answer.get("BizId", ""))


def parse_receipts(payload: Any) -> list[DeliveryReceipt]:
    """The SmsReport push: a JSON array of `{"biz_id", "out_id", "success", "err_code", "err_msg",
    "phone_number", "send_time", "report_time", "sms_size"}`. Raises ValueError for another shape."""
    receipts = []
    for item in receipt_items(payload, id_key="biz_id"):
        success = item.get("success")
        delivered = success is True or str(success).lower() == "true"
        code, words = text_of(item.get("err_code")), text_of(item.get("err_msg"))
        receipts.append(DeliveryReceipt(
            message_id=text_of(item["biz_id"]), delivered=delivered,
            reason=" ".join(part for part in (code, words) if part),
            reported_at=local_time(text_of(item.get("report_time"))), reference=text_of(item.get("out_id"))))
    return receipts


RECEIPT_ANSWER = {"code": 0, "msg": "成功"}
