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
        (["manage.py", "runserver", "127.0.0.1:8000", "--noreload"], 0),  # a thread per request: none kept
        (["gunicorn", "governance.wsgi"], 60),  # workers x threads, each keeps one
        (["celery", "-A", "governance", "worker"], 60),
    ],
)
def test_only_bounded_servers_keep_connections(argv, expected, tmp_path):
    assert _conn_max_age(argv, tmp_path) == expected


def test_make_run_serves_the_web_from_a_fixed_number_of_threads():
    """`make run` starts the Procfile: its web process is gunicorn with a fixed pool of threads, so
    the connections it keeps (one per thread) are bounded however many browsers connect."""
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    argv = web.split(":", 1)[1].split()
    assert argv[0] == "gunicorn"
    assert argv[argv.index("--workers") + 1] == "1"  # one process: the development cache is per process
    assert int(argv[argv.index("--threads") + 1]) >= 2
