"""make run's web process under a burst (1,000 requests from 16 clients): how many PostgreSQL connections it holds during and after, against the bound its threads set."""

from __future__ import annotations

import collections
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    Row,
)
from million import bench_people  # noqa: E402
from servers import (  # noqa: E402
    connections,
    free_port,
    server_env,
    stop,
    wait_for_port,
)


def _make_run_web(port: int) -> list[str]:
    """The web process `make run` starts: the Procfile's `web:` line, on `port`."""
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    argv = web.split(":", 1)[1].replace("$PORT", str(port)).split()
    argv[0] = str(Path(sys.executable).parent / argv[0])  # the virtualenv's gunicorn, as honcho finds it
    return argv


def bench_make_run_connections(env: dict[str, str], *, requests_count: int = 1000, clients: int = 16) -> Row:
    """`make run`'s web process on PostgreSQL: the connections it holds during and after a burst from
    more clients than it has threads (bounded by its threads, nothing leaked)."""
    import requests
    from django.db import connection

    _district, _clerk, token = bench_people()
    database = connection.settings_dict["NAME"]
    port = free_port()
    argv = _make_run_web(port)
    threads = int(argv[argv.index("--threads") + 1]) * int(argv[argv.index("--workers") + 1])
    process = subprocess.Popen(  # noqa: S603 - our own Procfile's command
        argv, cwd=ROOT, env={**server_env(env), "DEBUG": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(process, port, "make run's web process")
        before = connections(database)
        counter = iter(range(requests_count))
        lock = threading.Lock()
        statuses: list[int] = []

        def client() -> None:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                # A new HTTP connection each time, as browsers open several.
                try:
                    response = requests.get(f"http://127.0.0.1:{port}/api/intake/cases/?page_size=1",
                                            headers={"Authorization": f"Token {token}"}, timeout=60)
                except requests.RequestException:
                    statuses.append(0)
                    continue
                statuses.append(response.status_code)

        workers = [threading.Thread(target=client) for _ in range(clients)]
        for worker in workers:
            worker.start()
        peak = 0
        while any(worker.is_alive() for worker in workers):
            peak = max(peak, connections(database) - before)
            time.sleep(0.2)
        for worker in workers:
            worker.join()
        time.sleep(1)
        left = connections(database) - before
    finally:
        stop(process)
    ok = sum(1 for status in statuses if status == 200)
    if ok < requests_count:
        print(f"    answers other than 200 (0: no answer): {dict(collections.Counter(s for s in statuses if s != 200))}")
    print(f"(c) make run's web process ({' '.join(argv[1:])}) on PostgreSQL: {ok}/{requests_count} requests "
          f"answered 200 from {clients} clients; at most {peak} database connections during the burst, "
          f"{left} still open a second later (kept by its {threads} threads for reuse)")
    return Row(f"`make run` web process: connections during and after {requests_count:,} requests from {clients} "
               f"clients", f"at most {peak} during, {left} after",
               f"at most {threads} (its threads) during and after, every request answered",
               max(peak, left) <= threads and ok == requests_count)
