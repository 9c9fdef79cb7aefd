"""The key-person ledger: invisible without the granted permission (pages, API, export, search),
every view recorded, IDs masked, a risk rise warns the town, follow-up reminders exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from dispatch.models import DeadlineStep, Notification
from dispatch.services import deadline_sweep
from dispatch.services.engine_audit import deadline_steps_without_messages
from dispatch.tests.factories import CommandAssignmentFactory
from governance.roles import Role
from governance.tests.factories import UserFactory
from grid.models import KeyPerson, KeyPersonFollowUp, KeyPersonGroup, KeyPersonView
from grid.services.keypersons import (
    FOLLOW_UP_SUBJECT,
    keyperson_follow_up_schedule,
    keyperson_set_risk,
)
from grid.tests.conftest import at
from intake.tests.factories import valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(territory):
    return KeyPerson.objects.create(grid=territory.unit, group=KeyPersonGroup.objects.get(code="SH02"),
                                    name="林某某", id_number=valid_id_number(), phone="13905950001",
                                    address="上浦村", responsible=territory.worker)


@pytest.fixture
def granted(territory):
    """The administrator grants the ledger to the duty directors' role (view and change)."""
    group = Group.objects.get(name=Role.DUTY_DIRECTOR)
    group.permissions.add(*Permission.objects.filter(codename__in=["view_keyperson", "change_keyperson"]))
    return territory.director


def test_invisible_to_roles_not_granted_in_pages_api_and_export(client, territory, person):
    for user in (territory.worker, territory.station, territory.town_liaison):
        client.force_login(user)
        assert client.get(reverse("grid:keypersons")).status_code == 404
        assert client.get(reverse("grid:keyperson", args=[person.pk])).status_code == 404
        assert client.get(reverse("grid:keypersons-export")).status_code == 404
        assert client.get(reverse("grid-api:keypersons")).status_code == 404
        assert client.get(reverse("grid-api:keyperson", args=[person.pk])).status_code == 404
        assert client.get(reverse("grid:keypersons") + "?q=林").status_code == 404
    assert not KeyPersonView.objects.exists()


def test_every_view_is_recorded_and_ids_are_masked(client, granted, person):
    client.force_login(granted)
    listing = client.get(reverse("grid:keypersons")).content.decode()
    assert "林某某" in listing and person.id_number not in listing and person.id_number[-4:] in listing
    client.get(reverse("grid:keyperson", args=[person.pk]))
    body = client.get(reverse("grid-api:keypersons")).json()
    assert body["results"][0]["id_number"].count("*") == 8
    export = client.get(reverse("grid:keypersons-export")).content.decode()
    assert person.id_number not in export and "林某某" in export
    contexts = list(KeyPersonView.objects.filter(person=person, viewer=granted).order_by("pk")
                    .values_list("context", flat=True))
    assert contexts == ["list", "page", "api", "export"]


def test_a_rising_risk_warns_the_town_once(granted, person, territory):
    change = keyperson_set_risk(actor=granted, person=person, risk_level="high", reason="近期多次扬言报复")
    warned = Notification.objects.filter(kind="keyperson.risk_raised")
    assert {n.recipient_id for n in warned} == {territory.town_dispatcher.pk}
    assert "林某某" not in warned.first().title and change.to_level == "high"
    keyperson_set_risk(actor=granted, person=person, risk_level="medium", reason="情绪平稳")
    assert warned.count() == 1  # a fall warns nobody
    with pytest.raises(Exception, match="权限"):
        keyperson_set_risk(actor=territory.worker, person=person, risk_level="high", reason="x")


def _sweep(when: dt.datetime):
    with time_machine.travel(when, tick=False):
        return deadline_sweep(now=when)


