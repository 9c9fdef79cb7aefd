from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.models import Grid
from grid.exporting import grids_export_csv


class Command(BaseCommand):
    help = "导出网格树（与 import_grids 相同的列，UTF-8 带 BOM，Excel 可直接打开）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="输出文件；省略则写到标准输出")
        parser.add_argument("--root", help="只导出此编码的网格及其下级")

    def handle(self, *args: Any, **options: Any) -> None:
        root = None
        if options.get("root"):
            root = Grid.objects.filter(code=options["root"]).first()
            if root is None:
                raise CommandError(f"没有编码为 {options['root']} 的网格。")
        if options.get("file"):
            with Path(options["file"]).open("w", encoding="utf-8-sig", newline="") as out:
                count = grids_export_csv(out, root=root)
            self.stderr.write(f"已导出 {count} 个网格到 {options['file']}。")
        else:
            grids_export_csv(sys.stdout, root=root)
