"""`manage.py restore PATH`: check a backup's checksums and restore it into a fresh (empty) database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.backup import backup_restore, backup_verify, backups
from governance.errors import ApplicationError


class Command(BaseCommand):
    help = "从备份恢复数据库和上传文件（数据库须为新建的空库）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", help="备份目录（默认最近一份）")
        parser.add_argument("--verify-only", action="store_true", help="只校验，不恢复")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else next(iter(backups()), None)
        if path is None or not path.is_dir():
            raise CommandError("找不到备份目录。")
        try:
            manifest = backup_verify(path) if options["verify_only"] else backup_restore(path)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        verb = "校验通过" if options["verify_only"] else "恢复完成"
        self.stdout.write(self.style.SUCCESS(f"{verb}：{path}（{manifest['created_at']}）"))
