"""`python manage.py seed_scale --matters 1000000`: a realistic 12-month history for benchmarks and demos."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from governance.choices import CenterLevel
from governance.models import Center
from review.scale import ScaleError, load, world_for


class Command(BaseCommand):
    help = "为基准测试和演示生成近 12 个月的事项历史（渠道、类别、网格、交办、签收、延期、退回、回访、召集）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--matters", type=int, required=True, help="事项件数，如 1000000")
        parser.add_argument("--months", type=int, default=12, help="覆盖的月数（到今天为止），默认 12")
        parser.add_argument("--district", default="", help="区级中心编码，默认第一个区级中心")
        parser.add_argument("--seed", type=int, default=42, help="随机种子（同一种子不能重复生成）")
        parser.add_argument("--batch", type=int, default=100_000, help="每批写入的事项数（进度条每批前进一次）")

    def handle(self, *args: Any, **options: Any) -> None:
        matters, months = options["matters"], options["months"]
        if not 1 <= matters <= 20_000_000:
            raise CommandError("--matters 应在 1 到 20000000 之间。")
        if not 1 <= months <= 60:
            raise CommandError("--months 应在 1 到 60 之间。")
        districts = Center.objects.filter(level=CenterLevel.DISTRICT, active=True).order_by("pk")
        district = districts.filter(code=options["district"]).first() if options["district"] else districts.first()
        if district is None:
            raise CommandError("没有找到区级中心：请先运行 python manage.py seed_demo。")
        try:
            world = world_for(district)
        except ScaleError as exc:
            raise CommandError(str(exc)) from exc
        now = timezone.now()
        start = now - dt.timedelta(days=round(months * 30.44))
        bar = tqdm(total=matters, unit=" 件", unit_scale=True, desc="生成事项", file=self.stderr._out)
        try:
            result = load(world=world, matters=matters, start=start, end=now, now=now, seed=options["seed"],
                          batch_size=max(1000, options["batch"]), progress=bar.update)
        except ScaleError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        total = result.seconds_loading + result.seconds_indexing + result.seconds_sealing
        self.stdout.write(self.style.SUCCESS(
            f"{district.name}：生成事项 {result.matters:,} 件（共 {result.rows:,} 行，召集 {result.summonses:,} 次），"
            f"写入 {result.seconds_loading:.1f} 秒（{result.matters / max(result.seconds_loading, 1e-9):,.0f} 件/秒），"
            f"时间线摘要链 {result.seconds_sealing:.1f} 秒，连同重建索引共 {total:.1f} 秒（{result.matters / max(total, 1e-9):,.0f} 件/秒，{connection.vendor}）。"))
