"""/healthz and the status page: database, broker, and when worker and beat last ran."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.signals import after_task_publish
from django.utils import timezone

from governance.celery_signals import HEARTBEAT_TASK
from governance.health import BEAT, heartbeat_record, system_health, worker_component, workers_record
from governance.roles import Role
from governance.tasks import heartbeat
from governance.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _workers_alive(at):
    from django.conf import settings

    workers_record(queues=settings.BROKER_QUEUES, at=at)


@pytest.fixture
def client(client):
    """The checks of /healthz are for staff who may see the status page (issue 24 item 7)."""
    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    return client


def test_anyone_gets_only_ok_or_not_ok():
    """Issue 24 item 7: /healthz named the database vendor and the Redis host and port to anyone."""
    from django.test import Client

    anonymous = Client()
    response = anonymous.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "degraded"}
    _workers_alive(timezone.now())
    heartbeat_record(component=BEAT, at=timezone.now())
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    clerk = Client()
    clerk.force_login(UserFactory(roles=[Role.WINDOW_CLERK]))
    assert clerk.get("/healthz").json() == {"status": "ok"}


def test_healthz_degraded_before_any_heartbeat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    worker = body["checks"]["worker"]
    assert worker["ok"] is False and worker["stopped"] == ["sweep", "urgent", "deliveries", "default"]
    assert worker["queues"]["sweep"] == {"ok": False, "last_seen": None, "age_seconds": None}


def test_healthz_ok_with_every_queue_s_worker_and_beat(client):
    # Publishing the task is what beat does (the signal records it)
    after_task_publish.send(sender=HEARTBEAT_TASK, body=(), exchange="", routing_key="celery", headers={})
    assert client.get("/healthz").json()["checks"]["beat"]["ok"] is True
    heartbeat.apply_async()
    assert client.get("/healthz").json()["checks"]["worker"]["ok"] is False  # the workers beat by themselves
    _workers_alive(timezone.now())
    body = client.get("/healthz").json()
    assert body["checks"]["worker"]["ok"] and body["checks"]["beat"]["ok"]
    assert body["status"] == "ok"


def test_a_dead_sweep_worker_shows_within_a_minute_and_a_dead_beat_is_only_beat(settings, client):
    """Issue 28 point 0d: each queue's worker has its own heartbeat; a dead beat does not mark the
    workers dead; /livez (the load balancer's) stays 200 whatever the workers do."""
    now = timezone.now()
    _workers_alive(now)
    heartbeat_record(component=BEAT, at=now - dt.timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS + 5))
    report = system_health(now=now)
    assert report["checks"]["worker"]["ok"] is True  # beat dead: only beat is red
    assert report["checks"]["beat"]["ok"] is False and report["status"] == "degraded"
    heartbeat_record(component=BEAT, at=now)
    stale = now - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS + 1)
    heartbeat_record(component=worker_component("sweep"), at=stale)
    report = system_health(now=now)
    assert report["checks"]["worker"]["stopped"] == ["sweep"]
    assert report["checks"]["worker"]["queues"]["urgent"]["ok"] is True
    assert report["status"] == "degraded"
    assert client.get("/livez").status_code == 200


@pytest.mark.django_db(transaction=True)  # the loop closes its connection after each beat
def test_a_worker_process_beats_for_its_queues_from_a_thread_of_its_own(settings):
    from governance.celery_signals import _worker_heartbeats

    class OneBeat:
        """The thread's stop event, set after the first beat (no waiting, no timing)."""

        checks = 0

        def is_set(self) -> bool:
            self.checks += 1
            return self.checks > 1

        def wait(self, seconds: float) -> None:
            assert seconds == settings.WORKER_HEARTBEAT_SECONDS

    _worker_heartbeats(["sweep", "urgent"], settings.WORKER_HEARTBEAT_SECONDS, OneBeat())
    assert system_health()["checks"]["worker"]["stopped"] == ["deliveries", "default"]


