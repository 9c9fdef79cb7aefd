"""Delivery receipts (状态报告) of the SMS and voice gateways: each marks its outbox row 已送达 or 送达失败
with the gateway's reason, once (a gateway that pushes the same report again changes nothing); a voice
call's key press acknowledges the escalation it read."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from dispatch.choices import DispatchEventType, NotificationChannel, ReceiptStatus
from dispatch.models import Notification, Summons
from dispatch.sms import DeliveryReceipt
from dispatch.voice import ACK_KEY, VoiceReceipt
from intake.choices import EventSource
from intake.events import case_event_record

logger = logging.getLogger(__name__)


@dataclass
class ReceiptsRecorded:
    marked: int = 0
    repeated: int = 0
    unknown: int = 0


def _named(gateway: str, message_id: str, reference: str) -> Q:
    """The row a receipt names: by the gateway's id, or by our row's id where the gateway echoes it (a
    receipt can overtake the worker's mark of the row as sent)."""
    match = Q(gateway=gateway, gateway_message_id=message_id)
    if reference.isdigit() and len(reference) < 19:
        match |= Q(pk=int(reference), gateway_message_id__in=["", message_id])
    return match


def sms_receipts_record(*, gateway: str, receipts: Sequence[DeliveryReceipt], now: dt.datetime) -> ReceiptsRecorded:
    """Mark the SMS rows the receipts name: by the gateway's message id, or by our row's id where the
    gateway echoes it (a receipt can overtake the worker's mark of the row as sent). Only a row with
    no receipt yet is marked: the first report stands."""
    result = ReceiptsRecorded()
    for receipt in receipts:
        rows = Notification.objects.filter(_named(gateway, receipt.message_id, receipt.reference),
                                           channel=NotificationChannel.SMS)
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


def voice_receipts_record(*, gateway: str, receipts: Sequence[VoiceReceipt], now: dt.datetime) -> ReceiptsRecorded:
    """Mark the voice calls the receipts name 已送达 (answered) or 送达失败 (with the reason: busy, not
    answered, switched off), the first decisive report standing; a call whose person pressed 1
    acknowledges the escalation: every message of it to that person is marked seen, and the matter's
    timeline records the acknowledgement once."""
    result = ReceiptsRecorded()
    for receipt in receipts:
        row = Notification.objects.filter(_named(gateway, receipt.call_id, receipt.reference),
                                          channel=NotificationChannel.VOICE).first()
        if row is None:
            result.unknown += 1
            logger.warning("%s voice receipt for unknown call %s", gateway, receipt.call_id)
            continue
        marked = 0
        if receipt.answered is not None:
            marked = Notification.objects.filter(pk=row.pk, receipt="").update(
                receipt=ReceiptStatus.DELIVERED if receipt.answered else ReceiptStatus.UNDELIVERED,
                receipt_at=receipt.reported_at or now, receipt_reason=receipt.reason[:200])
        if ACK_KEY in receipt.keys and _acknowledge(row=row, now=receipt.reported_at or now):
            marked += 1
        if marked:
            result.marked += 1
        else:
            result.repeated += 1
    return result


def _acknowledge(*, row: Notification, now: dt.datetime) -> bool:
    """The key press: once per call (the call row's own read mark is the guard)."""
    with transaction.atomic():
        if not Notification.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=now):
            return False
        Notification.objects.filter(dedupe_key=row.dedupe_key, recipient_id=row.recipient_id,
                                    read_at__isnull=True).update(read_at=now)
        parts = row.dedupe_key.split(":")  # summons:<id>:department:<id>:overdue
        summons = (Summons.objects.filter(pk=int(parts[1])).select_related("case").first()
                   if len(parts) == 5 and parts[1].isdigit() else None)
        if summons is not None and summons.case_id:
            department = int(parts[3]) if parts[3].isdigit() else None
            case_event_record(case=summons.case, type=DispatchEventType.SUMMONS_VOICE_ACKNOWLEDGED,
                              actor=row.recipient, source=EventSource.API, now=now,
                              data={"summons": summons.pk, "department": department, "call": row.pk})
    return True
