"""`manage.py backup`: the database and the uploaded files into BACKUP_DIR, with a manifest of checksums."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from governance.backup import backup_create


class Command(BaseCommand):
    help = "备份数据库和上传文件（BACKUP_DIR，保留 BACKUP_KEEP 份）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--keep", type=int, default=None, help="保留份数（默认 BACKUP_KEEP）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = backup_create(keep=options["keep"])
        self.stdout.write(self.style.SUCCESS(f"备份完成：{path}"))
