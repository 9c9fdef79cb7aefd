"""The Celery application: broker from settings (Redis, or a filesystem broker under var/)."""

from __future__ import annotations

import logging
import os
import threading

from celery import Celery
from celery.signals import after_task_publish, beat_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


HEARTBEAT_TASK = "governance.tasks.heartbeat"


@after_task_publish.connect
def record_beat_heartbeat(sender: str | None = None, **kwargs: object) -> None:
    """Whoever publishes the heartbeat task is beat: note that beat ran, in its own process, after the
    broker took the message (a publish that fails during an outage records nothing, so the status
    page does not show beat "ok" while its tasks go nowhere)."""
    if sender != HEARTBEAT_TASK:
        return
    from django.utils import timezone

    from governance.health import BEAT, heartbeat_record

    try:
        heartbeat_record(component=BEAT, at=timezone.now())
    except Exception:  # a database hiccup must never stop beat from publishing
        import logging

        logging.getLogger(__name__).exception("could not record beat heartbeat")


@beat_init.connect
def send_first_heartbeat(sender: object = None, **kwargs: object) -> None:
    """Do not wait a whole interval after (re)start before the status page sees beat alive."""
    import logging

    from kombu.exceptions import OperationalError

    try:
        app.send_task(HEARTBEAT_TASK, expires=120)
    except OperationalError:  # broker down at start: beat keeps running and publishes when it is back
        logging.getLogger(__name__).warning("broker unavailable; first heartbeat not sent")


def _worker_heartbeats(queues: list[str], interval: float, stop: threading.Event) -> None:
    from django.db import connection
    from django.utils import timezone

    from governance.health import workers_record

    while not stop.is_set():
        try:
            workers_record(queues=queues, at=timezone.now())
        except Exception:  # the database down: the status page shows the worker stale, the loop goes on
            logging.getLogger(__name__).warning("could not record the worker heartbeat", exc_info=True)
        finally:
            connection.close()  # a connection of this thread's own, not kept between beats
        stop.wait(interval)


worker_heartbeat_stop = threading.Event()


@worker_ready.connect
def start_worker_heartbeat(sender: object = None, **kwargs: object) -> None:
    """Each worker process beats for the queues it consumes (`-Q`), from a thread of its own: the status
    page sees a dead sweep or SMS worker within a minute, whatever beat does."""
    from django.conf import settings

    queues_in_use = app.amqp.queues.consume_from or app.amqp.queues
    queues = sorted(queues_in_use.keys())
    threading.Thread(target=_worker_heartbeats, args=(queues, settings.WORKER_HEARTBEAT_SECONDS,
                                                      worker_heartbeat_stop),
                     name="worker-heartbeat", daemon=True).start()


def _survive_restore_without_connection() -> None:
    """kombu 5.7's Redis channel, closing after the broker went away with messages still unacknowledged
    (a task running, others prefetched), tries to push them back through a connection it has already
    dropped and raises AttributeError; Celery only ignores connection errors there, so the worker dies
    instead of reconnecting. Those messages are not lost either way: Redis keeps them in its unacked
    hash and hands them out again after the visibility timeout, and our outbox re-publishes pending
    notifications (`notifications_requeue`). So log and let the worker reconnect."""
    try:
        from kombu.transport import redis as kombu_redis
    except ImportError:  # the redis extra is not installed: nothing to guard
        return
    original = kombu_redis.QoS.restore_unacked
    if getattr(original, "_survives_lost_connection", False):
        return

    def restore_unacked(self, client=None):  # noqa: ANN001, ANN202 (kombu's signature)
        try:
            return original(self, client)
        except AttributeError:
            import logging

            logging.getLogger(__name__).warning(
                "broker connection lost with %s unacknowledged message(s); Redis restores them after the "
                "visibility timeout", len(getattr(self, "_delivered", {}) or {}))
            return None

    restore_unacked._survives_lost_connection = True
    kombu_redis.QoS.restore_unacked = restore_unacked


_survive_restore_without_connection()
