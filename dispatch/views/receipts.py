"""The gateways' delivery-receipt webhooks: `POST /dispatch/receipts/sms/<gateway>/<token>/` and
`/dispatch/receipts/voice/<gateway>/<token>/` (or the token in the `X-Receipt-Token` header), a JSON
array in the vendor's shape; answered in the vendor's success shape once recorded. Without
`SMS_RECEIPT_TOKEN` the endpoints do not exist."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dispatch.gateways import aliyun_sms, aliyun_voice, tencent_sms
from dispatch.services.receipts import sms_receipts_record, voice_receipts_record
from dispatch.sms import DeliveryReceipt
from dispatch.voice import VoiceReceipt

PARSERS: dict[str, tuple[Callable[[Any], list[DeliveryReceipt]], dict[str, Any]]] = {
    "aliyun": (aliyun_sms.parse_receipts, aliyun_sms.RECEIPT_ANSWER),
    "tencent": (tencent_sms.parse_receipts, tencent_sms.RECEIPT_ANSWER),
}
VOICE_PARSERS: dict[str, tuple[Callable[[Any], list[VoiceReceipt]], dict[str, Any]]] = {
    "aliyun": (aliyun_voice.parse_receipts, aliyun_voice.RECEIPT_ANSWER),
}
BODY_LIMIT = 1024 * 1024


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _receive(request: HttpRequest, gateway: str, token: str, parsers: Mapping[str, tuple[Callable[[Any], Any], Any]],
             record: Callable[..., Any]) -> JsonResponse:
    expected = settings.SMS_RECEIPT_TOKEN
    given = token or request.headers.get("X-Receipt-Token", "")
    if gateway not in parsers or not expected:
        return _refuse(404, "not_found", "未找到。")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _refuse(403, "bad_token", "回执令牌不正确。")
    if len(request.body) > BODY_LIMIT:
        return _refuse(413, "too_large", "回执过大。")
    parse, answer = parsers[gateway]
    try:
        receipts = parse(json.loads(request.body or b"null"))
    except (ValueError, UnicodeDecodeError) as exc:
        return _refuse(400, "invalid", f"回执格式错误：{exc}")
    record(gateway=gateway, receipts=receipts, now=timezone.now())
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def sms_receipts(request: HttpRequest, gateway: str, token: str = "") -> JsonResponse:
    return _receive(request, gateway, token, PARSERS, sms_receipts_record)


@csrf_exempt
@require_POST
def voice_receipts(request: HttpRequest, gateway: str, token: str = "") -> JsonResponse:
    """The voice gateway's call reports (VoiceCallReport, VoiceReport): answered or not, and the key
    pressed; the gateway is told `aliyun` here whatever its call ids."""
    return _receive(request, gateway, token, VOICE_PARSERS, voice_receipts_record)
