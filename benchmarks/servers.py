"""The benchmark's own servers: gunicorn started as deployed (or with personal data in clear text, for comparison), its processes' CPU time, the database's connections."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(process: subprocess.Popen[bytes], port: int, name: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit(f"bench_intake: {name} did not start within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def server_env(env: dict[str, str]) -> dict[str, str]:
    """The servers' environment. One clerk's token sends every request: the per-user throttle
    (300/minute by default) is raised, not removed, so its counting still costs what it costs."""
    return {**env, "API_THROTTLE_USER": "1000000/minute"}


def start_gunicorn(env: dict[str, str], port: int, *, encrypted: bool = True) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = server_env(env)
    app = ["governance.wsgi:application"] if encrypted else [
        "--pythonpath", str(ROOT / "benchmarks"), "plain_pii_wsgi:application"]
    process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [str(gunicorn), *app, "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--no-control-socket"],
        cwd=ROOT, env=env,
    )
    wait_for_port(process, port, "gunicorn")
    return process


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def connections(database: str) -> int:
    """Connections to the bench database other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                       [database])
        return cursor.fetchone()[0]
