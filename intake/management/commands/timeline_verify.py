"""The auditor's check of the timeline's hash chain: every matter, or the ones named."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.chain import chain_verify
from intake.models import Case


class Command(BaseCommand):
    help = "核验事项时间线的防篡改哈希链（全部事项，或指定编号）；有断裂时列出并以非零状态退出。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="事项编号（省略则核验全部）")

    def handle(self, *args: Any, codes: list[str], **options: Any) -> None:
        case_ids = list(Case.objects.filter(code__in=codes).values_list("pk", flat=True)) if codes else None
        broken = chain_verify(case_ids=case_ids)
        for link in broken:
            self.stdout.write(f"断裂 {link.case_code}：事件 #{link.event_id}（{link.reason}）")
        if broken:
            raise CommandError(f"{len(broken)} 个事项的时间线链断裂。")
        self.stdout.write("时间线链完整。")
