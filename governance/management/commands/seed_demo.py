from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from governance.demo import DEMO_PASSWORD, app_demo_seeders, demo_logins, seed_demo_district


class Command(BaseCommand):
    help = "建立演示辖区（泉州台商投资区）：部门、窗口、镇村网格、轮值与各角色演示账号。重复运行不改变任何数据。"

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            created = seed_demo_district()
            for seeder in app_demo_seeders():
                for kind, n in seeder().items():
                    created[kind] = created.get(kind, 0) + n
        if sum(created.values()):
            summary = "，".join(f"{kind} {n}" for kind, n in sorted(created.items()) if n)
            self.stdout.write(self.style.SUCCESS(f"演示辖区已建立：新增 {summary}。"))
        else:
            self.stdout.write("演示辖区已存在，未作改动。")
        logins = demo_logins()
        self.stdout.write(f"演示账号 {len(logins)} 个（密码均为 {DEMO_PASSWORD}）：")
        for username, name, roles in logins:
            self.stdout.write(f"  {username:<18} {name}（{roles}）")
