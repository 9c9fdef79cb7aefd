"""Running something from several threads at the same moment, as two workers or two requests would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


def at_once(call: Callable[[int], T], times: int, *, timeout: float = 60) -> list[T]:
    """`call(n)` for n in 0..times-1, each in its own thread, released together; each thread closes
    its database connections. The results in the order the calls finished; the first exception a
    call raised is raised here."""
    barrier = threading.Barrier(times)
    results: list[T] = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            results.append(call(n))
        except BaseException as error:  # noqa: BLE001 - raised in the caller's thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results
