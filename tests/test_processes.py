"""A live test's server ends with the test process, even when that process is killed (tests/processes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.processes import own_session_ending_with_parent

PARENT = """
import subprocess, sys, time
from tests.processes import own_session_ending_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                         preexec_fn=own_session_ending_with_parent)
print(child.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by init) is as good as ended
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_server_started_by_a_killed_test_process_is_stopped() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert os.getsid(child) == child  # a session of its own: one killpg stops it with its children
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)  # no finalizer, no atexit
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the server outlived the killed test process"


def test_the_session_only_is_kept_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(os, "setsid", lambda: calls.append("setsid"))
    own_session_ending_with_parent()
    assert calls == ["setsid"]
