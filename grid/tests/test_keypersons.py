"""The key-person ledger: invisible without the granted permission (pages, API, export, search),
every view recorded, IDs masked, a risk rise warns the town, follow-up reminders exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from dispatch.models import Notification
from governance.roles import Role
from grid.models import KeyPerson, KeyPersonFollowUp, KeyPersonGroup, KeyPersonView
from grid.services.keypersons import (
    keyperson_follow_up_schedule,
    keyperson_follow_ups_remind,
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


def test_follow_up_reminder_fires_once_and_done_schedules_the_next(client, granted, person, territory):
    follow_up = keyperson_follow_up_schedule(person=person, due_at=at(2026, 11, 18, 8))
    assert keyperson_follow_ups_remind(now=at(2026, 11, 18, 9)) == 1
    assert keyperson_follow_ups_remind(now=at(2026, 11, 18, 9, 5)) == 0
    reminders = Notification.objects.filter(kind="keyperson.follow_up_due")
    assert [n.recipient_id for n in reminders] == [territory.worker.pk]
    client.force_login(granted)
    client.post(reverse("grid:keyperson-follow-up", args=[follow_up.pk]), {"notes": "上门走访，情绪稳定"})
    follow_up.refresh_from_db()
    assert follow_up.done_by == granted
    nxt = KeyPersonFollowUp.objects.filter(person=person, done_at__isnull=True).get()
    assert nxt.due_at - follow_up.done_at == dt.timedelta(days=30)
