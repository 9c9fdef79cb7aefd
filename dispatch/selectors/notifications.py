"""Reads of a user's in-app notifications."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from dispatch.choices import NotificationChannel
from dispatch.models import Notification


def notifications_for_user(*, user: AbstractBaseUser, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP).order_by("-created_at", "-pk")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP, read_at__isnull=True).count()
