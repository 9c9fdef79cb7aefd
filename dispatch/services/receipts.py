"""Delivery receipts (状态报告) of the SMS gateways: each marks its outbox row 已送达 or 送达失败
with the gateway's reason, once (a gateway that pushes the same report again changes nothing)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from dispatch.choices import NotificationChannel, ReceiptStatus
from dispatch.models import Notification
from dispatch.sms import DeliveryReceipt

logger = logging.getLogger(__name__)


@dataclass
class ReceiptsRecorded:
    marked: int = 0
    repeated: int = 0
    unknown: int = 0


def sms_receipts_record(*, gateway: str, receipts: Sequence[DeliveryReceipt], now: dt.datetime) -> ReceiptsRecorded:
    """Mark the SMS rows the receipts name: by the gateway's message id, or by our row's id where the
    gateway echoes it (a receipt can overtake the worker's mark of the row as sent). Only a row with
    no receipt yet is marked: the first report stands."""
    result = ReceiptsRecorded()
    for receipt in receipts:
        match = Q(gateway=gateway, gateway_message_id=receipt.message_id)
        if receipt.reference.isdigit() and len(receipt.reference) < 19:
            match |= Q(pk=int(receipt.reference), gateway_message_id__in=["", receipt.message_id])
        rows = Notification.objects.filter(match, channel=NotificationChannel.SMS)
        marked = rows.filter(receipt="").update(
            receipt=ReceiptStatus.DELIVERED if receipt.delivered else ReceiptStatus.UNDELIVERED,
            receipt_at=receipt.reported_at or now, receipt_reason=receipt.reason[:200])
        if marked:
            result.marked += marked
        elif rows.exists():
            result.repeated += 1
        else:
            result.unknown += 1
            logger.warning("%s receipt for unknown message %s", gateway, receipt.message_id)
    return result
