"""Heartbeats on Celery's signals, for the status page: beat records publishing its heartbeat task and
sends the first one at start; each worker process beats for its queues from a thread of its own.
Imported by `GovernanceConfig.ready()` (the handlers read the models, which `governance.celery`,
loaded before the settings, cannot import)."""

from __future__ import annotations

import logging
import threading

from celery.signals import after_task_publish, beat_init, worker_ready
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from governance.celery import app
from governance.health import BEAT, heartbeat_record, workers_record

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "governance.tasks.heartbeat"


@after_task_publish.connect
def record_beat_heartbeat(sender: str | None = None, **kwargs: object) -> None:
    """Whoever publishes the heartbeat task is beat: note that beat ran, in its own process, after the
    broker took the message (a publish that fails during an outage records nothing, so the status
    page does not show beat "ok" while its tasks go nowhere)."""
    if sender != HEARTBEAT_TASK:
        return
    try:
        heartbeat_record(component=BEAT, at=timezone.now())
    except Exception:  # a database hiccup must never stop beat from publishing
        logger.exception("could not record beat heartbeat")


@beat_init.connect
def send_first_heartbeat(sender: object = None, **kwargs: object) -> None:
    """Do not wait a whole interval after (re)start before the status page sees beat alive."""
    try:
        app.send_task(HEARTBEAT_TASK, expires=120)
    except OperationalError:  # broker down at start: beat keeps running and publishes when it is back
        logger.warning("broker unavailable; first heartbeat not sent")


def _worker_heartbeats(queues: list[str], interval: float, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            workers_record(queues=queues, at=timezone.now())
        except Exception:  # the database down: the status page shows the worker stale, the loop goes on
            logger.warning("could not record the worker heartbeat", exc_info=True)
        finally:
            connection.close()  # a connection of this thread's own, not kept between beats
        stop.wait(interval)


worker_heartbeat_stop = threading.Event()


@worker_ready.connect
def start_worker_heartbeat(sender: object = None, **kwargs: object) -> None:
    """Each worker process beats for the queues it consumes (`-Q`), from a thread of its own: the status
    page sees a dead sweep or SMS worker within a minute, whatever beat does."""
    queues_in_use = app.amqp.queues.consume_from or app.amqp.queues
    queues = sorted(queues_in_use.keys())
    threading.Thread(target=_worker_heartbeats, args=(queues, settings.WORKER_HEARTBEAT_SECONDS,
                                                      worker_heartbeat_stop),
                     name="worker-heartbeat", daemon=True).start()
