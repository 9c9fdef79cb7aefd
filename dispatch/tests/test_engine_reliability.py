"""The deadline engine never loses an escalation (issue 9): the fired mark and its messages in one
transaction (the outbox), the auditor that checks them, dead sweep runs, the lag, set-wise batches
with a bounded number of queries, and a broker outage that never fails a committed action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from dispatch import hooks
from dispatch import services as svc
from dispatch.choices import DeliveryStatus, NotificationChannel, StepKind
from dispatch.middleware import QUEUED_HEADER
from dispatch.models import AuditAlarm, DeadlineStep, Notification, SweepRun
from dispatch.services import delivery, engine, engine_audit, notifications
from dispatch.tasks import notifications_requeue
from dispatch.tests.factories_work import World, at
from governance.tests.factories import UserFactory
from intake.choices import HandlingMode

pytestmark = pytest.mark.django_db

LOCMEM_SMS = "dispatch.sms.LocmemSMSBackend"


@pytest.fixture
def world():
    return World()


def dispatch(world, *, now, department=None):
    (assignment,) = svc.case_dispatch(actor=world.dispatcher, case=world.case(), mode=HandlingMode.TRANSFER,
                                      lead_department=department or world.police, now=now)
    return assignment


def overdue_steps():
    """The assignments' overdue steps (not the matters' clocks, such as the explanation call)."""
    return DeadlineStep.objects.filter(kind=StepKind.OVERDUE, assignment__isnull=False)


def test_kill_after_commit_loses_nothing(world, settings, sms_outbox, django_capture_on_commit_callbacks):
    """The process dies right after a batch commits, before it publishes any delivery: the fired
    marks and every message row are already stored; beat's requeue delivers the SMS, once."""
    settings.SMS_BACKEND = LOCMEM_SMS
    for _ in range(3):
        dispatch(world, now=at(2025, 11, 3, 9, 0))
    later = at(2025, 11, 20, 9, 0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the kill: no callback runs
        result = svc.deadline_sweep(now=later)
    assert result.fired and callbacks
    fired = DeadlineStep.objects.filter(outcome="fired")
    assert fired.count() == result.fired
    for step in fired.filter(message_count__gt=0):
        assert step.notifications.count() == step.message_count
    sms = Notification.objects.filter(channel=NotificationChannel.SMS)
    assert sms.exists() and set(sms.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert engine_audit.deadline_steps_without_messages(now=later) == 0
    # Nothing reported healthy while SMS wait undelivered too long.
    assert svc.deadline_engine_checks(now=later + dt.timedelta(minutes=11))["消息投递"]["ok"] is False
    with django_capture_on_commit_callbacks(execute=True):
        requeued = svc.notification_requeue_stale(now=later + dt.timedelta(minutes=3),
                                                  older_than=dt.timedelta(minutes=2))
    assert sorted(requeued) == sorted(sms.values_list("pk", flat=True))
    sent = sms.filter(status=DeliveryStatus.SENT)
    # Every row is settled: sent, or abandoned for a recipient without a phone number.
    assert not sms.exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.ABANDONED]).exists()
    assert sent.exists() and len(sms_outbox) == sent.count()
    with django_capture_on_commit_callbacks(execute=True):
        svc.notification_requeue_stale(now=later + dt.timedelta(minutes=6))
    assert len(sms_outbox) == sent.count()  # exactly once
    assert svc.deadline_engine_checks(now=later + dt.timedelta(minutes=11))["消息投递"]["ok"] is True


