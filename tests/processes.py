"""The live tests' own servers (Celery worker and beat, gunicorn, a private redis-server) end with the
test process that started them.

Each runs in a session of its own, so that one `killpg` stops it with its children (the worker's pool,
gunicorn's workers); but a session of its own also escapes the process group `.ci/run` kills when a step
fails, and a finalizer does not run when pytest itself is killed. An orphaned worker then goes on
consuming its lane's broker and database and fails the next run's live tests. The kernel's parent-death
signal closes that gap: the server is sent SIGTERM when the process that started it ends, however it ends.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def own_session_ending_with_parent() -> None:
    """`preexec_fn` for `subprocess.Popen` (in place of `start_new_session=True`): a new session, and
    SIGTERM when the starting process ends (Linux; elsewhere only the new session)."""
    os.setsid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