def test_follow_ups_run_on_the_deadline_engine_reminder_overdue_escalation(client, granted, person, territory):
    """Scheduled with steps (no sweep of its own): the day before, the responsible worker is
    reminded; at the due time the visit is overdue (the worker and the town sub-center); three days
    later the district's commander on duty is called in. Each once, each message carrying its step."""
    t = territory
    commander = UserFactory(roles=[Role.COMMANDER], profile={"center": t.district})
    CommandAssignmentFactory(center=t.district, user=commander, valid_from=dt.date(2026, 1, 1))
    follow_up = keyperson_follow_up_schedule(person=person, due_at=at(2026, 11, 20, 9), now=at(2026, 11, 18, 9))
    steps = DeadlineStep.objects.filter(subject_type=FOLLOW_UP_SUBJECT, subject_id=follow_up.pk).order_by("due_at")
    assert [(s.kind, s.due_at) for s in steps] == [
        ("due_reminder", at(2026, 11, 19, 9)), ("overdue", at(2026, 11, 20, 9)), ("escalation", at(2026, 11, 23, 9))]

    assert _sweep(at(2026, 11, 19, 8, 59)).fired == 0
    assert _sweep(at(2026, 11, 19, 9)).kinds == {"due_reminder": 1}
    assert _sweep(at(2026, 11, 19, 9, 1)).fired == 0  # once
    reminder = Notification.objects.get(kind="keyperson.follow_up_due")
    assert reminder.recipient == t.worker and "林某某" not in reminder.title
    assert reminder.step == steps[0] and reminder.link == f"/grid/keypersons/{person.pk}/"

    assert _sweep(at(2026, 11, 20, 9)).kinds == {"overdue": 1}
    overdue = Notification.objects.filter(kind="keyperson.follow_up_overdue")
    assert {n.recipient_id for n in overdue} == {t.worker.pk, t.town_dispatcher.pk}
    assert {n.step_id for n in overdue} == {steps[1].pk}

    assert _sweep(at(2026, 11, 23, 9)).kinds == {"escalation": 1}
    escalated = Notification.objects.filter(kind="keyperson.follow_up_escalated")
    assert {(n.recipient_id, n.channel) for n in escalated} == {(commander.pk, "in_app"), (commander.pk, "sms")}
    follow_up.refresh_from_db()
    assert (follow_up.reminded_at, follow_up.overdue_at, follow_up.escalated_at) == (
        at(2026, 11, 19, 9), at(2026, 11, 20, 9), at(2026, 11, 23, 9))
    # The outbox auditor covers them: every fired step counted its messages, and all are stored.
    assert [s.message_count for s in steps.all()] == [1, 2, 2]
    assert deadline_steps_without_messages(now=at(2026, 11, 23, 9, 1)) == 0
    escalated.filter(channel="sms").delete()  # a lost message is noticed
    assert deadline_steps_without_messages(now=at(2026, 11, 23, 9, 1)) == 1

    client.force_login(granted)
    page = client.get(reverse("grid:keyperson", args=[person.pk])).content.decode()
    assert "已超期" in page and "已督办" in page


def test_a_visit_done_cancels_its_steps_and_schedules_the_next(client, granted, person, territory):
    follow_up = keyperson_follow_up_schedule(person=person, due_at=at(2026, 11, 20, 9), now=at(2026, 11, 18, 9))
    client.force_login(granted)
    client.post(reverse("grid:keyperson-follow-up", args=[follow_up.pk]), {"notes": "上门走访，情绪稳定"})
    follow_up.refresh_from_db()
    assert follow_up.done_by == granted and follow_up.done_at == at(2026, 11, 18, 9)
    done_steps = DeadlineStep.objects.filter(subject_type=FOLLOW_UP_SUBJECT, subject_id=follow_up.pk)
    assert done_steps.count() == 3 and not done_steps.filter(cancelled_at__isnull=True).exists()
    nxt = KeyPersonFollowUp.objects.filter(person=person, done_at__isnull=True).get()
    assert nxt.due_at - follow_up.done_at == dt.timedelta(days=30)
    assert DeadlineStep.objects.filter(subject_type=FOLLOW_UP_SUBJECT, subject_id=nxt.pk,
                                       cancelled_at__isnull=True).count() == 3
    assert _sweep(at(2026, 11, 25, 9)).fired == 0  # the done visit reminds nobody
    assert not Notification.objects.filter(kind__startswith="keyperson.follow_up").exists()


