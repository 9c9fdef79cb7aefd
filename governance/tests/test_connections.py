"""Connections stay bounded: runserver (a thread per request) keeps none; bounded servers reuse theirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_AGE = (
    "import sys; sys.argv = {argv!r}; import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'governance.settings'; "
    "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
)


def _conn_max_age(argv: list[str], tmp_path: Path) -> int:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    result = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", PRINT_AGE.format(argv=argv)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
        env={**clean, "DEBUG": "1", "VAR_DIR": str(tmp_path),
             "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"},
    )
    return int(result.stdout.strip())


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["manage.py", "runserver", "127.0.0.1:8000", "--noreload"], 0),  # `make run`: no persistent connection
        (["gunicorn", "governance.wsgi"], 60),  # workers x threads, each keeps one
        (["celery", "-A", "governance", "worker"], 60),
    ],
)
def test_only_bounded_servers_keep_connections(argv, expected, tmp_path):
    assert _conn_max_age(argv, tmp_path) == expected
