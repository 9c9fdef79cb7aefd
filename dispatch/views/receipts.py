"""The gateways' delivery-receipt webhooks: `POST /dispatch/receipts/sms/<gateway>/<token>/` (or the
token in the `X-Receipt-Token` header), a JSON array in the vendor's shape; answered in the vendor's
success shape once recorded. Without `SMS_RECEIPT_TOKEN` the endpoints do not exist."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dispatch.gateways import aliyun_sms, tencent_sms
from dispatch.services.receipts import sms_receipts_record
from dispatch.sms import DeliveryReceipt

PARSERS: dict[str, tuple[Callable[[Any], list[DeliveryReceipt]], dict[str, Any]]] = {
    "aliyun": (aliyun_sms.parse_receipts, aliyun_sms.RECEIPT_ANSWER),
    "tencent": (tencent_sms.parse_receipts, tencent_sms.RECEIPT_ANSWER),
}
BODY_LIMIT = 1024 * 1024


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def sms_receipts(request: HttpRequest, gateway: str, token: str = "") -> JsonResponse:
    expected = settings.SMS_RECEIPT_TOKEN
    given = token or request.headers.get("X-Receipt-Token", "")
    if gateway not in PARSERS or not expected:
        return _refuse(404, "not_found", "未找到。")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _refuse(403, "bad_token", "回执令牌不正确。")
    if len(request.body) > BODY_LIMIT:
        return _refuse(413, "too_large", "回执过大。")
    parse, answer = PARSERS[gateway]
    try:
        receipts = parse(json.loads(request.body or b"null"))
    except (ValueError, UnicodeDecodeError) as exc:
        return _refuse(400, "invalid", f"回执格式错误：{exc}")
    sms_receipts_record(gateway=gateway, receipts=receipts, now=timezone.now())
    return JsonResponse(answer, json_dumps_params={"ensure_ascii": False})
