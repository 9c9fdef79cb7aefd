"""An API token for a user: `manage.py drf_create_token USER` prints a new token once.

Tokens are django-rest-knox tokens: only their SHA-512 digest is stored and each expires after
API_TOKEN_TTL_DAYS (30 by default). The command keeps the name of Django REST framework's own so
scripts and the README keep working; `--revoke` removes every token of the user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from knox.models import AuthToken


class Command(BaseCommand):
    help = "为用户生成 API 令牌（只显示一次，数据库只存摘要，默认 30 天有效）；--revoke 作废该用户全部令牌。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认 API_TOKEN_TTL_DAYS）")
        parser.add_argument("--revoke", action="store_true", help="作废该用户的全部令牌")
        parser.add_argument("-r", "--reset", action="store_true", help="先作废已有令牌再生成新的")

    def handle(self, *args: Any, username: str, days: int | None, revoke: bool, reset: bool, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有启用的用户 {username}。")
        if revoke or reset:
            count, _ = AuthToken.objects.filter(user=user).delete()
            if revoke:
                self.stdout.write(f"Revoked {count} token(s) for user {username}")
                return
        if days is not None and not 1 <= days <= 366:
            raise CommandError("--days 应为 1 至 366。")
        kwargs = {"expiry": dt.timedelta(days=days)} if days is not None else {}
        instance, token = AuthToken.objects.create(user, **kwargs)
        self.stdout.write(f"Generated token {token} for user {username} (expires {instance.expiry:%Y-%m-%d %H:%M})")
