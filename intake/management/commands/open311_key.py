"""Create or revoke an Open311 platform key: `open311_key NAME [--center CODE] [--source S]`
prints the new key once; `open311_key --revoke NAME` revokes it; `--list` shows the keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.errors import ApplicationError
from governance.models import Center
from intake.models import PlatformKey
from intake.open311.services import platform_key_create, platform_key_revoke


class Command(BaseCommand):
    help = "创建（打印一次）或吊销 Open311 平台接口密钥。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="平台名称，如 泉州市12345热线")
        parser.add_argument("--center", help="登记到的中心编码（默认第一个区级中心）")
        parser.add_argument("--source", default="", help="外部工单号来源标识（默认同名称；轮换密钥时沿用）")
        parser.add_argument("--revoke", metavar="NAME", help="吊销该名称的密钥")
        parser.add_argument("--list", action="store_true", help="列出密钥（只显示前缀）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for key in PlatformKey.objects.select_related("center").order_by("name"):
                state = f"吊销于 {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "有效"
                self.stdout.write(f"{key.name}\t{key.prefix}…\t{key.source}\t{key.center.code}\t{state}")
            return
        if options["revoke"]:
            if not platform_key_revoke(name=options["revoke"]):
                raise CommandError(f"没有名为“{options['revoke']}”的有效密钥。")
            self.stdout.write(self.style.SUCCESS(f"已吊销“{options['revoke']}”的密钥。"))
            return
        if not options["name"]:
            raise CommandError("请给出平台名称，或使用 --revoke NAME / --list。")
        center = None
        if options["center"]:
            center = Center.objects.filter(code=options["center"]).first()
            if center is None:
                raise CommandError(f"没有编码为 {options['center']} 的中心。")
        try:
            key, raw_key = platform_key_create(name=options["name"], center=center, source=options["source"])
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stderr.write(f"“{key.name}”的密钥（只显示这一次，请妥善交给平台）：")
        self.stdout.write(raw_key)
