"""The Celery application: broker from settings (Redis, or a filesystem broker under var/).

Imported by `governance/__init__.py` before the settings load, so it imports no model: the handlers of
Celery's signals that record heartbeats live in `governance.celery_signals`, connected from
`GovernanceConfig.ready()` (Celery's Django fixup sets Django up in the worker and in beat before
`worker_ready` and `beat_init`)."""

from __future__ import annotations

import logging
import os

from celery import Celery
from kombu.transport import redis as kombu_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _survive_restore_without_connection() -> None:
    """kombu 5.7's Redis channel, closing after the broker went away with messages still unacknowledged
    (a task running, others prefetched), tries to push them back through a connection it has already
    dropped and raises AttributeError; Celery only ignores connection errors there, so the worker dies
    instead of reconnecting. Those messages are not lost either way: Redis keeps them in its unacked
    hash and hands them out again after the visibility timeout, and our outbox re-publishes pending
    notifications (`notifications_requeue`). So log and let the worker reconnect."""
    original = kombu_redis.QoS.restore_unacked
    if getattr(original, "_survives_lost_connection", False):
        return

    def restore_unacked(self, client=None):  # noqa: ANN001, ANN202 (kombu's signature)
        try:
            return original(self, client)
        except AttributeError:
            logging.getLogger(__name__).warning(
                "broker connection lost with %s unacknowledged message(s); Redis restores them after the "
                "visibility timeout", len(getattr(self, "_delivered", {}) or {}))
            return None

    restore_unacked._survives_lost_connection = True
    kombu_redis.QoS.restore_unacked = restore_unacked


_survive_restore_without_connection()
