"""Start-up guard: configuration mistakes become one clear line on stderr and exit code 2."""

from __future__ import annotations

import sys

import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import execute_from_command_line
from django.db import OperationalError, connection

# Commands that need the database: check it is reachable before doing anything.
DATABASE_COMMANDS = {"migrate", "runserver", "seed_demo", "createsuperuser", "open311_key"}


def explain_database_error(exc: BaseException) -> str:
    db = settings.DATABASES["default"]
    where = db.get("HOST") or db.get("NAME")
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return f"无法连接数据库 {db['ENGINE'].rsplit('.', 1)[-1]}（{where}）：{first_line}。请检查 DATABASE_URL。"


def check_database() -> None:
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        raise ImproperlyConfigured(explain_database_error(exc)) from None


def run_management_command(argv: list[str]) -> int:
    try:
        django.setup()
        if len(argv) > 1 and argv[1] in DATABASE_COMMANDS:
            check_database()
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    return 0
