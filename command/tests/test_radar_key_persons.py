"""The key-person signal: a person of the grid's ledger (重点人员) who appears as an applicant is
raised once with the right matters; ordinary data raises none; the signal follows the ledger's
rules (only roles granted the ledger see it, on the radar, its page and the admin; every view is
recorded in the ledger's view log)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse

from command.choices import SignalKind
from command.models import RiskSignal
from command.services.radar import radar_run
from command.tests.factories import applicant, ordinary_weeks, person
from governance.roles import Role
from grid.models import KeyPerson, KeyPersonGroup, KeyPersonView
from intake.tests.factories import valid_id_number

pytestmark = pytest.mark.django_db


def case_ids(signal: RiskSignal) -> set[int]:
    return set(signal.signal_cases.values_list("case_id", flat=True))


def ledger_person(world, *, name: str, id_number: str = "", phone: str = "") -> KeyPerson:
    return KeyPerson.objects.create(grid=world.units[world.sunshine.pk][0], group=KeyPersonGroup.objects.get(code="SH02"),
                                    name=name, id_number=id_number, phone=phone, risk_level="high")


def grant_ledger(role: str = Role.DUTY_DIRECTOR) -> None:
    Group.objects.get(name=role).permissions.add(Permission.objects.get(codename="view_keyperson"))


@pytest.fixture
def planted(world, now):
    """Two ledger people who came as applicants (one by ID number, one by phone with no ID on the
    matter) and one who did not; ordinary life around them."""
    ordinary_weeks(world)
    by_id = ledger_person(world, name="林某某", id_number=valid_id_number(order=11), phone="13905950001")
    by_phone = ledger_person(world, name="陈某某", phone="13905950002")
    ledger_person(world, name="未来访", id_number=valid_id_number(order=13), phone="13905950003")
    first = world.matter(category=world.neighbours, at=now - dt.timedelta(days=3), address="海滨路 1 号")
    second = world.matter(category=world.neighbours, at=now - dt.timedelta(days=20), address="海滨路 2 号")
    too_old = world.matter(category=world.neighbours, at=now - dt.timedelta(days=40), address="海滨路 3 号")
    third = world.matter(category=world.neighbours, at=now - dt.timedelta(days=1), address="海滨路 4 号")
    applicant(first, person(name="林某某", phone="13800000111", id_number=by_id.id_number))
    applicant(second, person(name="林某某", phone="13800000112", id_number=by_id.id_number))
    applicant(too_old, person(name="林某某", phone="13800000113", id_number=by_id.id_number))
    applicant(third, person(name="陈某某", phone=by_phone.phone, id_number=""))
    return {"by_id": (by_id, {first.pk, second.pk}), "by_phone": (by_phone, {third.pk})}


def test_key_persons_appearing_as_applicants_are_raised_once_with_their_matters(world, now, planted):
    result = radar_run(center=world.center, now=now)

    assert sorted(s.kind for s in result.raised) == [SignalKind.KEY_PERSON] * 2
    by_person = {s.key_person_id: s for s in result.raised}
    for key_person, matters in planted.values():
        signal = by_person[key_person.pk]
        assert case_ids(signal) == matters and signal.count == len(matters)
        assert key_person.name not in signal.title + signal.reason  # no name in what is copied on
        assert "风险等级：高（严控）" in signal.reason and "阳光社区第1网格" in signal.title
    assert "作为申请人登记事项 2 件（按公民身份号码比对台账" in by_person[planted["by_id"][0].pk].reason
    assert "按联系电话比对台账" in by_person[planted["by_phone"][0].pk].reason

    again = radar_run(center=world.center, now=now + dt.timedelta(hours=1))
    assert again.raised == [] and len(again.refreshed) == 2
    assert RiskSignal.objects.filter(kind=SignalKind.KEY_PERSON).count() == 2


def test_ordinary_data_and_near_misses_raise_no_key_person_signal(world, now):
    ordinary_weeks(world)
    in_ledger = ledger_person(world, name="林某某", id_number=valid_id_number(order=11), phone="13905950001")
    case = world.matter(category=world.neighbours, at=now - dt.timedelta(days=2), address="海滨路 9 号")
    # the ledger's phone, but another person's ID number: not the key person
    applicant(case, person(name="林小某", phone=in_ledger.phone, id_number=valid_id_number(order=12)))
    assert radar_run(center=world.center, now=now).raised == []
    assert not RiskSignal.objects.exists()


def test_without_the_ledger_permission_the_signal_is_not_seen_anywhere(client, world, now, planted):
    signal = radar_run(center=world.center, now=now).raised[0]
    name = signal.key_person.name
    client.force_login(world.director)  # reads the radar, but the ledger is not granted to the role
    radar = client.get(reverse("command:radar"))
    assert radar.status_code == 200 and signal.title not in radar.content.decode()
    assert client.get(reverse("command:signal", args=[signal.pk])).status_code == 404
    assert client.get(reverse("command:letter-new") + f"?signal={signal.pk}").status_code == 404
    request = RequestFactory().get("/admin/")
    request.user = world.director
    assert not site._registry[RiskSignal].get_queryset(request).filter(kind=SignalKind.KEY_PERSON).exists()
    assert not KeyPersonView.objects.exists()

    grant_ledger()
    world.director.refresh_from_db()
    client.force_login(world.director)
    radar = client.get(reverse("command:radar")).content.decode()
    assert signal.title in radar and name not in radar
    page = client.get(reverse("command:signal", args=[signal.pk])).content.decode()
    assert name in page
    views = list(KeyPersonView.objects.filter(viewer=world.director).values_list("person_id", "context"))
    assert (signal.key_person_id, "radar") in views and (signal.key_person_id, "radar_signal") in views
    assert {person for person, _ in views} == {p.pk for p, _ in planted.values()}  # both shown on the radar


def test_a_new_matter_of_the_same_person_refreshes_the_signal_with_it(world, now, planted):
    key_person, matters = planted["by_id"]
    signal = next(s for s in radar_run(center=world.center, now=now).raised if s.key_person_id == key_person.pk)
    later = world.matter(category=world.neighbours, at=now + dt.timedelta(hours=1), address="海滨路 5 号")
    applicant(later, person(name="林某某", phone="13800000114", id_number=key_person.id_number))
    again = radar_run(center=world.center, now=now + dt.timedelta(hours=2))
    # (a third matter in 30 days also makes the person a repeat applicant: that one is new)
    assert [s.kind for s in again.raised] == [SignalKind.REPEAT_APPLICANT]
    assert signal.pk in {s.pk for s in again.refreshed}
    signal.refresh_from_db()
    assert case_ids(signal) == matters | {later.pk} and signal.count == 3
    assert "登记事项 3 件" in signal.reason and signal.last_seen_at == now + dt.timedelta(hours=2)