def test_a_visit_done_between_claim_and_fire_is_skipped(person, territory):
    """A step whose visit was recorded after it was scheduled but whose cancel was missed (an old
    row) acts on nothing: the handler re-reads the visit."""
    follow_up = keyperson_follow_up_schedule(person=person, due_at=at(2026, 11, 20, 9), now=at(2026, 11, 18, 9))
    KeyPersonFollowUp.objects.filter(pk=follow_up.pk).update(done_at=at(2026, 11, 19, 8), done_by=territory.worker)
    result = _sweep(at(2026, 11, 24, 9))
    assert (result.fired, result.skipped) == (0, 3)
    assert not Notification.objects.filter(kind__startswith="keyperson.follow_up").exists()


def test_there_is_no_grid_sweep_of_its_own():
    from django.conf import settings

    # the grid's one beat task counts the open matters per grid; the follow-ups are the engine's
    grid_tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"].startswith("grid.")}
    assert grid_tasks == {"grid.tasks.open_counts_refresh"}


def test_a_person_added_in_the_admin_gets_the_first_visit_on_the_engine(client, territory):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:grid_keyperson_add"), {
        "grid": territory.unit.pk, "group": KeyPersonGroup.objects.get(code="SH02").pk, "name": "郑某某",
        "phone": "", "address": "", "risk_level": "low", "responsible": territory.worker.pk,
        "follow_up_every_days": "14", "notes": ""})
    assert response.status_code == 302
    visit = KeyPersonFollowUp.objects.get(person__name="郑某某")
    assert visit.due_at == at(2026, 11, 18, 9) + dt.timedelta(days=14)
    assert DeadlineStep.objects.filter(subject_type=FOLLOW_UP_SUBJECT, subject_id=visit.pk).count() == 3


def test_the_export_neutralises_a_leading_tab_or_cr_too(client, granted, territory):
    """Issue 24 item 7: `=`, `+`, `-`, `@` were neutralised, a leading TAB or CR (before a formula) was not."""
    group = KeyPersonGroup.objects.get(code="SH02")
    for name in ("\t=cmd|' /C calc'!A0", "\r=1+1", "@SUM(1)", "=2"):
        KeyPerson.objects.create(grid=territory.unit, group=group, name=name, responsible=territory.worker)
    client.force_login(granted)
    import csv
    import io

    rows = list(csv.reader(io.StringIO(client.get(reverse("grid:keypersons-export")).content.decode("utf-8-sig"))))
    names = {row[2] for row in rows[1:]}
    assert names == {"'\t=cmd|' /C calc'!A0", "'\r=1+1", "'@SUM(1)", "'=2"}


def test_the_admin_list_records_who_saw_whom(client, granted, person):
    """Issue 24 item 7: the key-person list in the Django admin wrote no view log."""
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root", password="root-password-1")
    client.force_login(admin)
    assert "林某某" in client.get("/admin/grid/keyperson/").content.decode()
    assert list(KeyPersonView.objects.filter(viewer=admin).values_list("person_id", "context")) == [
        (person.pk, "admin-list")]


@pytest.mark.parametrize("group", ["²", str(10**30), "abc", ""])
def test_a_group_that_is_no_id_lists_everyone_not_a_500(client, granted, person, group):
    """Issue 21 item 4: `?group=²` passed isdigit() and failed int() (a 500)."""
    client.force_login(granted)
    response = client.get(reverse("grid:keypersons"), {"group": group})
    assert response.status_code == 200 and "林某某" in response.content.decode()


def test_a_key_persons_id_number_and_phone_are_stored_encrypted(person):
    """Issue 24 item 8: encrypted at rest, found through the blind index."""
    from django.db import connection

    from governance.crypto import pii_digest

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, id_number_digest FROM grid_keyperson WHERE id = %s", [person.pk])
        id_token, phone_token, id_digest = cursor.fetchone()
    assert id_token.startswith("gAAAAA") and person.id_number not in id_token
    assert phone_token.startswith("gAAAAA") and "13905950001" not in phone_token
    assert KeyPerson.objects.get(id_number_digest=pii_digest(person.id_number)).phone == "13905950001"
    assert id_digest == pii_digest(person.id_number)