def test_crash_inside_a_batch_rolls_back_marks_and_messages_together(world, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    for _ in range(2):
        dispatch(world, now=at(2025, 11, 3, 9, 0))
    later = at(2025, 11, 20, 9, 0)

    def broken(**kwargs):
        raise RuntimeError("worker lost its database connection")

    monkeypatch.setattr(engine, "notification_send_many", broken)
    with pytest.raises(RuntimeError):
        svc.deadline_sweep(now=later)
    assert not DeadlineStep.objects.filter(fired_at__isnull=False, outcome="fired").exists()
    assert not Notification.objects.filter(kind="assignment.overdue").exists()
    run = SweepRun.objects.get()
    assert run.status == SweepRun.Status.FAILED and "RuntimeError" in run.error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        again = svc.deadline_sweep(now=later)
    assert again.kinds[StepKind.OVERDUE] == 2
    assert Notification.objects.filter(kind="assignment.overdue", channel=NotificationChannel.IN_APP,
                                       recipient=world.police.liaison).count() == 2


def test_auditor_catches_a_fired_step_without_its_messages(world, django_capture_on_commit_callbacks):
    dispatch(world, now=at(2025, 11, 3, 9, 0))
    later = at(2025, 11, 20, 9, 0)
    with django_capture_on_commit_callbacks(execute=True):
        svc.deadline_sweep(now=later)
    assert svc.deadline_audit(now=later) is None
    # Forced: the messages of a fired escalation disappear (what the old after-commit write allowed).
    step = overdue_steps().get()
    assert step.message_count >= 2
    Notification.objects.filter(step=step).delete()
    alarm = svc.deadline_audit(now=later)
    assert alarm is not None and alarm.kind == engine_audit.LOST_ALARM_KIND and alarm.missed == 1
    check = svc.deadline_engine_checks(now=later)["时限督办"]
    assert check["ok"] is False and check["without_messages"] == 1


def test_auditor_closes_a_dead_sweep_run_as_failed(world):
    now = at(2025, 11, 20, 9, 0)
    old = SweepRun.objects.create(started_at=now - dt.timedelta(days=8), status=SweepRun.Status.FINISHED)
    dead = SweepRun.objects.create(started_at=now - dt.timedelta(minutes=30))
    fresh = SweepRun.objects.create(started_at=now - dt.timedelta(minutes=1))
    svc.deadline_audit(now=now)
    dead.refresh_from_db()
    fresh.refresh_from_db()
    assert (dead.status, dead.finished_at) == (SweepRun.Status.FAILED, now)
    assert fresh.status == SweepRun.Status.RUNNING
    assert not SweepRun.objects.filter(pk=old.pk).exists()  # a week of finished runs is kept
    assert "中断" in svc.deadline_engine_checks(now=now)["时限督办"]["message"]


def test_each_fired_step_records_its_lag_and_the_status_shows_the_worst_of_the_day(
        world, django_capture_on_commit_callbacks):
    assignment = dispatch(world, now=at(2025, 11, 3, 9, 0))
    svc.assignment_acknowledge(actor=world.police.liaison, assignment=assignment, now=at(2025, 11, 3, 9, 5))
    when = assignment.due_at + dt.timedelta(seconds=40)
    with django_capture_on_commit_callbacks(execute=True):
        svc.deadline_sweep(now=when)
    step = overdue_steps().get()
    assert dt.timedelta(seconds=40) <= step.lag < dt.timedelta(seconds=45)
    check = svc.deadline_engine_checks(now=when)["执行延迟"]
    assert check["worst_lag_seconds"] >= 40 and "最大延迟" in check["message"]
    assert engine_audit.deadline_lag_today(now=when)["fired_today"] >= 1
    run = SweepRun.objects.get(fired_at=when)
    assert run.worst_lag >= step.lag  # and the other steps it fired (the reminder before the deadline)


def test_the_day_s_lag_is_read_from_the_sweep_runs_not_from_the_steps():
    """Today's runs only (local day), the worst of the day and of the last 15 minutes, fired and skipped
    steps counted; a run still going counts what it has recorded."""
    now = at(2025, 11, 3, 15, 0)
    minute = dt.timedelta(minutes=1)
    SweepRun.objects.bulk_create([
        SweepRun(started_at=now, fired_at=at(2025, 11, 2, 23, 59), fired=50, worst_lag=dt.timedelta(minutes=30)),
        SweepRun(started_at=now, fired_at=at(2025, 11, 3, 0, 1), fired=7, skipped=3, worst_lag=dt.timedelta(seconds=90)),
        SweepRun(started_at=now, fired_at=now - 20 * minute, fired=2, worst_lag=dt.timedelta(seconds=100)),
        SweepRun(started_at=now, fired_at=now - 5 * minute, fired=4, worst_lag=dt.timedelta(seconds=3)),
        SweepRun(started_at=now, fired_at=now - 4 * minute),  # nothing due
        SweepRun(started_at=now, fired_at=now + minute, fired=9, worst_lag=dt.timedelta(hours=1)),  # after `now`
    ])
    assert engine_audit.deadline_lag_today(now=now) == {
        "fired_today": 16, "worst_lag_seconds": 100.0, "recent_worst_lag_seconds": 3.0}
    assert engine_audit.deadline_lag_today(now=at(2025, 11, 4, 0, 0)) == {
        "fired_today": 0, "worst_lag_seconds": None, "recent_worst_lag_seconds": None}


def test_a_late_sweep_is_reported(world, django_capture_on_commit_callbacks):
    assignment = dispatch(world, now=at(2025, 11, 3, 9, 0))
    when = assignment.due_at + dt.timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        svc.deadline_sweep(now=when)
    check = svc.deadline_engine_checks(now=when)["执行延迟"]
    assert check["ok"] is False and "超过 1 分钟" in check["message"]


@pytest.fixture
def ladder_later(monkeypatch):
    """The accountability ladder's steps (the hook `assignments_overdue`, review's) are read and stored
    with the batch as always, but a year later: the batch measured is the assignments' own, not the
    ladder's rungs firing in a second batch of the same sweep."""
    real = hooks.assignments_overdue._implementation

    def later(**kwargs):
        steps = real(**kwargs)
        for step in steps:
            step.due_at += dt.timedelta(days=365)
        return steps

    monkeypatch.setattr(hooks.assignments_overdue, "_implementation", later)


def _sweep_queries(world, count, *, department, now):
    for _ in range(count):
        dispatch(world, now=at(2025, 11, 3, 9, 0), department=department)
    with CaptureQueriesContext(connection) as queries:
        result = svc.deadline_sweep(now=now, batch_size=1000)
    statements = _unsplit([query["sql"] for query in queries.captured_queries])
    # SQLite caps the variables of one statement, so Django splits a large bulk insert there.
    inserts = [sql for sql in statements if sql.startswith(("INSERT INTO \"dispatch_notification\"",
                                                            "INSERT OR IGNORE INTO \"dispatch_notification\""))]
    # Likewise the new steps (the accountability ladder's six per overdue assignment).
    steps = [sql for sql in statements if sql.startswith('INSERT INTO "dispatch_deadlinestep"')]
    return result, len(statements) - len(inserts) - len(steps[1:]), len(inserts)


def test_the_sweep_runs_a_bounded_number_of_queries_per_batch(world, django_capture_on_commit_callbacks,
                                                               ladder_later):
    """Counts, not times: a batch of 4 due assignments and one of 20 (each department reaching its
    工作提示函) cost the same statements."""
    with django_capture_on_commit_callbacks(execute=False):
        small, few, _ = _sweep_queries(world, 4, department=world.zgj, now=at(2025, 11, 20, 9, 0))
        large, many, inserts = _sweep_queries(world, 20, department=world.police, now=at(2025, 11, 21, 9, 0))
    assert small.batches == large.batches == 1
    assert large.kinds[StepKind.OVERDUE] == 20 and small.kinds[StepKind.OVERDUE] == 4
    # 25: the timeline's hash chain reads the matters' last events in one query (and on PostgreSQL
    # locks the matters' rows first: one more); the explanation calls read the matters, the center's
    # working calendar (once per sweep) and insert their clocks' steps; and the leaders following the
    # batch's matters are read once for its events of note (review's `events_recorded` hook, 领导关注).
    # The accountability ladder's steps add the year's scheme (one read) to their insert.
    assert many == few <= (27 if connection.vendor == "postgresql" else 26)
    if connection.vendor == "postgresql":
        assert inserts == 1


def test_delivery_is_published_in_batches_with_summons_first(world, monkeypatch):
    published = []

    def recorder(task_name, ids, priority, countdown=None, queue="deliveries"):
        assert task_name == "dispatch.tasks.notification_deliver_batch"
        published.append((len(ids), priority, queue))

    monkeypatch.setattr(delivery, "enqueue", recorder)
    rows = [(n, delivery.PRIORITY_BULK) for n in range(23)] + [(100, delivery.PRIORITY_URGENT)]
    assert delivery.notification_publish(rows) == 4
    # the summons row first, alone, on the urgent queue; the rest in batches of 10 on `deliveries`
    assert published == [(1, 0, "urgent"), (10, 6, "deliveries"), (10, 6, "deliveries"), (3, 6, "deliveries")]
    assert notifications.priority_for("summons.approved") == delivery.PRIORITY_URGENT
    assert notifications.priority_for("assignment.reminded") == delivery.PRIORITY_NORMAL


def test_a_batch_delivers_each_row_once(world, settings, sms_outbox):
    settings.SMS_BACKEND = LOCMEM_SMS
    people = [UserFactory(profile={"phone": f"1380000000{n}"}) for n in range(2)]
    rows = notifications.notification_send(recipients=people, kind="x.y",
                                           title="t", dedupe_key="k", channels=[NotificationChannel.SMS])
    ids = [row.pk for row in rows]
    first = delivery.notification_deliver_batch(notification_ids=ids)
    second = delivery.notification_deliver_batch(notification_ids=ids)
    assert sorted(first["sent"]) == sorted(ids) and second["sent"] == []
    assert len(sms_outbox) == 2


def _broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(delivery, "enqueue", refuse)


@pytest.mark.django_db(transaction=True)  # the action really commits, so its on-commit publish runs
def test_broker_outage_never_turns_a_committed_summons_into_a_500(world, client, monkeypatch, settings,
                                                                  sms_outbox):
    settings.SMS_BACKEND = LOCMEM_SMS
    from governance.models import Profile

    for person in (world.police.liaison, world.police.leader_in_charge):
        Profile.objects.update_or_create(user=person, defaults={"center": world.center, "phone": "13905950001"})
    summons = svc.summons_request(actor=world.director, center=world.center, reason="堵路",
                                  departments=[world.police])
    sms_outbox.clear()
    _broker_down(monkeypatch)
    client.force_login(world.deputy)
    response = client.post(reverse("dispatch:work-summons-action", args=[summons.pk, "approve"]))
    assert response.status_code == 302
    assert response[QUEUED_HEADER] == "1"
    summons.refresh_from_db()
    assert summons.status == "approved"
    called = Notification.objects.filter(kind="summons.approved", channel=NotificationChannel.SMS)
    assert called.count() == 2 and set(called.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    page = client.get(response["Location"]).content.decode()
    assert "短信和邮件已排队" in page
    # The broker is back: beat's requeue delivers them, once.
    monkeypatch.undo()
    Notification.objects.filter(pk__in=called).update(created_at=at(2020, 1, 1))
    assert notifications_requeue() == 2
    statuses = list(called.values_list("status", "last_error"))
    assert set(called.values_list("status", flat=True)) == {DeliveryStatus.SENT}, statuses
    assert len(sms_outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_an_action_with_the_broker_up_says_nothing_about_queues(world, client):
    summons = svc.summons_request(actor=world.director, center=world.center, reason="堵路",
                                  departments=[world.police])
    client.force_login(world.deputy)
    response = client.post(reverse("dispatch:work-summons-action", args=[summons.pk, "approve"]))
    assert response.status_code == 302 and QUEUED_HEADER not in response


def test_the_alarm_kinds_are_distinct(world):
    AuditAlarm.objects.create(kind=engine_audit.ALARM_KIND, message="m", raised_at=at(2025, 1, 1), last_seen_at=at(2025, 1, 1))
    AuditAlarm.objects.create(kind=engine_audit.LOST_ALARM_KIND, message="m", raised_at=at(2025, 1, 1),
                              last_seen_at=at(2025, 1, 1))
    assert svc.deadline_audit(now=at(2025, 1, 1)) is None
    assert not AuditAlarm.objects.filter(resolved_at__isnull=True).exists()


def test_an_action_writes_its_messages_in_its_own_transaction(world, django_capture_on_commit_callbacks):
    """Approving a summons stores its call-up messages with the approval (a crash after commit leaves
    them pending in the outbox); only the publishing waits for the commit."""
    summons = svc.summons_request(actor=world.director, center=world.center, reason="堵路",
                                  departments=[world.police])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        svc.summons_approve(actor=world.commander, summons=summons, now=at(2025, 11, 3, 9, 0))
    called = Notification.objects.filter(kind="summons.approved")
    assert called.filter(channel=NotificationChannel.IN_APP).count() == 2
    assert set(called.filter(channel=NotificationChannel.SMS).values_list("status", "priority")) == {
        (DeliveryStatus.PENDING, delivery.PRIORITY_URGENT)}
    assert len(callbacks) == 1  # the publish of the SMS batch


def test_the_sweeps_link_is_the_page_link():
    from dispatch.links import link_for, link_to

    assert link_for("work-assignment", 42) == link_to("work-assignment", 42)
    assert link_for("work-summons", 7) == link_to("work-summons", 7)


def _mixed_sweep_statements(world, count, *, department, dispatched, swept):
    """`count` matters dispatched, half of them supervised (progress reports), swept when every step of
    their chains is due: acknowledgement overdue, overdue, both escalations (leader, commanders),
    progress requested and the next progress step, each department's 工作提示函."""
    for n in range(count):
        supervised = n % 2 == 0
        svc.case_dispatch(actor=world.dispatcher, case=world.case(), lead_department=department, now=dispatched,
                          mode=HandlingMode.SUPERVISED if supervised else HandlingMode.TRANSFER,
                          supervising_leader=world.commander if supervised else None,
                          progress_every_working_days=2 if supervised else None)
    with CaptureQueriesContext(connection) as queries:
        result = svc.deadline_sweep(now=swept, batch_size=1000)
    statements = [query["sql"] for query in queries.captured_queries]
    return result, len(_unsplit(statements))


def _unsplit(statements: list[str]) -> list[str]:
    """SQLite caps a statement's variables: Django splits the bulk inserts of events and new steps."""
    if connection.vendor != "sqlite":
        return statements
    for table in ("intake_caseevent", "dispatch_deadlinestep"):
        inserts = [sql for sql in statements if sql.startswith(f'INSERT INTO "{table}"')]
        statements = [sql for sql in statements if sql not in inserts[1:]]
    return statements


# The statements of one sweep with one batch due, whatever its size: the run's row (2), the pending
# ids (2: the batch and the empty read that ends the loop), the claim, the read of the steps, of the
# departments, of the centers, of the supervising leaders, the commanders on duty, the overdue mark,
# this month's letters and the overdue count, the letter (savepoint, insert, release), the events,
# the new progress steps, the recipients' channels on file (one read for the batch), the messages,
# the outcomes, and the batch's savepoint pair in a test; for the timeline's hash chain the matters'
# last events (on PostgreSQL, after locking the matters); the matters whose first receiver is to
# call the applicant (their explanation clocks go in with the new progress steps); and one read of the
# leaders who follow the batch's matters (review's `events_recorded` hook: the overdue events are of note).
# And the year's scheme for the accountability ladder's steps.
SWEEP_STATEMENTS = 28 if connection.vendor != "postgresql" else 29


def test_a_batch_costs_the_same_statements_for_10_or_50_due_assignments(world, django_capture_on_commit_callbacks,
                                                                         ladder_later):
    """Counts, not times: every kind of assignment step firing for 10 matters and for 50, one batch each."""
    with django_capture_on_commit_callbacks(execute=False):
        small, few = _mixed_sweep_statements(world, 10, department=world.zgj, dispatched=at(2025, 11, 3, 9, 0),
                                             swept=at(2025, 11, 25, 9, 0))
        large, many = _mixed_sweep_statements(world, 50, department=world.police, dispatched=at(2025, 11, 4, 9, 0),
                                              swept=at(2025, 11, 26, 9, 0))
    assert small.batches == large.batches == 1
    for kind in (StepKind.ACK_OVERDUE, StepKind.OVERDUE, StepKind.PROGRESS_DUE):
        assert small.kinds[kind] * 5 == large.kinds[kind] > 0, kind
    assert small.kinds[StepKind.ESCALATION] * 5 == large.kinds[StepKind.ESCALATION] == 100
    assert Notification.objects.filter(kind="department.work_letter").values("dedupe_key").distinct().count() == 2
    assert few == many == SWEEP_STATEMENTS


def test_a_sweeps_many_messages_are_published_by_one_task_that_a_delivery_worker_fans_out(world, monkeypatch):
    """The sweep pays one broker round trip per batch of messages: more than `FAN_OUT_AFTER` rows of
    a priority go out as one task; the delivery worker publishes their batches of 10. Summons rows
    (urgent) never wait for a fan-out."""
    published = []

    names = {"dispatch.tasks.notification_deliver_batch": "deliver", "dispatch.tasks.notification_publish_rows": "fan-out"}

    def recorder(task_name, rows, priority, countdown=None, queue=None):
        published.append((names[task_name], len(rows), priority))

    monkeypatch.setattr(delivery, "enqueue", recorder)
    bulk = [(n, delivery.PRIORITY_BULK) for n in range(delivery.FAN_OUT_AFTER + 11)]
    urgent = [(1000 + n, delivery.PRIORITY_URGENT) for n in range(delivery.FAN_OUT_AFTER + 1)]
    assert delivery.notification_publish(bulk + urgent) == delivery.FAN_OUT_AFTER + 2
    assert published == [("deliver", 1, 0)] * (delivery.FAN_OUT_AFTER + 1) + [("fan-out", 61, 6)]
    published.clear()
    assert delivery.notification_publish_batches(rows=bulk) == 7
    assert published == [("deliver", 10, 6)] * 6 + [("deliver", 1, 6)]
    published.clear()
    # A retry's countdown is never handed on: its rows are published directly.
    assert delivery.notification_publish(bulk, countdown=30) == 7
    assert {name for name, *_ in published} == {"deliver"}
