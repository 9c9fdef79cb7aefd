"""How a service queues a Celery task: by the task's registered name, so that a service never
imports a `tasks` module. Tasks import services and services import this module, which imports
no service: the dependency runs one way (tests/test_import_rules.py checks there is no cycle)."""

from __future__ import annotations

from typing import Any

from celery import current_app
from celery.result import AsyncResult


def enqueue(task_name: str, /, *args: Any, **options: Any) -> AsyncResult:
    """`apply_async` of the task registered as `task_name` with positional `args` and Celery's
    options (`priority`, `countdown`…); run at once where tasks are eager (tests,
    CELERY_TASK_ALWAYS_EAGER), like a direct call. Raises the broker's error when it is
    unreachable: the caller keeps the work in its outbox or job row."""
    if task_name not in current_app.tasks:
        # A web process has not imported the apps' tasks modules (a worker has): load them once,
        # so that the task is known by name, eager where configured, routed by its own options.
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name].apply_async(args=args, **options)
