"""The Celery application: broker from settings (Redis, or a filesystem broker under var/)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


HEARTBEAT_TASK = "governance.tasks.heartbeat"


@before_task_publish.connect
def record_beat_heartbeat(sender: str | None = None, **kwargs: object) -> None:
    """Whoever publishes the heartbeat task is beat: note that beat ran, in its own process."""
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
    app.send_task(HEARTBEAT_TASK, expires=120)
