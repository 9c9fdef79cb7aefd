from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from governance.demo import DEMO_PASSWORD, USERS, seed_demo_district


def _app_seeders() -> list[Any]:
    """Each app may add its part of the demo in `<app>/demo.py` as `seed_demo() -> dict[str, int]`,
    run in INSTALLED_APPS order after the district itself (apps depend on governance, not back)."""
    seeders = []
    for config in apps.get_app_configs():
        if config.name == "governance" or not module_has_submodule(config.module, "demo"):
            continue
        module = import_module(f"{config.name}.demo")
        if hasattr(module, "seed_demo"):
            seeders.append(module.seed_demo)
    return seeders


class Command(BaseCommand):
    help = "建立演示辖区（泉州台商投资区）：部门、窗口、镇村网格、轮值与各角色演示账号。重复运行不改变任何数据。"

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            created = seed_demo_district()
            for seeder in _app_seeders():
                for kind, n in seeder().items():
                    created[kind] = created.get(kind, 0) + n
        if sum(created.values()):
            summary = "，".join(f"{kind} {n}" for kind, n in sorted(created.items()) if n)
            self.stdout.write(self.style.SUCCESS(f"演示辖区已建立：新增 {summary}。"))
        else:
            self.stdout.write("演示辖区已存在，未作改动。")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：" + "、".join(u.username for u in USERS))
