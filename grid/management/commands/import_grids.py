from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from grid.importing import ImportRejected, grids_import


class Command(BaseCommand):
    help = ("导入网格树：CSV（UTF-8、带 BOM 的 UTF-8 或 GBK）或 .xlsx，列 code,name,level,parent_code"
            "（可选 population,households,leader）；先校验全部行，有错则一行不写。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV 或 .xlsx 文件")
        parser.add_argument("--boundaries", help="按 properties.code 对应的 GeoJSON 边界文件（可选）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并统计，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        boundaries = None
        if options.get("boundaries"):
            bpath = Path(options["boundaries"])
            if not bpath.is_file():
                raise CommandError(f"找不到边界文件：{bpath}")
            boundaries = bpath.read_bytes()
        show = options["verbosity"] > 0

        def progress(rows: Any) -> Any:
            return tqdm(rows, desc="校验", unit="行", disable=not show, file=self.stderr._out)

        started = time.monotonic()
        try:
            result = grids_import(data=path.read_bytes(), filename=path.name, boundaries_data=boundaries,
                                  dry_run=options["dry_run"], progress=progress)
        except ImportRejected as rejected:
            for line in rejected.errors:
                self.stderr.write(line)
            raise CommandError(f"文件有 {len(rejected.errors)} 处错误，未写入任何数据。") from None
        seconds = time.monotonic() - started
        verb = "校验通过（试运行，未写入）" if result.dry_run else "导入完成"
        self.stdout.write(self.style.SUCCESS(
            f"{verb}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
            f"跳过省市行 {result.skipped}，生成编码 {result.codes_generated}，网格长 {result.leaders}；"
            f"用时 {seconds:.1f} 秒。"))
