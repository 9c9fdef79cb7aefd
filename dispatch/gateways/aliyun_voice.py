"""Alibaba Cloud voice service (Dyvmsapi 2017-05-25) for escalation calls: `IvrCall`, the interactive
call, so that the called person's keypress comes back. The call plays the approved text-to-speech
template `VOICE_TEMPLATE_ESCALATION` with its parameters (PlayTimes times); pressing 1 plays
`VOICE_TEMPLATE_CONFIRMED` and the key is reported in the receipt. Same RPC protocol and signature as
the SMS API (`aliyun_sms.rpc_call`); answer `{"Code": "OK", "CallId": ...}`.

Receipts (消息回执, HTTP batch push): `VoiceCallReport` (states during the call, with `dtmf` once a key
was pressed) and `VoiceReport` (the call record when it ended), both JSON arrays of objects naming the
call by `call_id` and our row by `out_id`."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from dispatch.gateways import aliyun_sms
from dispatch.gateways.errors import GatewayError
from dispatch.gateways.receipts import local_time, receipt_items, text_of
from dispatch.voice import ACK_KEY, VoiceBackend, VoiceCall, VoiceReceipt

ENDPOINT = "https://dyvmsapi.aliyuncs.com"

# The call's outcome by its status code (呼叫状态码): answered (the person heard it), not answered
# (with the reason shown on the summons page), or still under way (no decision).
ANSWERED = {"200000": "用户听完语音", "200001": "用户提前挂机", "200008": "接听后未按键", "300000": "用户按键"}
IN_PROGRESS = frozenset({"200100", "200101", "200102", "200103"})
NOT_ANSWERED = {
    "200002": "用户占线", "200003": "用户未接听", "200004": "号码不合法", "200005": "无法接通",
    "200006": "语音播放失败", "200007": "不在服务区", "200010": "关机", "200011": "停机",
    "200104": "主叫号码受限", "200105": "被叫号码受限", "200117": "来电显示号码不合法", "200118": "供应商时段限呼",
    "200121": "呼叫超并发",
}


def _json(values: dict[str, str]) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


class AliyunVoiceBackend(VoiceBackend):
    vendor = "aliyun"

    def __init__(self) -> None:
        self.endpoint = settings.VOICE_ENDPOINT or ENDPOINT
        self.key_id, self.secret = settings.VOICE_KEY_ID, settings.VOICE_KEY_SECRET
        self.region = settings.SMS_REGION or "cn-hangzhou"
        self.timeout = settings.SMS_TIMEOUT_SECONDS

    def call(self, call: VoiceCall) -> str:
        params = {
            "CalledShowNumber": settings.VOICE_SHOW_NUMBER, "CalledNumber": call.phone,
            "StartCode": settings.VOICE_TEMPLATE_ESCALATION, "StartTtsParams": _json(call.params),
            # a list parameter, flattened as the RPC protocol takes it (MenuKeyMap.N.Key / .Code)
            "MenuKeyMap.1.Key": ACK_KEY, "MenuKeyMap.1.Code": settings.VOICE_TEMPLATE_CONFIRMED,
            "PlayTimes": str(settings.VOICE_PLAY_TIMES),
        }
        if call.reference:
            params["OutId"] = call.reference
        answer = aliyun_sms.rpc_call(endpoint=self.endpoint, action="IvrCall", params=params, key_id=self.key_id,
                                     secret=self.secret, region=self.region, timeout=self.timeout,
                                     error=GatewayError)
        call_id = text_of(answer.get("CallId"), 64)
        if not call_id:
            raise GatewayError("网关未返回呼叫编号", code="empty_call_id")
        return call_id


def parse_receipts(payload: Any) -> list[VoiceReceipt]:
    """A VoiceCallReport or VoiceReport push: a JSON array of objects with `call_id`, `status_code`,
    `out_id`, `dtmf` and a time (`status_time`, or `end_time` of the record). Raises ValueError for
    another shape."""
    receipts = []
    for item in receipt_items(payload, id_key="call_id"):
        code = text_of(item.get("status_code"))
        keys = "".join(ch for ch in text_of(item.get("dtmf"), 32) if ch.isdigit() or ch in "*#")
        if code in ANSWERED or keys:
            answered: bool | None = True
            reason = ANSWERED.get(code, "")
        elif code in IN_PROGRESS or not code:
            answered, reason = None, ""
        else:
            answered = False
            reason = NOT_ANSWERED.get(code) or text_of(item.get("status_msg")) or code
            reason = f"{code} {reason}" if reason != code else code
        moment = text_of(item.get("status_time")) or text_of(item.get("end_time"))
        receipts.append(VoiceReceipt(call_id=text_of(item["call_id"], 64), answered=answered, keys=keys,
                                     reason=reason, reported_at=local_time(moment),
                                     reference=text_of(item.get("out_id"))))
    return receipts


RECEIPT_ANSWER = aliyun_sms.RECEIPT_ANSWER