def test_healthz_with_the_broker_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    _workers_alive(timezone.now())
    heartbeat_record(component=BEAT, at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False and broker["host"] == "127.0.0.1:1" and broker["error"]
    # the status page's headline names what fails, not a guess
    assert "异常：消息队列，请立即处理" in client.get("/org/status/").content.decode()


def test_healthz_with_an_unwritable_filesystem_broker(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    assert client.get("/healthz").json()["checks"]["broker"]["ok"] is False


def test_status_page_for_administrators_only(client):
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    clerk = UserFactory(roles=[Role.WINDOW_CLERK])
    client.force_login(clerk)
    assert client.get("/org/status/").status_code == 403
    client.force_login(admin)
    page = client.get("/org/status/").content.decode()
    assert "后台任务（worker）" in page and "定时调度（beat）" in page
    assert "已停止或未启动" in page  # no heartbeat yet: the operator sees it at once
    assert all(f'data-testid="worker-{queue}"' in page for queue in ("sweep", "urgent", "deliveries", "default"))


def test_publishing_another_task_is_not_a_beat_heartbeat(client):
    after_task_publish.send(sender="other.task", body=(), exchange="", routing_key="celery", headers={})
    assert client.get("/healthz").json()["checks"]["beat"]["ok"] is False


def test_registered_checks_show_on_the_status_page_and_degrade_healthz(client, monkeypatch):
    from governance import health

    def failing(*, now):
        return {"时限督办": {"ok": False, "message": "有 3 个时限节点到期超过 5 分钟仍未执行。"}}

    monkeypatch.setattr(health, "_EXTRA_CHECKS", [failing])
    _workers_alive(timezone.now())
    heartbeat_record(component=BEAT, at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["extra_checks"]["时限督办"]["ok"] is False
    client.force_login(UserFactory(roles=[Role.COMMANDER]))
    page = client.get("/org/status/").content.decode()
    assert "有 3 个时限节点到期超过 5 分钟仍未执行" in page and "异常：时限督办，请立即处理" in page


def test_a_failed_heartbeat_publish_records_no_beat_heartbeat(client, monkeypatch):
    """Beat's heartbeat is recorded after the broker took the message: during an outage the status
    page must not show beat "ok" while its tasks go nowhere."""
    from kombu.exceptions import OperationalError
    from kombu.messaging import Producer

    from governance.celery import app

    def refuse(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(Producer, "publish", refuse)
    with pytest.raises(OperationalError):
        app.send_task(HEARTBEAT_TASK, expires=120, retry=False)
    assert client.get("/healthz").json()["checks"]["beat"]["ok"] is False


def test_a_soft_failure_is_recovering_amber_and_healthz_stays_200(client, monkeypatch):
    """After an outage the lag shows for a while although everything works again: /healthz says
    "recovering" with 200 (the load balancer keeps the web), the status page is amber."""
    from governance import health

    def lagging(*, now):
        return {"执行延迟": {"ok": False, "soft": True, "message": "最近 15 分钟超过 1 分钟"}}

    monkeypatch.setattr(health, "_EXTRA_CHECKS", [lagging])
    _workers_alive(timezone.now())
    heartbeat_record(component=BEAT, at=timezone.now())
    response = client.get("/healthz")
    assert (response.status_code, response.json()["status"]) == (200, "recovering")
    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    page = client.get("/org/status/").content.decode()
    assert "正在恢复" in page and "status-warn" in page


def test_livez_answers_while_the_center_is_degraded(client):
    assert client.get("/healthz").status_code == 503  # no worker heartbeat
    response = client.get("/livez")
    assert response.status_code == 200 and response.json()["database"]["ok"] is True


def test_a_stale_job_lease_shows_as_recovering(client):
    from governance.models import JobLease

    _workers_alive(timezone.now())
    heartbeat_record(component=BEAT, at=timezone.now())
    JobLease.objects.create(key="report-export:1", token="t", state="running",
                            heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    body = client.get("/healthz").json()
    assert body["extra_checks"]["后台长任务"]["ok"] is False
    assert "report-export:1" in body["extra_checks"]["后台长任务"]["message"]
