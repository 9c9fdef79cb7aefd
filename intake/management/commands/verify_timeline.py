"""Verify the timeline's hash chain: `manage.py verify_timeline [--case CODE ...]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from intake.models import Case
from intake.services.timeline import chain_break_describe, timeline_check_matters, timeline_check_run


class Command(BaseCommand):
    help = "核验事项时间线的摘要链：列出每件被改动事项的第一个断点（有断点时退出码为 1）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--case", action="append", default=[], metavar="CODE",
                            help="只核验这件事项（可重复）；不给则核验全部并记录结果供状态页显示")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["case"]:
            found = dict(Case.objects.filter(code__in=options["case"]).values_list("code", "pk"))
            missing = [code for code in options["case"] if code not in found]
            if missing:
                raise CommandError(f"没有这些事项：{'、'.join(missing)}")
            case_ids = list(found.values())
            matters, events, breaks = timeline_check_matters(case_ids=case_ids)
            broken = len(breaks)
        else:
            check = timeline_check_run(now=timezone.now())
            matters, events, breaks, broken = check.matters, check.events, check.breaks, check.broken
        for row in breaks:
            self.stdout.write(f"{row['code']}\t{chain_break_describe(kind=row['kind'], event_id=row['event_id'])}")
        if broken > len(breaks):
            self.stdout.write(f"……另有 {broken - len(breaks)} 件")
        summary = f"已核验 {matters} 件事项、{events} 个事件"
        if broken:
            raise CommandError(f"{summary}：{broken} 件事项的时间线被改动")
        self.stdout.write(self.style.SUCCESS(f"{summary}：摘要链完整"))
